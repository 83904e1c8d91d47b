/* X509_get_signature_nid: the NID of a certificate's signature algorithm. OpenSSL >= 1.0.2,
 * LibreSSL >= 2.7.0, BoringSSL, AWS-LC. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(const X509 *) = X509_get_signature_nid;
    (void)p;
}
