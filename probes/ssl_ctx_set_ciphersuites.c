/* SSL_CTX_set_ciphersuites: configures the TLS 1.3 cipher suites (separate from the TLS 1.2
 * cipher list). OpenSSL >= 1.1.1, LibreSSL >= 3.4.0 (3.2.2-3.3.x declare it only behind
 * LIBRESSL_HAS_TLS1_3), AWS-LC >= 1.2.0. BoringSSL has no such knob. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL_CTX *, const char *) = SSL_CTX_set_ciphersuites;
    (void)p;
}
