/* SSL_CTX_set_max_proto_version: the maximum protocol version a context negotiates.
 * A function-like macro over SSL_CTX_ctrl in OpenSSL >= 1.1.0; a real function taking a
 * uint16_t in LibreSSL >= 2.6.0 (plus `#define X X`), BoringSSL and AWS-LC. */
#include <openssl/ssl.h>
#include <stdint.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL_CTX *, uint16_t) = SSL_CTX_set_max_proto_version;
    (void)p;
}

SSLPROBE_VARIANT(macro)
{
#ifndef SSL_CTX_set_max_proto_version
#error "SSL_CTX_set_max_proto_version is not a macro here"
#endif
    SSL_CTX *volatile ctx = 0;
    volatile long r = SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    (void)r;
}
