#pragma once
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
// Typed wrappers for the macros of libcrypto that Swift cannot call (certificates, CSRs, ACME JWS).
static inline long rc_bio_mem_data(BIO *b, char **out) { return BIO_get_mem_data(b, out); }
static inline STACK_OF(X509_EXTENSION) *rc_ext_stack_new(void) { return sk_X509_EXTENSION_new_null(); }
static inline int rc_ext_stack_push(STACK_OF(X509_EXTENSION) *s, X509_EXTENSION *e) { return sk_X509_EXTENSION_push(s, e); }
static inline void rc_ext_stack_free(STACK_OF(X509_EXTENSION) *s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }
static inline STACK_OF(GENERAL_NAME) *rc_x509_sans(X509 *x) { return (STACK_OF(GENERAL_NAME) *)X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL); }
static inline int rc_sans_count(STACK_OF(GENERAL_NAME) *s) { return sk_GENERAL_NAME_num(s); }
static inline const char *rc_sans_dns(STACK_OF(GENERAL_NAME) *s, int i, int *len) {
  GENERAL_NAME *g = sk_GENERAL_NAME_value(s, i);
  if (g == NULL || g->type != GEN_DNS) return NULL;
  *len = ASN1_STRING_length(g->d.dNSName);
  return (const char *)ASN1_STRING_get0_data(g->d.dNSName);
}
static inline void rc_sans_free(STACK_OF(GENERAL_NAME) *s) { GENERAL_NAMES_free(s); }
// SHA-256 with its context held by value (a plain C struct), so Swift keeps value semantics and allocates nothing.
// OpenSSL 3 marks these deprecated in favour of EVP; they are the same implementation (SHA-NI/AVX2 where present).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline void rc_sha256_init(SHA256_CTX *c) { SHA256_Init(c); }
static inline void rc_sha256_update(SHA256_CTX *c, const void *data, size_t len) { SHA256_Update(c, data, len); }
static inline void rc_sha256_final(SHA256_CTX *c, unsigned char *out) { SHA256_Final(out, c); }
#pragma GCC diagnostic pop
