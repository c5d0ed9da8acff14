#ifndef CSTAGESPAWN_H
#define CSTAGESPAWN_H

#include <sys/types.h>

/// What to start: a program with its arguments and environment, in a directory, with stdin from
/// /dev/null and stdout/stderr on the given descriptors. Every other descriptor is closed in the
/// child except `inherit_fd` (-1 for none), which stays open across exec (the workspace lock).
typedef struct {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *directory;
    int stdout_fd;
    int stderr_fd;
    int inherit_fd;
    /// Seconds between SIGTERM and SIGKILL when the stage's process group is stopped.
    unsigned int grace_seconds;
} studyflow_stage_spawn;

/// Starts `request->path` under a small supervisor process and returns the supervisor's pid in
/// `*pid` (0 on success, else an errno value; an exec failure is reported as its errno).
///
/// The supervisor lives in its own process group and dies with this process: it is forked from a
/// thread that lives as long as the process, with PR_SET_PDEATHSIG (Linux; on Darwin a kqueue
/// watches the orchestrator's exit instead), so even after a `kill -9` of the orchestrator it
/// stops the stage's whole process group (SIGTERM, then SIGKILL after the grace period). The
/// program runs in a process group of its own; SIGTERM, SIGINT or SIGHUP sent to the supervisor
/// is forwarded to that group the same way, and when the program exits, whatever it left running
/// in its group is killed. The supervisor exits as the program did (same exit status, or the same
/// signal). On Linux it is named `sf-supervisor` (comm), so killing `studyflow` by name leaves the
/// supervisors to clean up. Darwin has no PR_SET_PDEATHSIG for the program itself: a program
/// whose supervisor is killed by SIGKILL keeps running there.
int studyflow_spawn_stage(const studyflow_stage_spawn *request, pid_t *pid);

/// This process's environment (`NAME=VALUE` strings, NULL-terminated): `environ` on Linux,
/// `*_NSGetEnviron()` on Darwin, where Swift's Darwin module does not expose `environ`.
char **studyflow_environment(void);

/// `pipe2(fds, O_CLOEXEC)` (atomically close-on-exec, so no process spawned meanwhile by another
/// thread inherits it); 0 or -1 with errno, as `pipe`.
int studyflow_cloexec_pipe(int fds[2]);

#endif
