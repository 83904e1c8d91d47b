/* SSL_CTX_set_num_tickets: how many TLS 1.3 session tickets a server sends.
 * OpenSSL >= 1.1.1, BoringSSL (API 18), AWS-LC >= 1.2.0; a stub in LibreSSL >= 3.5.0. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL_CTX *, size_t) = SSL_CTX_set_num_tickets;
    (void)p;
}
