#pragma once
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdarg.h>
#include <errno.h>
#include <microhttpd.h>
// Typed wrappers: MHD_start_daemon and the *_info getters are variadic; some
// constants are macros with casts. Swift cannot call or import either.

/// Starts a daemon with the options the Swift side uses. `addr` may be NULL (any address).
static inline struct MHD_Daemon *rc_mhd_start(unsigned int flags, uint16_t port,
    const struct sockaddr *addr, MHD_AccessHandlerCallback handler, void *cls,
    MHD_RequestCompletedCallback completed, unsigned int connection_limit,
    unsigned int timeout_seconds, size_t memory_limit, unsigned int per_ip_limit, unsigned int threads,
    MHD_AcceptPolicyCallback accept_policy, void *accept_cls, MHD_LogCallback logger) {
  struct MHD_OptionItem options[] = {
    // The logger first (libmicrohttpd warns otherwise); without one of ours the array starts after it, and
    // libmicrohttpd keeps its own (stderr): a NULL external logger would be called.
    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) logger, cls},
    {MHD_OPTION_SOCK_ADDR, 0, (void *) addr},
    {MHD_OPTION_CONNECTION_LIMIT, connection_limit, NULL},
    {MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds, NULL},
    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t) memory_limit, NULL},
    {MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip_limit, NULL},
    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) completed, cls},
    {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
    {MHD_OPTION_END, 0, NULL},
  };
  return MHD_start_daemon(flags, port, accept_policy, accept_cls, handler, cls, MHD_OPTION_ARRAY,
                          logger != NULL ? options : options + 1, MHD_OPTION_END);
}

static inline uint16_t rc_mhd_bound_port(struct MHD_Daemon *d) {
  const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  return i ? i->port : 0;
}

static inline const struct sockaddr *rc_mhd_client_addr(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return i ? i->client_addr : NULL;
}

static inline uint64_t rc_mhd_size_unknown(void) { return MHD_SIZE_UNKNOWN; }
static inline ssize_t rc_mhd_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
static inline ssize_t rc_mhd_end_with_error(void) { return MHD_CONTENT_READER_END_WITH_ERROR; }
static inline enum MHD_Result rc_mhd_upgrade_close(struct MHD_UpgradeResponseHandle *urh) {
  return MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

/// Whether the peer has hung up (end of file or an error on its socket), without taking a byte: what libmicrohttpd
/// cannot see while a connection is suspended.
static inline int rc_mhd_peer_gone(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (i == NULL) return 0;
  char byte;
  ssize_t n = recv(i->connect_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}
