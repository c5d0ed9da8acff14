// A stage's process tree dies with the orchestrator: see CStageSpawn.h.
//
// The orchestrator's Dispatch threads come and go, and PR_SET_PDEATHSIG fires when the *thread*
// that forked the child exits, so every fork happens on one thread started here that never exits.
// On Linux that thread forks one small launcher process (StageLauncher.c) early, and the launcher
// forks the supervisors: forking the orchestrator itself copied its page tables for every stage,
// which at 100,000 instances was most of its CPU time. Darwin forks the supervisors from the thread.
// Between fork and exec only async-signal-safe calls are made.
#define _GNU_SOURCE
#include "CStageSpawn.h"
#include "StageSpawnInternal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#else
#include <crt_externs.h>
#include <sys/event.h>
#endif

#ifndef __linux__
static pthread_once_t spawner_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t callers = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_changed = PTHREAD_COND_INITIALIZER;
static const studyflow_stage_spawn *slot_request;
static int slot_done, slot_result, spawner_failed;
static pid_t slot_pid;
#endif

// Supervisor state (only ever touched in the forked supervisor, which is single-threaded).
static volatile pid_t supervised_group;
static volatile unsigned int supervisor_grace;
static volatile sig_atomic_t stopping;

static void stop_group(int sig) {
    (void)sig;
    if (supervised_group > 0) kill(-supervised_group, SIGTERM);
    if (!stopping) {
        stopping = 1;
        alarm(supervisor_grace > 0 ? supervisor_grace : 1);
    }
}

static volatile sig_atomic_t killed;

static void kill_group(int sig) {
    (void)sig;
    if (supervised_group > 0) kill(-supervised_group, SIGKILL);
    killed = 1;
}

/// While stopping, the program's group gets its grace period even after the program itself
/// exited: waits until the group is empty or SIGALRM has killed it, reaping adopted orphans.
static void wait_for_group(pid_t group) {
    struct timespec pause = {0, 20 * 1000 * 1000};
    int status;
    while (!killed) {
        while (waitpid(-1, &status, WNOHANG) > 0) {}
        if (kill(-group, 0) != 0 && errno == ESRCH) return;
        nanosleep(&pause, NULL);
    }
}

static void close_span(int first, int last) {
#if defined(__linux__) && defined(SYS_close_range)
    if (syscall(SYS_close_range, (unsigned int)first, last < 0 ? ~0U : (unsigned int)last, 0) == 0) return;
#endif
    struct rlimit limit;
    int end = last + 1;
    if (last < 0) end = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536 ? (int)limit.rlim_cur : 65536;
    for (int fd = first; fd < end; fd++) close(fd);
}

/// Closes every descriptor from `low` up, except `keep_a` and `keep_b` (either may be -1).
void studyflow_close_from(int low, int keep_a, int keep_b) {
    int keeps[2], n = 0;
    if (keep_a >= low) keeps[n++] = keep_a;
    if (keep_b >= low && keep_b != keep_a) keeps[n++] = keep_b;
    if (n == 2 && keeps[0] > keeps[1]) { int t = keeps[0]; keeps[0] = keeps[1]; keeps[1] = t; }
    int start = low;
    for (int i = 0; i < n; i++) {
        if (keeps[i] > start) close_span(start, keeps[i] - 1);
        start = keeps[i] + 1;
    }
    close_span(start, -1);
}

static void report_and_exit(int report_fd, int error) {
    ssize_t ignored = write(report_fd, &error, sizeof error);
    (void)ignored;
    _exit(127);
}

