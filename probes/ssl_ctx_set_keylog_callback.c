/* SSL_CTX_set_keylog_callback: NSS key-log lines for every secret.
 * OpenSSL >= 1.1.1, BoringSSL, AWS-LC; LibreSSL >= 3.5.0 stores the callback and never
 * calls it. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    void (*volatile p)(SSL_CTX *, void (*)(const SSL *, const char *)) = SSL_CTX_set_keylog_callback;
    (void)p;
}
