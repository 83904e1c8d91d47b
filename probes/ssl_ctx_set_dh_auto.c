/* SSL_CTX_set_dh_auto: automatic finite-field DH parameters for DHE cipher suites.
 * A macro over SSL_CTX_ctrl in OpenSSL >= 1.1.0 and LibreSSL >= 2.1.2; a function that does
 * nothing in AWS-LC >= 1.24.0 (no FFDH in its libssl); not in BoringSSL. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    long (*volatile p)(SSL_CTX *, int) = SSL_CTX_set_dh_auto;
    (void)p;
}

SSLPROBE_VARIANT(macro)
{
#ifndef SSL_CTX_set_dh_auto
#error "SSL_CTX_set_dh_auto is not a macro here"
#endif
    SSL_CTX *volatile ctx = 0;
    volatile long r = SSL_CTX_set_dh_auto(ctx, 1);
    (void)r;
}
