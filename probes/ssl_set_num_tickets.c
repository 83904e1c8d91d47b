/* SSL_set_num_tickets: the per-connection variant. OpenSSL >= 1.1.1 and LibreSSL (stub);
 * BoringSSL and AWS-LC only have the SSL_CTX_ variant. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL *, size_t) = SSL_set_num_tickets;
    (void)p;
}
