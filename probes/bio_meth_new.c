/* BIO_meth_new: creates a custom BIO_METHOD (BIO_METHOD became opaque in 1.1.0).
 * OpenSSL >= 1.1.0, LibreSSL >= 2.7.0, BoringSSL, AWS-LC. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    BIO_METHOD *(*volatile p)(int, const char *) = BIO_meth_new;
    (void)p;
}
