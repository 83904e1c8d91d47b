/* X509_get_signature_info: digest, public-key type and security bits of a certificate's
 * signature. OpenSSL >= 1.1.1, LibreSSL >= 4.0.0, AWS-LC >= 1.24.0; not BoringSSL.
 * (<openssl/ssl.h> pulls in <openssl/x509.h> in every family.) */
#include <openssl/ssl.h>
#include <stdint.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(X509 *, int *, int *, int *, uint32_t *) = X509_get_signature_info;
    (void)p;
}

/* OpenSSL >= 4.0 takes a const certificate. */
SSLPROBE_VARIANT(const_x509)
{
    int (*volatile p)(const X509 *, int *, int *, int *, uint32_t *) = X509_get_signature_info;
    (void)p;
}
