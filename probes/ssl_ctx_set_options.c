/* SSL_CTX_set_options: ORs option bits into a context and returns the new set.
 * The option type differs: uint64_t functions in OpenSSL >= 3.0, unsigned long functions in
 * 1.1.x (the same 64-bit type on LP64 targets), uint32_t functions in BoringSSL and AWS-LC,
 * and a macro over SSL_CTX_ctrl returning long in OpenSSL 1.0.2 and LibreSSL. */
#include <openssl/ssl.h>
#include <stdint.h>

SSLPROBE_VARIANT(u64)
{
    uint64_t (*volatile p)(SSL_CTX *, uint64_t) = SSL_CTX_set_options;
    (void)p;
}

SSLPROBE_VARIANT(c_ulong)
{
    unsigned long (*volatile p)(SSL_CTX *, unsigned long) = SSL_CTX_set_options;
    (void)p;
}

SSLPROBE_VARIANT(u32)
{
    uint32_t (*volatile p)(SSL_CTX *, uint32_t) = SSL_CTX_set_options;
    (void)p;
}

SSLPROBE_VARIANT(c_long_macro)
{
#ifndef SSL_CTX_set_options
#error "SSL_CTX_set_options is not a macro here"
#endif
    SSL_CTX *volatile ctx = 0;
    volatile long r = SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    (void)r;
}
