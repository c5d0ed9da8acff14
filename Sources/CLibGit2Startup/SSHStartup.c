// git_libgit2_init() also starts libgit2's SSH transport: Debian's libgit2 1.5 calls
// libssh2_init(0), and Debian's libssh2 1.10 initialises OpenSSL's libcrypto there
// (OPENSSL_init_crypto: algorithm tables, the config file). That runs OpenSSL code that nothing
// else in studyflow calls and leaves about 1.8 MiB more of libcrypto resident in every command:
// 3 % of the peak memory of a 10,000-stage cold run. studyflow never opens an SSH connection
// (the run ledger is a local repository; it never fetches or pushes).
//
// As with CertificateStore.c: libgit2 calls libssh2_init() through its PLT and a definition in
// the executable comes first in the dynamic linker's search order, so the one below stands in
// for it and reports success without initialising anything. Should libgit2 ever be asked for
// an ssh:// remote here, libssh2 would run without its crypto back end and the connection fail;
// nothing is trusted that would not be. Elsewhere (libgit2 without libssh2) it is never called.
#include "CLibGit2Startup.h"

#include <stddef.h>

#ifdef __linux__
int libssh2_init(int flags);

int libssh2_init(int flags) {
    (void)flags;
    return 0;
}

int studyflow_skips_ssh_init(void) { return 1; }

const void *studyflow_ssh_init_replacement(void) { return (const void *)&libssh2_init; }
#else
int studyflow_skips_ssh_init(void) { return 0; }

const void *studyflow_ssh_init_replacement(void) { return NULL; }
#endif
