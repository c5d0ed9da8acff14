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
///
/// On Linux the supervisors are forked by one small launcher process that this process forks
/// once (`studyflow_prepare_stage_spawner`), not by this process: a fork copies the forking
/// process's page tables, which for an orchestrator holding a 100,000-instance workflow cost
/// milliseconds a stage. The launcher dies with this process (PR_SET_PDEATHSIG), and the
/// supervisors with the launcher, so the chain above holds. It is named `sf-launcher` (comm). The
/// supervisor is the launcher's child, so wait for it with `studyflow_wait_stage` and signal it with
/// `studyflow_signal_stage`, never with waitpid or kill.
int studyflow_spawn_stage(const studyflow_stage_spawn *request, pid_t *pid);

/// Starts the process that forks supervisors now, while this process is small (call it before
/// loading a large workflow); otherwise the first `studyflow_spawn_stage` starts it.
void studyflow_prepare_stage_spawner(void);

/// Stops the launcher once every supervisor it started has exited, and reaps it, so the CPU time
/// of the stages counts as this process's children's (getrusage, `time`). A later spawn starts a
/// new launcher. A no-op on Darwin (supervisors are this process's children there).
void studyflow_finish_stage_spawner(void);

/// Waits until the supervisor `pid` (from `studyflow_spawn_stage`) has exited: 0 and its wait
/// status in `*status`, or an errno value (ECHILD when the launcher died and the stage with it).
int studyflow_wait_stage(pid_t pid, int *status);

/// Sends `sig` to the supervisor `pid` while it has not been waited for: 0 or an errno value.
/// Never reaches another process that reused the pid.
int studyflow_signal_stage(pid_t pid, int sig);

/// This process's environment (`NAME=VALUE` strings, NULL-terminated): `environ` on Linux,
/// `*_NSGetEnviron()` on Darwin, where Swift's Darwin module does not expose `environ`.
char **studyflow_environment(void);

/// `pipe2(fds, O_CLOEXEC)` (atomically close-on-exec, so no process spawned meanwhile by another
/// thread inherits it); 0 or -1 with errno, as `pipe`.
int studyflow_cloexec_pipe(int fds[2]);

#endif