#ifdef __linux__
/// Waits for the program; PR_SET_PDEATHSIG turns the orchestrator's death into a SIGHUP.
static void wait_for_program(pid_t child, pid_t orchestrator, int *status) {
    (void)orchestrator;
    while (waitpid(child, status, 0) < 0) {
        if (errno != EINTR) _exit(127);
    }
}
#else
/// Waits for the program. Darwin has no PR_SET_PDEATHSIG: a kqueue watches the orchestrator's
/// exit (EVFILT_PROC, NOTE_EXIT) beside the program's, and the orchestrator's end is handled as
/// the SIGHUP Linux would send. Without a kqueue, it only waits (the orchestrator's death is
/// then not noticed).
static void wait_for_program(pid_t child, pid_t orchestrator, int *status) {
    int queue = kqueue();
    if (queue >= 0) {
        struct kevent change;
        EV_SET(&change, orchestrator, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, NULL);
        // Not watchable (ESRCH) or re-parented: the orchestrator is already gone.
        if (kevent(queue, &change, 1, NULL, 0, NULL) != 0 || getppid() != orchestrator) kill(getpid(), SIGHUP);
        EV_SET(&change, child, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, NULL);
        (void)kevent(queue, &change, 1, NULL, 0, NULL);
    }
    for (;;) {
        pid_t done = waitpid(child, status, queue >= 0 ? WNOHANG : 0);
        if (done == child) break;
        if (done < 0 && errno != EINTR) _exit(127);
        if (queue < 0) continue;
        struct kevent event;
        // An exit of either process wakes this; a signal interrupts it (EINTR) and loops.
        if (kevent(queue, NULL, 0, &event, 1, NULL) == 1 && (pid_t)event.ident == orchestrator) kill(getpid(), SIGHUP);
    }
    if (queue >= 0) close(queue);
}
#endif

/// Runs in the forked supervisor: sets up descriptors, starts the program, waits, mirrors its end.
static void supervise(const studyflow_stage_spawn *r, pid_t orchestrator, int report_fd) {
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
    setpgid(0, 0);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGHUP);
    // Its own name, so `pkill studyflow` / `killall studyflow` leave it to stop its stage.
    prctl(PR_SET_NAME, "sf-supervisor");
#endif
    if (getppid() != orchestrator) _exit(1);
#ifdef __linux__
    // Orphans of the program are re-parented here, so the group's end can be seen and reaped.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
    supervisor_grace = r->grace_seconds;

    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0) report_and_exit(report_fd, errno);
    if (dup2(r->stdout_fd, 1) < 0 || dup2(r->stderr_fd, 2) < 0) report_and_exit(report_fd, errno);
    if (chdir(r->directory) != 0) report_and_exit(report_fd, errno);
    if (r->inherit_fd >= 0 && fcntl(r->inherit_fd, F_SETFD, 0) != 0) report_and_exit(report_fd, errno);
    studyflow_close_from(3, r->inherit_fd, report_fd);

    struct sigaction forward, hard;
    memset(&forward, 0, sizeof forward);
    memset(&hard, 0, sizeof hard);
    forward.sa_handler = stop_group;
    hard.sa_handler = kill_group;
    sigfillset(&forward.sa_mask);
    sigfillset(&hard.sa_mask);
    sigaction(SIGTERM, &forward, NULL);
    sigaction(SIGINT, &forward, NULL);
    sigaction(SIGHUP, &forward, NULL);
    sigaction(SIGALRM, &hard, NULL);

    // Signals stay blocked until the program's pid is known, so none is lost or misdirected.
    pid_t child = vfork();
    if (child == 0) {
        setpgid(0, 0);
        sigaction(SIGTERM, &dfl, NULL);
        sigaction(SIGINT, &dfl, NULL);
        sigaction(SIGHUP, &dfl, NULL);
        sigaction(SIGALRM, &dfl, NULL);
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(r->path, r->argv, r->envp);
        report_and_exit(report_fd, errno);
    }
    if (child < 0) report_and_exit(report_fd, errno);
    setpgid(child, child);
    supervised_group = child;
    close(report_fd);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int status = 0;
    wait_for_program(child, orchestrator, &status);
    // Whatever the program left running in its group dies with it (after the grace period when
    // the group is being stopped).
    if (stopping) wait_for_group(child);
    sigprocmask(SIG_SETMASK, &all, NULL);
    kill(-child, SIGKILL);
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    int sig = WTERMSIG(status);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    sigaction(sig, &dfl, NULL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    sigprocmask(SIG_UNBLOCK, &only, NULL);
    kill(getpid(), sig);
    _exit(128 + sig);
}

