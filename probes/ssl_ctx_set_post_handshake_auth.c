/* SSL_CTX_set_post_handshake_auth: lets a TLS 1.3 client accept post-handshake certificate
 * requests. OpenSSL >= 1.1.1; LibreSSL >= 3.4.0 declares it (behind LIBRESSL_HAS_TLS1_3) but
 * it has no effect; not in BoringSSL or AWS-LC. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    void (*volatile p)(SSL_CTX *, int) = SSL_CTX_set_post_handshake_auth;
    (void)p;
}

/* wolfSSL's compatibility layer returns int (found by the matrix's nm check). */
SSLPROBE_VARIANT(int_ret)
{
    int (*volatile p)(SSL_CTX *, int) = SSL_CTX_set_post_handshake_auth;
    (void)p;
}
