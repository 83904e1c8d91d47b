/* SSL_CTX_set1_groups_list: the key-exchange groups, as a colon-separated list of names.
 * OpenSSL >= 1.1.1: a macro over SSL_CTX_ctrl. LibreSSL >= 2.5.1 (plus `#define X X`),
 * BoringSSL and AWS-LC >= 1.4.0: a function. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL_CTX *, const char *) = SSL_CTX_set1_groups_list;
    (void)p;
}

SSLPROBE_VARIANT(macro)
{
#ifndef SSL_CTX_set1_groups_list
#error "SSL_CTX_set1_groups_list is not a macro here"
#endif
    SSL_CTX *volatile ctx = 0;
    volatile long r = SSL_CTX_set1_groups_list(ctx, "P-256");
    (void)r;
}
