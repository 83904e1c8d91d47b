/* SSL_OP_NO_TICKET: the option that disables stateless session tickets. Its value is not
 * the same everywhere (wolfSSL: 0x00080000), so it is captured too. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(define)
{
#ifndef SSL_OP_NO_TICKET
#error "SSL_OP_NO_TICKET is not defined"
#endif
}
