#pragma once
#include <curl/curl.h>
// Typed wrappers: curl_easy_setopt/getinfo are variadic and cannot be called from Swift.
static inline CURLcode rc_curl_set_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode rc_curl_set_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode rc_curl_set_pointer(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode rc_curl_set_slist(CURL *c, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode rc_curl_set_off(CURL *c, CURLoption o, curl_off_t v) { return curl_easy_setopt(c, o, v); }
typedef size_t (*rc_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode rc_curl_set_write(CURL *c, rc_curl_data_cb f) { return curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode rc_curl_set_read(CURL *c, rc_curl_data_cb f) { return curl_easy_setopt(c, CURLOPT_READFUNCTION, f); }
static inline CURLcode rc_curl_set_header_cb(CURL *c, rc_curl_data_cb f) { return curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode rc_curl_get_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
typedef int (*rc_curl_xferinfo_cb)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode rc_curl_set_xferinfo_cb(CURL *c, rc_curl_xferinfo_cb f) { return curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, f); }
