/* SSL_get_peer_certificate: the peer's certificate (a new reference, despite the name).
 * An exported function in OpenSSL < 3.0, LibreSSL, BoringSSL and AWS-LC. OpenSSL 3.0
 * deprecates it: `#define SSL_get_peer_certificate SSL_get1_peer_certificate`, and there is no
 * such symbol to link from Rust. The macro variant comes first because the function probe
 * would also pass through that alias; no library has `#define SSL_get_peer_certificate` for a
 * real function of that name. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(macro)
{
#ifndef SSL_get_peer_certificate
#error "SSL_get_peer_certificate is not a macro here"
#endif
    const SSL *volatile ssl = 0;
    X509 *volatile x = SSL_get_peer_certificate(ssl);
    (void)x;
}

SSLPROBE_VARIANT(fn)
{
    X509 *(*volatile p)(const SSL *) = SSL_get_peer_certificate;
    (void)p;
}
