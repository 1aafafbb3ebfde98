#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

/* OpenSSL spells many calls as macros over SSL_ctrl / BIO_ctrl, which Swift cannot import:
   these inline functions give them a callable form. */

static inline long volley_ssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline long volley_ctx_set_min_proto(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long volley_ctx_set_max_proto(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}
static inline long volley_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
static inline long volley_ctx_set_ticket_keys(SSL_CTX *ctx, unsigned char *keys, long length) {
    return SSL_CTX_set_tlsext_ticket_keys(ctx, keys, length);
}
static inline long volley_ctx_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline size_t volley_bio_pending(BIO *bio) {
    return BIO_ctrl_pending(bio);
}
static inline long volley_bio_set_eof_return(BIO *bio, int value) {
    return BIO_set_mem_eof_return(bio, value);
}
/* The key-exchange group's NID (TLS 1.3 and ECDHE in TLS 1.2), 0 when unknown. */
static inline int volley_ssl_group(SSL *ssl) {
    return (int)SSL_get_negotiated_group(ssl);
}
static inline const char *volley_group_name(SSL *ssl, int nid) {
    const char *name = SSL_group_to_name(ssl, nid);
    return name ? name : OBJ_nid2sn(nid);
}
static inline int volley_set_app_data(SSL *ssl, void *data) { return SSL_set_app_data(ssl, data); }
static inline void *volley_get_app_data(const SSL *ssl) { return SSL_get_app_data(ssl); }

/* Sets a certificate's validity to [now + from_days, now + to_days]. */
static inline int volley_x509_set_validity(X509 *cert, long from_seconds, long to_seconds) {
    return X509_gmtime_adj(X509_getm_notBefore(cert), from_seconds) != NULL
        && X509_gmtime_adj(X509_getm_notAfter(cert), to_seconds) != NULL;
}
/* The readable bytes of a memory BIO, without copying; and emptying it. */
static inline long volley_bio_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
static inline int volley_bio_reset(BIO *bio) { return (int)BIO_reset(bio); }
static inline long volley_ctx_set_app_data(SSL_CTX *ctx, void *data) { return SSL_CTX_set_app_data(ctx, data); }
static inline void *volley_ctx_get_app_data(const SSL_CTX *ctx) { return SSL_CTX_get_app_data(ctx); }
static inline long volley_ctx_add1_chain_cert(SSL_CTX *ctx, X509 *cert) { return SSL_CTX_add1_chain_cert(ctx, cert); }
