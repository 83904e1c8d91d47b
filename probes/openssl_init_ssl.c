/* OPENSSL_init_ssl: explicit library initialisation. OpenSSL >= 1.1.0, BoringSSL and AWS-LC
 * take `const OPENSSL_INIT_SETTINGS *`; LibreSSL >= 2.7.0 takes `const void *` (it has no
 * OPENSSL_INIT_SETTINGS type). */
#include <openssl/ssl.h>
#include <stdint.h>

SSLPROBE_VARIANT(settings)
{
    int (*volatile p)(uint64_t, const OPENSSL_INIT_SETTINGS *) = OPENSSL_init_ssl;
    (void)p;
}

SSLPROBE_VARIANT(void_settings)
{
    int (*volatile p)(uint64_t, const void *) = OPENSSL_init_ssl;
    (void)p;
}