int studyflow_spawn_supervised(const studyflow_stage_spawn *r, pid_t *pid) {
    int report[2];
#ifdef __linux__
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
#else
    if (pipe(report) != 0) return errno;
    fcntl(report[0], F_SETFD, FD_CLOEXEC);
    fcntl(report[1], F_SETFD, FD_CLOEXEC);
#endif
    pid_t orchestrator = getpid();
    pid_t child = fork();
    if (child == 0) supervise(r, orchestrator, report[1]);
    int saved = errno;
    close(report[1]);
    if (child < 0) {
        close(report[0]);
        return saved;
    }
    // End of file: the program was exec'd. Four bytes: the errno that stopped it.
    int error = 0;
    ssize_t n;
    do { n = read(report[0], &error, sizeof error); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof error) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return error != 0 ? error : ECHILD;
    }
    *pid = child;
    return 0;
}

#ifdef __linux__
void studyflow_prepare_stage_spawner(void) { studyflow_launcher_start(); }

void studyflow_finish_stage_spawner(void) { studyflow_launcher_stop(); }

int studyflow_spawn_stage(const studyflow_stage_spawn *request, pid_t *pid) {
    return studyflow_launcher_spawn(request, pid);
}

int studyflow_wait_stage(pid_t pid, int *status) { return studyflow_launcher_wait(pid, status); }

int studyflow_signal_stage(pid_t pid, int sig) { return studyflow_launcher_signal(pid, sig); }
#else
static void *spawner_main(void *unused) {
    (void)unused;
    pthread_mutex_lock(&slot_lock);
    for (;;) {
        while (slot_request == NULL) pthread_cond_wait(&slot_changed, &slot_lock);
        slot_result = studyflow_spawn_supervised(slot_request, &slot_pid);
        slot_request = NULL;
        slot_done = 1;
        pthread_cond_broadcast(&slot_changed);
    }
    return NULL;
}

static void start_spawner(void) {
    // The spawner never handles a signal: its children start with every signal blocked and
    // unblock them only once set up.
    if (studyflow_start_unsignalled_thread(spawner_main) != 0) spawner_failed = 1;
}

void studyflow_prepare_stage_spawner(void) { pthread_once(&spawner_once, start_spawner); }

void studyflow_finish_stage_spawner(void) {}

int studyflow_spawn_stage(const studyflow_stage_spawn *request, pid_t *pid) {
    pthread_once(&spawner_once, start_spawner);
    if (spawner_failed) return EAGAIN;
    pthread_mutex_lock(&callers);
    pthread_mutex_lock(&slot_lock);
    slot_done = 0;
    slot_request = request;
    pthread_cond_broadcast(&slot_changed);
    while (!slot_done) pthread_cond_wait(&slot_changed, &slot_lock);
    int result = slot_result;
    if (result == 0) *pid = slot_pid;
    pthread_mutex_unlock(&slot_lock);
    pthread_mutex_unlock(&callers);
    return result;
}

int studyflow_wait_stage(pid_t pid, int *status) {
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}

int studyflow_signal_stage(pid_t pid, int sig) { return kill(pid, sig) == 0 ? 0 : errno; }
#endif

char **studyflow_environment(void) {
#ifdef __linux__
    return environ;
#else
    return *_NSGetEnviron();
#endif
}

int studyflow_cloexec_pipe(int fds[2]) {
#ifdef __linux__
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

int studyflow_start_unsignalled_thread(void *(*body)(void *)) {
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    int result = pthread_create(&thread, &attributes, body, NULL);
    pthread_attr_destroy(&attributes);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return result;
}
