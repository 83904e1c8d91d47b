/* SSL_CTX_set_cert_cb: a callback that runs before the server picks its certificate
 * (SNI-based certificate selection). OpenSSL >= 1.0.2, BoringSSL, AWS-LC; not LibreSSL. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    void (*volatile p)(SSL_CTX *, int (*)(SSL *, void *), void *) = SSL_CTX_set_cert_cb;
    (void)p;
}
