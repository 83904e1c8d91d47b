/* BIO_get_data: the private pointer of a custom BIO (BIO became opaque in 1.1.0).
 * OpenSSL >= 1.1.0, LibreSSL >= 2.7.0, BoringSSL, AWS-LC. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    void *(*volatile p)(BIO *) = BIO_get_data;
    (void)p;
}
