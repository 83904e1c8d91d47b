/* SSL_CTX_set_security_level: OpenSSL's security level (minimum key sizes, digests, ...).
 * OpenSSL >= 1.1.0, LibreSSL >= 3.6.0: `void f(SSL_CTX *, int)`. AWS-LC >= 1.15.0 declares
 * `void f(const SSL_CTX *, int)` and ignores the value. Not in BoringSSL. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(mut_ctx)
{
    void (*volatile p)(SSL_CTX *, int) = SSL_CTX_set_security_level;
    (void)p;
}

SSLPROBE_VARIANT(const_ctx)
{
    void (*volatile p)(const SSL_CTX *, int) = SSL_CTX_set_security_level;
    (void)p;
}
