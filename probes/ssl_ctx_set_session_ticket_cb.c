/* SSL_CTX_set_session_ticket_cb: application data in session tickets and a say in whether a
 * decrypted ticket is used. OpenSSL >= 1.1.1 only. The typedefs are spelled out so that the
 * probe checks the callback types, not just the names. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL_CTX *,
                      int (*)(SSL *, void *),
                      SSL_TICKET_RETURN (*)(SSL *, SSL_SESSION *, const unsigned char *, size_t,
                                            SSL_TICKET_STATUS, void *),
                      void *) = SSL_CTX_set_session_ticket_cb;
    (void)p;
}
