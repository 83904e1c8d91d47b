/* SSL_get1_peer_certificate: the peer's certificate, with a new reference the caller frees.
 * OpenSSL >= 3.0.0 and AWS-LC >= 5.2.0; not in LibreSSL or BoringSSL. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    X509 *(*volatile p)(const SSL *) = SSL_get1_peer_certificate;
    (void)p;
}
