/* SSL_CTX_get_options: the option bits (SSL_OP_*) of a context; the counterpart of
 * SSL_CTX_set_options, with the same type split: uint64_t in OpenSSL >= 3.0, unsigned long in
 * 1.1.x (the same 64-bit type on LP64 targets), uint32_t in BoringSSL and AWS-LC, a macro over
 * SSL_CTX_ctrl returning long in OpenSSL 1.0.2 and LibreSSL. */
#include <openssl/ssl.h>
#include <stdint.h>

SSLPROBE_VARIANT(u64)
{
    uint64_t (*volatile p)(const SSL_CTX *) = SSL_CTX_get_options;
    (void)p;
}

SSLPROBE_VARIANT(c_ulong)
{
    unsigned long (*volatile p)(const SSL_CTX *) = SSL_CTX_get_options;
    (void)p;
}

SSLPROBE_VARIANT(u32)
{
    uint32_t (*volatile p)(const SSL_CTX *) = SSL_CTX_get_options;
    (void)p;
}

SSLPROBE_VARIANT(c_long_macro)
{
#ifndef SSL_CTX_get_options
#error "SSL_CTX_get_options is not a macro here"
#endif
    SSL_CTX *volatile ctx = 0;
    volatile long r = SSL_CTX_get_options(ctx);
    (void)r;
}
