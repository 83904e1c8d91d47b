/* SSL_CTX_set_allow_early_data_cb: a server callback deciding per connection whether TLS 1.3
 * early data (0-RTT) is accepted. OpenSSL >= 1.1.1 only. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    void (*volatile p)(SSL_CTX *, int (*)(SSL *, void *), void *) = SSL_CTX_set_allow_early_data_cb;
    (void)p;
}
