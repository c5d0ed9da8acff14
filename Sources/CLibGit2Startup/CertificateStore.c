// libgit2 1.5 as Debian builds it (HTTPS through mbedTLS) parses the whole system CA bundle,
// /etc/ssl/certs/ca-certificates.crt, inside git_libgit2_init(): ~140 PEM certificates
// base64-decoded on every start, about 4 ms of CPU — 6 % of a no-op run of 10,000 stages, and
// the same again in every `status`, `log` or `audit`. studyflow uses libgit2 only on local
// repositories (run records on refs/studyflow/runs); it never fetches or pushes, so that
// certificate store is never read.
//
// libgit2 calls mbedtls_x509_crt_parse_file() through its PLT, and a definition in the
// executable comes first in the dynamic linker's search order, so the one below replaces it
// for the whole process: it loads nothing and reports success. Should libgit2 ever open a TLS
// connection here, the certificate chain is empty and verification fails closed (libgit2 then
// reports GIT_ECERTIFICATE); nothing is trusted that would not be. On other platforms (libgit2
// with OpenSSL or SecureTransport) the symbol is not called and nothing changes.
#include "CLibGit2Startup.h"

#include <stddef.h>

#ifdef __linux__
struct mbedtls_x509_crt;

int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);

int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path) {
    (void)chain;
    (void)path;
    return 0;
}

int studyflow_skips_ca_store(void) { return 1; }

const void *studyflow_ca_store_replacement(void) { return (const void *)&mbedtls_x509_crt_parse_file; }
#else
int studyflow_skips_ca_store(void) { return 0; }

const void *studyflow_ca_store_replacement(void) { return NULL; }
#endif
