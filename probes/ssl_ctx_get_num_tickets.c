/* SSL_CTX_get_num_tickets: reads the ticket count back. The context pointer is const in
 * every library we know; the non-const variant is kept so that a header that differs is
 * detected instead of being reported absent. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(const_ctx)
{
    size_t (*volatile p)(const SSL_CTX *) = SSL_CTX_get_num_tickets;
    (void)p;
}

SSLPROBE_VARIANT(mut_ctx)
{
    size_t (*volatile p)(SSL_CTX *) = SSL_CTX_get_num_tickets;
    (void)p;
}
