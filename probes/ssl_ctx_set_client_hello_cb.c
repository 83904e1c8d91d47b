/* SSL_CTX_set_client_hello_cb: a server callback that inspects the ClientHello before any
 * decision is made. OpenSSL >= 1.1.1, AWS-LC >= 1.56.0; not LibreSSL or BoringSSL (BoringSSL
 * has SSL_CTX_set_select_certificate_cb instead). */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    void (*volatile p)(SSL_CTX *, int (*)(SSL *, int *, void *), void *) = SSL_CTX_set_client_hello_cb;
    (void)p;
}
