/* SSL_CTX_set0_tmp_dh_pkey: DH parameters as an EVP_PKEY (the 3.0 replacement of
 * SSL_CTX_set_tmp_dh). OpenSSL >= 3.0.0 only. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL_CTX *, EVP_PKEY *) = SSL_CTX_set0_tmp_dh_pkey;
    (void)p;
}
