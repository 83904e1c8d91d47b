/* SSL_CTX_get_min_proto_version: reads the minimum protocol version back (0: no minimum).
 * OpenSSL >= 1.1.0h: a macro over SSL_CTX_ctrl (returns long). LibreSSL >= 2.7.0:
 * `int f(SSL_CTX *)`. BoringSSL and AWS-LC: `uint16_t f(const SSL_CTX *)` (older BoringSSL
 * took a non-const pointer). */
#include <openssl/ssl.h>
#include <stdint.h>

SSLPROBE_VARIANT(u16_const)
{
    uint16_t (*volatile p)(const SSL_CTX *) = SSL_CTX_get_min_proto_version;
    (void)p;
}

SSLPROBE_VARIANT(u16_mut)
{
    uint16_t (*volatile p)(SSL_CTX *) = SSL_CTX_get_min_proto_version;
    (void)p;
}

SSLPROBE_VARIANT(int_mut)
{
    int (*volatile p)(SSL_CTX *) = SSL_CTX_get_min_proto_version;
    (void)p;
}

SSLPROBE_VARIANT(macro)
{
#ifndef SSL_CTX_get_min_proto_version
#error "SSL_CTX_get_min_proto_version is not a macro here"
#endif
    SSL_CTX *volatile ctx = 0;
    volatile long r = SSL_CTX_get_min_proto_version(ctx);
    (void)r;
}
