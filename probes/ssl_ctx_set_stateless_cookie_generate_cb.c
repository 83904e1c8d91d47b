/* SSL_CTX_set_stateless_cookie_generate_cb: the cookie for TLS 1.3 HelloRetryRequest in a
 * stateless server (SSL_stateless). OpenSSL >= 1.1.1 only. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    void (*volatile p)(SSL_CTX *, int (*)(SSL *, unsigned char *, size_t *)) =
        SSL_CTX_set_stateless_cookie_generate_cb;
    (void)p;
}
