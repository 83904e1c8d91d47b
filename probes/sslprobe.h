/* sslprobe.h — lets a probe file be compiled by hand:
 *
 *     cc -include probes/sslprobe.h -c probes/ssl_ctx_set_num_tickets.c
 *
 * The engine does not use this header: it splits each probe file into its variant blocks and
 * gives every block a unique function name in one generated translation unit. */
#ifndef SSLPROBE_H
#define SSLPROBE_H
#define SSLPROBE_CAT2(a, b) a##b
#define SSLPROBE_CAT(a, b) SSLPROBE_CAT2(a, b)
#define SSLPROBE_VARIANT(name) void SSLPROBE_CAT(sslprobe_variant_, name)(void)
#endif
