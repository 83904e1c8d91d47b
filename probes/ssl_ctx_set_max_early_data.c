/* SSL_CTX_set_max_early_data: how much TLS 1.3 early data (0-RTT) a server accepts.
 * OpenSSL >= 1.1.1; LibreSSL >= 3.4.0 declares it (behind LIBRESSL_HAS_TLS1_3) but does not
 * implement early data; not in BoringSSL or AWS-LC (they use SSL_CTX_set_early_data_enabled). */
#include <openssl/ssl.h>
#include <stdint.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL_CTX *, uint32_t) = SSL_CTX_set_max_early_data;
    (void)p;
}
