/* SSL_CTX_load_verify_dir: trusted CA certificates from a hashed directory (replaces the
 * CApath half of SSL_CTX_load_verify_locations). OpenSSL >= 3.0.0 only. */
#include <openssl/ssl.h>

SSLPROBE_VARIANT(fn)
{
    int (*volatile p)(SSL_CTX *, const char *) = SSL_CTX_load_verify_dir;
    (void)p;
}
