// Startup cost of libgit2 that studyflow does not need: see CertificateStore.c and SSHStartup.c.
#ifndef CLIBGIT2STARTUP_H
#define CLIBGIT2STARTUP_H

/// 1 when this build replaces libgit2's start-up load of the system CA store (Linux, where
/// Debian's libgit2 uses mbedTLS), else 0; tests check the replacement is the one in effect.
int studyflow_skips_ca_store(void);

/// The address of the replacement, for `dlsym` comparisons in tests; NULL where there is none.
const void *studyflow_ca_store_replacement(void);

/// 1 when this build replaces libgit2's start-up call of libssh2_init (Linux, where Debian's
/// libssh2 initialises OpenSSL there), else 0; tests check the replacement is the one in effect.
int studyflow_skips_ssh_init(void);

/// The address of that replacement, for `dlsym` comparisons in tests; NULL where there is none.
const void *studyflow_ssh_init_replacement(void);

#endif
