/* SSL_CTX_set_tlsext_ticket_key_evp_cb: session-ticket key callback using EVP_MAC_CTX (the
 * 3.0 replacement of the HMAC_CTX-based SSL_CTX_set_tlsext_ticket_key_cb). OpenSSL >= 3.0.0
 * only; declared in <openssl/tls1.h>, which <openssl/ssl.h> includes. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL_CTX *,
                      int (*)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *,
                              EVP_MAC_CTX *, int)) = SSL_CTX_set_tlsext_ticket_key_evp_cb;
    (void)p;
}
