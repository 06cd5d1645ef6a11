#pragma once
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdarg.h>
#include <errno.h>
#include <microhttpd.h>
#include <dlfcn.h>

// libmicrohttpd is loaded when a server starts, not at every start of the process: linked, it made each run map and
// relocate it and the nine libraries it needs (gnutls, nettle, gmp, ...) for the many commands that serve nothing.
// The pointers' types are the declarations' own (__typeof__), so a mismatch with microhttpd.h cannot compile.
struct rc_mhd_api {
  __typeof__(&MHD_start_daemon) start_daemon;
  __typeof__(&MHD_quiesce_daemon) quiesce_daemon;
  __typeof__(&MHD_stop_daemon) stop_daemon;
  __typeof__(&MHD_get_daemon_info) get_daemon_info;
  __typeof__(&MHD_get_connection_info) get_connection_info;
  __typeof__(&MHD_get_connection_values) get_connection_values;
  __typeof__(&MHD_lookup_connection_value) lookup_connection_value;
  __typeof__(&MHD_queue_response) queue_response;
  __typeof__(&MHD_suspend_connection) suspend_connection;
  __typeof__(&MHD_resume_connection) resume_connection;
  __typeof__(&MHD_create_response_from_callback) create_response_from_callback;
  __typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
  __typeof__(&MHD_create_response_for_upgrade) create_response_for_upgrade;
  __typeof__(&MHD_upgrade_action) upgrade_action;
  __typeof__(&MHD_destroy_response) destroy_response;
  __typeof__(&MHD_add_response_header) add_response_header;
};

/// Loads libmicrohttpd and fills `api`: NULL when it is ready, else why it could not be loaded. Called once, by
/// HTTPKit's `mhdLibrary` (a Swift global: one table for the process, where a static variable here would be one per
/// object file); every function below takes that table.
static inline const char *rc_mhd_open(struct rc_mhd_api *api) {
  void *lib = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_GLOBAL);
  if (!lib) return dlerror();
#define RC_MHD_SYM(field)                                \
  *(void **)(&api->field) = dlsym(lib, "MHD_" #field);   \
  if (!api->field) return "libmicrohttpd.so.12 lacks MHD_" #field;
  RC_MHD_SYM(start_daemon)
  RC_MHD_SYM(quiesce_daemon)
  RC_MHD_SYM(stop_daemon)
  RC_MHD_SYM(get_daemon_info)
  RC_MHD_SYM(get_connection_info)
  RC_MHD_SYM(get_connection_values)
  RC_MHD_SYM(lookup_connection_value)
  RC_MHD_SYM(queue_response)
  RC_MHD_SYM(suspend_connection)
  RC_MHD_SYM(resume_connection)
  RC_MHD_SYM(create_response_from_callback)
  RC_MHD_SYM(create_response_from_buffer)
  RC_MHD_SYM(create_response_for_upgrade)
  RC_MHD_SYM(upgrade_action)
  RC_MHD_SYM(destroy_response)
  RC_MHD_SYM(add_response_header)
#undef RC_MHD_SYM
  return NULL;
}

static inline MHD_socket rc_mhd_quiesce_daemon(const struct rc_mhd_api *a, struct MHD_Daemon *d) { return a->quiesce_daemon(d); }
static inline void rc_mhd_stop_daemon(const struct rc_mhd_api *a, struct MHD_Daemon *d) { a->stop_daemon(d); }
static inline int rc_mhd_get_connection_values(const struct rc_mhd_api *a, struct MHD_Connection *c, enum MHD_ValueKind kind,
    MHD_KeyValueIterator iterator, void *cls) {
  return a->get_connection_values(c, kind, iterator, cls);
}
static inline const char *rc_mhd_lookup_connection_value(const struct rc_mhd_api *a, struct MHD_Connection *c, enum MHD_ValueKind kind,
    const char *key) {
  return a->lookup_connection_value(c, kind, key);
}
static inline enum MHD_Result rc_mhd_queue_response(const struct rc_mhd_api *a, struct MHD_Connection *c, unsigned int status,
    struct MHD_Response *r) {
  return a->queue_response(c, status, r);
}
static inline void rc_mhd_suspend_connection(const struct rc_mhd_api *a, struct MHD_Connection *c) { a->suspend_connection(c); }
static inline void rc_mhd_resume_connection(const struct rc_mhd_api *a, struct MHD_Connection *c) { a->resume_connection(c); }
static inline struct MHD_Response *rc_mhd_create_response_from_callback(const struct rc_mhd_api *a, uint64_t size, size_t block,
    MHD_ContentReaderCallback crc, void *cls, MHD_ContentReaderFreeCallback crfc) {
  return a->create_response_from_callback(size, block, crc, cls, crfc);
}
static inline struct MHD_Response *rc_mhd_create_response_from_buffer(const struct rc_mhd_api *a, size_t size, void *buffer,
    enum MHD_ResponseMemoryMode mode) {
  return a->create_response_from_buffer(size, buffer, mode);
}
static inline struct MHD_Response *rc_mhd_create_response_for_upgrade(const struct rc_mhd_api *a, MHD_UpgradeHandler handler, void *cls) {
  return a->create_response_for_upgrade(handler, cls);
}
static inline void rc_mhd_destroy_response(const struct rc_mhd_api *a, struct MHD_Response *r) { a->destroy_response(r); }
static inline enum MHD_Result rc_mhd_add_response_header(const struct rc_mhd_api *a, struct MHD_Response *r, const char *h, const char *v) {
  return a->add_response_header(r, h, v);
}

// Typed wrappers: MHD_start_daemon and the *_info getters are variadic; some
// constants are macros with casts. Swift cannot call or import either.

/// Starts a daemon with the options the Swift side uses. `addr` may be NULL (any address).
static inline struct MHD_Daemon *rc_mhd_start(const struct rc_mhd_api *a, unsigned int flags, uint16_t port,
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
  return a->start_daemon(flags, port, accept_policy, accept_cls, handler, cls, MHD_OPTION_ARRAY,
                          logger != NULL ? options : options + 1, MHD_OPTION_END);
}

static inline uint16_t rc_mhd_bound_port(const struct rc_mhd_api *a, struct MHD_Daemon *d) {
  const union MHD_DaemonInfo *i = a->get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  return i ? i->port : 0;
}

static inline const struct sockaddr *rc_mhd_client_addr(const struct rc_mhd_api *a, struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *i = a->get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return i ? i->client_addr : NULL;
}

static inline uint64_t rc_mhd_size_unknown(void) { return MHD_SIZE_UNKNOWN; }
static inline ssize_t rc_mhd_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
static inline ssize_t rc_mhd_end_with_error(void) { return MHD_CONTENT_READER_END_WITH_ERROR; }
static inline enum MHD_Result rc_mhd_upgrade_close(const struct rc_mhd_api *a, struct MHD_UpgradeResponseHandle *urh) {
  return a->upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

/// Whether the peer has hung up (end of file or an error on its socket), without taking a byte: what libmicrohttpd
/// cannot see while a connection is suspended.
static inline int rc_mhd_peer_gone(const struct rc_mhd_api *a, struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *i = a->get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (i == NULL) return 0;
  char byte;
  ssize_t n = recv(i->connect_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}
