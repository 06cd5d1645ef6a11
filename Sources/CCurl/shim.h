#pragma once
#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>

// libcurl is loaded at its first use, not at every start: linked, it made each run of reconcile map and relocate
// libcurl and the 27 libraries it needs (gnutls, krb5, ldap, ssh2, ...), 3 of the 9 ms a start took, for the many
// commands that make no request. The same way systemd loads its optional libraries (dlopen_many_sym_or_warn).
// Only the functions below are used; their types come from curl.h, so a mismatch fails to compile.
struct rc_curl_api {
  CURLcode (*global_init)(long flags);
  CURL *(*easy_init)(void);
  void (*easy_cleanup)(CURL *curl);
  void (*easy_reset)(CURL *curl);
  CURLcode (*easy_perform)(CURL *curl);
  CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
  CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
  const char *(*easy_strerror)(CURLcode code);
  struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
  void (*slist_free_all)(struct curl_slist *list);
};

/// Loads libcurl and fills `api`: NULL when it is ready, else why it could not be loaded. Called once, by HTTPKit's
/// `curlLibrary` (a Swift global: one table for the process, where a static variable here would be one per object
/// file); every function below takes that table.
static inline const char *rc_curl_open(struct rc_curl_api *api) {
  void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_GLOBAL);
  if (!lib) return dlerror();
#define RC_CURL_SYM(field, name)              \
  *(void **)(&api->field) = dlsym(lib, name); \
  if (!api->field) return "libcurl.so.4 lacks " name;
  RC_CURL_SYM(global_init, "curl_global_init")
  RC_CURL_SYM(easy_init, "curl_easy_init")
  RC_CURL_SYM(easy_cleanup, "curl_easy_cleanup")
  RC_CURL_SYM(easy_reset, "curl_easy_reset")
  RC_CURL_SYM(easy_perform, "curl_easy_perform")
  RC_CURL_SYM(easy_setopt, "curl_easy_setopt")
  RC_CURL_SYM(easy_getinfo, "curl_easy_getinfo")
  RC_CURL_SYM(easy_strerror, "curl_easy_strerror")
  RC_CURL_SYM(slist_append, "curl_slist_append")
  RC_CURL_SYM(slist_free_all, "curl_slist_free_all")
#undef RC_CURL_SYM
  return api->global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? NULL : "curl_global_init failed";
}

static inline CURL *rc_curl_easy_init(const struct rc_curl_api *a) { return a->easy_init(); }
static inline void rc_curl_easy_cleanup(const struct rc_curl_api *a, CURL *c) { a->easy_cleanup(c); }
static inline void rc_curl_easy_reset(const struct rc_curl_api *a, CURL *c) { a->easy_reset(c); }
static inline CURLcode rc_curl_easy_perform(const struct rc_curl_api *a, CURL *c) { return a->easy_perform(c); }
static inline const char *rc_curl_easy_strerror(const struct rc_curl_api *a, CURLcode code) { return a->easy_strerror(code); }
static inline struct curl_slist *rc_curl_slist_append(const struct rc_curl_api *a, struct curl_slist *l, const char *s) { return a->slist_append(l, s); }
static inline void rc_curl_slist_free_all(const struct rc_curl_api *a, struct curl_slist *l) { a->slist_free_all(l); }

// Typed wrappers: curl_easy_setopt/getinfo are variadic and cannot be called from Swift.
static inline CURLcode rc_curl_set_long(const struct rc_curl_api *a, CURL *c, CURLoption o, long v) { return a->easy_setopt(c, o, v); }
static inline CURLcode rc_curl_set_string(const struct rc_curl_api *a, CURL *c, CURLoption o, const char *v) { return a->easy_setopt(c, o, v); }
static inline CURLcode rc_curl_set_pointer(const struct rc_curl_api *a, CURL *c, CURLoption o, void *v) { return a->easy_setopt(c, o, v); }
static inline CURLcode rc_curl_set_slist(const struct rc_curl_api *a, CURL *c, CURLoption o, struct curl_slist *v) { return a->easy_setopt(c, o, v); }
static inline CURLcode rc_curl_set_off(const struct rc_curl_api *a, CURL *c, CURLoption o, curl_off_t v) { return a->easy_setopt(c, o, v); }
typedef size_t (*rc_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode rc_curl_set_write(const struct rc_curl_api *a, CURL *c, rc_curl_data_cb f) { return a->easy_setopt(c, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode rc_curl_set_read(const struct rc_curl_api *a, CURL *c, rc_curl_data_cb f) { return a->easy_setopt(c, CURLOPT_READFUNCTION, f); }
static inline CURLcode rc_curl_set_header_cb(const struct rc_curl_api *a, CURL *c, rc_curl_data_cb f) { return a->easy_setopt(c, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode rc_curl_get_long(const struct rc_curl_api *a, CURL *c, CURLINFO i, long *v) { return a->easy_getinfo(c, i, v); }
typedef int (*rc_curl_xferinfo_cb)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode rc_curl_set_xferinfo_cb(const struct rc_curl_api *a, CURL *c, rc_curl_xferinfo_cb f) { return a->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, f); }
