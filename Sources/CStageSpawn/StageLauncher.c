// The launcher (Linux): one small process, forked once from the spawner thread, that forks every
// stage's supervisor. See CStageSpawn.h for why and for the guarantees it keeps.
//
// Protocol over a SOCK_SEQPACKET socket pair (message boundaries kept, descriptors attached):
//   orchestrator -> launcher  SPAWN  header + SCM_RIGHTS [stdout, stderr(, inherit)], then the body
//                                    (path, directory, argv, envp as NUL-ended strings) in chunks
//                             SIGNAL header (pid, signal): sent only while pid is a live supervisor
//                             STOP   no more SPAWNs: exit once every supervisor's EXITED is sent
//   launcher -> orchestrator  SPAWNED (pid, errno) answering each SPAWN in order
//                             EXITED  (pid, wait status) once per supervisor, after reaping it
// The launcher reaps a supervisor only when it sends EXITED, and handles SIGNAL before reaping
// anything it has not reported, so a signal never reaches a process that reused the pid.
#define _GNU_SOURCE
#include "StageSpawnInternal.h"

#ifdef __linux__
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MSG_SPAWN = 1, MSG_SIGNAL = 2, MSG_STOP = 3, MSG_SPAWNED = 4, MSG_EXITED = 5 };
enum { BODY_CHUNK = 32 * 1024 };

typedef struct {
    uint32_t kind;
    int32_t pid;      // SIGNAL: target; SPAWNED: the supervisor (0 on failure); EXITED: who
    int32_t value;    // SIGNAL: the signal; SPAWNED: errno (0: started); EXITED: wait status
    uint32_t grace;   // SPAWN: grace seconds
    uint64_t length;  // SPAWN: body bytes
    uint32_t argc;    // SPAWN
    uint32_t envc;    // SPAWN
} launcher_message;

// ---- Orchestrator side -------------------------------------------------------------------------

static pthread_mutex_t senders = PTHREAD_MUTEX_INITIALIZER;   // one request on the socket at a time
static pthread_mutex_t spawners = PTHREAD_MUTEX_INITIALIZER;  // one SPAWN awaiting its answer
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t state_changed = PTHREAD_COND_INITIALIZER;
static int launcher_socket = -1;
enum { LAUNCHER_NONE, LAUNCHER_STARTING, LAUNCHER_RUNNING, LAUNCHER_STOPPING, LAUNCHER_GONE };
/// GONE: died or stopped; the next spawn starts another. STOPPING: finishing its last supervisors.
static int launcher_state = LAUNCHER_NONE;
static int reply_ready;
static launcher_message reply;
static struct exit_note { pid_t pid; int status; } *exits;
static size_t exit_count, exit_capacity;

static void launcher_main(int sock, pid_t orchestrator);
static int send_request(const launcher_message *m, const int *fds, int nfds, const char *body);

static void set_state(int state) {
    pthread_mutex_lock(&state_lock);
    launcher_state = state;
    pthread_cond_broadcast(&state_changed);
    pthread_mutex_unlock(&state_lock);
}

static void note_exit(pid_t pid, int status) {
    pthread_mutex_lock(&state_lock);
    if (exit_count == exit_capacity) {
        size_t capacity = exit_capacity ? exit_capacity * 2 : 64;
        struct exit_note *grown = realloc(exits, capacity * sizeof *grown);
        if (grown == NULL) abort();
        exits = grown;
        exit_capacity = capacity;
    }
    exits[exit_count++] = (struct exit_note){pid, status};
    pthread_cond_broadcast(&state_changed);
    pthread_mutex_unlock(&state_lock);
}

/// The spawner thread: forks the launcher (so the launcher's PR_SET_PDEATHSIG watches a thread
/// that never exits), then reads every message the launcher sends.
/// The thread ends once its launcher is gone (nothing it forked is left then).
static void *reader_main(void *unused) {
    (void)unused;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        set_state(LAUNCHER_GONE);
        return NULL;
    }
    pid_t orchestrator = getpid();
    pid_t child = fork();
    if (child == 0) launcher_main(pair[1], orchestrator);
    close(pair[1]);
    if (child < 0) {
        close(pair[0]);
        set_state(LAUNCHER_GONE);
        return NULL;
    }
    launcher_socket = pair[0];
    set_state(LAUNCHER_RUNNING);
    for (;;) {
        launcher_message m;
        ssize_t n = recv(pair[0], &m, sizeof m, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof m) break;
        if (m.kind == MSG_EXITED) {
            note_exit(m.pid, m.value);
        } else if (m.kind == MSG_SPAWNED) {
            pthread_mutex_lock(&state_lock);
            reply = m;
            reply_ready = 1;
            pthread_cond_broadcast(&state_changed);
            pthread_mutex_unlock(&state_lock);
        }
    }
    // The launcher is gone (stopped, or killed: then its supervisors got SIGHUP and stop their
    // stages). Reaping it adds its stages' CPU time to this process's children's.
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    pthread_mutex_lock(&senders);
    close(launcher_socket);
    launcher_socket = -1;
    pthread_mutex_unlock(&senders);
    set_state(LAUNCHER_GONE);
    return NULL;
}

static void start_reader(void) {
    // The thread, and so the launcher it forks, never handles a signal.
    if (studyflow_start_unsignalled_thread(reader_main) != 0) set_state(LAUNCHER_GONE);
}

/// Starts a launcher when none runs or starts (under `state_lock`).
static void start_if_needed(void) {
    if (launcher_state != LAUNCHER_NONE && launcher_state != LAUNCHER_GONE) return;
    launcher_state = LAUNCHER_STARTING;
    pthread_mutex_unlock(&state_lock);
    start_reader();
    pthread_mutex_lock(&state_lock);
}

void studyflow_launcher_start(void) {
    pthread_mutex_lock(&state_lock);
    start_if_needed();
    pthread_mutex_unlock(&state_lock);
}

void studyflow_launcher_stop(void) {
    pthread_mutex_lock(&state_lock);
    if (launcher_state == LAUNCHER_RUNNING) {
        // It exits once its supervisors have, and the reader thread reaps it. Signals still go
        // to it meanwhile; spawns wait, then start another launcher.
        launcher_state = LAUNCHER_STOPPING;
        pthread_mutex_unlock(&state_lock);
        launcher_message m;
        memset(&m, 0, sizeof m);
        m.kind = MSG_STOP;
        // When this fails the launcher is gone already, and the reader thread says so.
        (void)send_request(&m, NULL, 0, NULL);
        pthread_mutex_lock(&state_lock);
    }
    while (launcher_state == LAUNCHER_STOPPING) pthread_cond_wait(&state_changed, &state_lock);
    pthread_mutex_unlock(&state_lock);
}

/// Waits until a launcher runs, starting one when needed; false when it could not start.
static int launcher_running(void) {
    pthread_mutex_lock(&state_lock);
    while (launcher_state == LAUNCHER_STOPPING) pthread_cond_wait(&state_changed, &state_lock);
    start_if_needed();
    while (launcher_state == LAUNCHER_STARTING) pthread_cond_wait(&state_changed, &state_lock);
    int running = launcher_state == LAUNCHER_RUNNING;
    pthread_mutex_unlock(&state_lock);
    return running;
}

static int send_all(int fd, const void *bytes, size_t length) {
    while (length > 0) {
        ssize_t n = send(fd, bytes, length, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        bytes = (const char *)bytes + n;
        length -= (size_t)n;
    }
    return 0;
}

/// Sends `m` with `fds` attached (nfds may be 0), then `body` in chunks; 0 or an errno value.
static int send_request(const launcher_message *m, const int *fds, int nfds, const char *body) {
    union { struct cmsghdr header; char space[CMSG_SPACE(3 * sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {(void *)m, sizeof *m};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
        msg.msg_control = control.space;
        msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    pthread_mutex_lock(&senders);
    ssize_t n;
    do { n = sendmsg(launcher_socket, &msg, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
    int error = n < 0 ? errno : 0;
    for (uint64_t sent = 0; error == 0 && body != NULL && sent < m->length; sent += BODY_CHUNK) {
        size_t chunk = m->length - sent < BODY_CHUNK ? (size_t)(m->length - sent) : BODY_CHUNK;
        error = send_all(launcher_socket, body + sent, chunk);
    }
    pthread_mutex_unlock(&senders);
    return error;
}

/// The request's strings, NUL-ended one after another: path, directory, argv, envp.
static char *encode_body(const studyflow_stage_spawn *r, uint64_t *length, uint32_t *argc, uint32_t *envc) {
    size_t total = strlen(r->path) + 1 + strlen(r->directory) + 1;
    uint32_t na = 0, ne = 0;
    for (; r->argv[na] != NULL; na++) total += strlen(r->argv[na]) + 1;
    for (; r->envp[ne] != NULL; ne++) total += strlen(r->envp[ne]) + 1;
    char *body = malloc(total), *at = body;
    if (body == NULL) return NULL;
    const char *heads[2] = {r->path, r->directory};
    for (int i = 0; i < 2; i++) { size_t l = strlen(heads[i]) + 1; memcpy(at, heads[i], l); at += l; }
    for (uint32_t i = 0; i < na; i++) { size_t l = strlen(r->argv[i]) + 1; memcpy(at, r->argv[i], l); at += l; }
    for (uint32_t i = 0; i < ne; i++) { size_t l = strlen(r->envp[i]) + 1; memcpy(at, r->envp[i], l); at += l; }
    *length = total;
    *argc = na;
    *envc = ne;
    return body;
}

int studyflow_launcher_spawn(const studyflow_stage_spawn *request, pid_t *pid) {
    if (!launcher_running()) return EAGAIN;
    launcher_message m;
    memset(&m, 0, sizeof m);
    m.kind = MSG_SPAWN;
    m.grace = request->grace_seconds;
    char *body = encode_body(request, &m.length, &m.argc, &m.envc);
    if (body == NULL) return ENOMEM;
    int fds[3] = {request->stdout_fd, request->stderr_fd, request->inherit_fd};
    pthread_mutex_lock(&spawners);
    int error = send_request(&m, fds, request->inherit_fd >= 0 ? 3 : 2, body);
    free(body);
    pthread_mutex_lock(&state_lock);
    if (error == 0) {
        while (!reply_ready && (launcher_state == LAUNCHER_RUNNING || launcher_state == LAUNCHER_STOPPING)) pthread_cond_wait(&state_changed, &state_lock);
        error = reply_ready ? reply.value : EAGAIN;
        if (reply_ready && error == 0) *pid = reply.pid;
    }
    reply_ready = 0;
    pthread_mutex_unlock(&state_lock);
    pthread_mutex_unlock(&spawners);
    return error;
}

int studyflow_launcher_wait(pid_t pid, int *status) {
    pthread_mutex_lock(&state_lock);
    for (;;) {
        for (size_t i = 0; i < exit_count; i++) {
            if (exits[i].pid != pid) continue;
            *status = exits[i].status;
            exits[i] = exits[--exit_count];
            pthread_mutex_unlock(&state_lock);
            return 0;
        }
        if (launcher_state != LAUNCHER_RUNNING && launcher_state != LAUNCHER_STOPPING) break;
        pthread_cond_wait(&state_changed, &state_lock);
    }
    pthread_mutex_unlock(&state_lock);
    return ECHILD;
}

int studyflow_launcher_signal(pid_t pid, int sig) {
    // Not `launcher_running()`: a stopping launcher still forwards signals to its supervisors.
    pthread_mutex_lock(&state_lock);
    int reachable = launcher_state == LAUNCHER_RUNNING || launcher_state == LAUNCHER_STOPPING;
    pthread_mutex_unlock(&state_lock);
    if (!reachable) return ESRCH;
    launcher_message m;
    memset(&m, 0, sizeof m);
    m.kind = MSG_SIGNAL;
    m.pid = pid;
    m.value = sig;
    return send_request(&m, NULL, 0, NULL);
}

// ---- Launcher side (single-threaded, forked from a multi-threaded process: no malloc) ---------

static pid_t *live;        // supervisors started and not yet reported as exited
static size_t live_count, live_capacity;

static int live_add(pid_t pid) {
    if (live_count == live_capacity) {
        size_t capacity = live_capacity ? live_capacity * 2 : 256;
        pid_t *grown = mmap(NULL, capacity * sizeof *grown, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (grown == MAP_FAILED) return 0;
        if (live != NULL) {
            memcpy(grown, live, live_count * sizeof *live);
            munmap(live, live_capacity * sizeof *live);
        }
        live = grown;
        live_capacity = capacity;
    }
    live[live_count++] = pid;
    return 1;
}

static int live_remove(pid_t pid) {
    for (size_t i = 0; i < live_count; i++) {
        if (live[i] != pid) continue;
        live[i] = live[--live_count];
        return 1;
    }
    return 0;
}

static int live_contains(pid_t pid) {
    for (size_t i = 0; i < live_count; i++) if (live[i] == pid) return 1;
    return 0;
}

static void reply_to(int sock, uint32_t kind, pid_t pid, int value) {
    launcher_message m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    m.pid = pid;
    m.value = value;
    // The orchestrator is gone when this fails; PR_SET_PDEATHSIG ends the launcher then.
    (void)send_all(sock, &m, sizeof m);
}

/// Reaps every exited supervisor and reports it.
static void reap(int sock) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (live_remove(pid)) reply_to(sock, MSG_EXITED, pid, status);
    }
}

static int receive_all(int sock, char *into, uint64_t length) {
    uint64_t got = 0;
    while (got < length) {
        ssize_t n = recv(sock, into + got, (size_t)(length - got), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        got += (uint64_t)n;
    }
    return 1;
}

/// Reads a SPAWN's body, forks the supervisor and answers; false when the socket is closed.
static int handle_spawn(int sock, const launcher_message *m, int *fds, int nfds) {
    size_t pointers = ((size_t)m->argc + (size_t)m->envc + 2) * sizeof(char *);
    size_t size = pointers + (size_t)m->length + 1;
    char *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) {
        // Unread, the body would be taken for requests: a launcher out of memory stops.
        _exit(1);
    }
    char **argv = (char **)region, **envp = argv + m->argc + 1, *body = region + pointers;
    int ok = receive_all(sock, body, m->length);
    if (ok) {
        body[m->length] = '\0';
        char *at = body;
        const char *path = at;
        at += strlen(at) + 1;
        const char *directory = at;
        at += strlen(at) + 1;
        for (uint32_t i = 0; i < m->argc; i++) { argv[i] = at; at += strlen(at) + 1; }
        argv[m->argc] = NULL;
        for (uint32_t i = 0; i < m->envc; i++) { envp[i] = at; at += strlen(at) + 1; }
        envp[m->envc] = NULL;
        studyflow_stage_spawn request = {
            .path = path, .argv = argv, .envp = envp, .directory = directory,
            .stdout_fd = nfds > 0 ? fds[0] : -1, .stderr_fd = nfds > 1 ? fds[1] : -1,
            .inherit_fd = nfds > 2 ? fds[2] : -1, .grace_seconds = m->grace};
        pid_t pid = 0;
        int error = nfds >= 2 ? studyflow_spawn_supervised(&request, &pid) : EBADF;
        if (error == 0 && !live_add(pid)) {
            kill(pid, SIGTERM);
            error = ENOMEM;
        }
        reply_to(sock, MSG_SPAWNED, error == 0 ? pid : 0, error);
    }
    for (int i = 0; i < nfds; i++) close(fds[i]);
    munmap(region, size);
    return ok;
}

static int stopping;  // STOP received

/// Handles one request; false when the orchestrator closed its end.
static int handle_request(int sock) {
    launcher_message m;
    union { struct cmsghdr header; char space[CMSG_SPACE(3 * sizeof(int))]; } control;
    struct iovec iov = {&m, sizeof m};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.space;
    msg.msg_controllen = sizeof control.space;
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n <= 0) return 0;
    int fds[3], nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + (size_t)i * sizeof(int), sizeof fd);
            if (nfds < 3) fds[nfds++] = fd; else close(fd);
        }
    }
    if (n != (ssize_t)sizeof m) {
        for (int i = 0; i < nfds; i++) close(fds[i]);
        return 1;
    }
    if (m.kind == MSG_SIGNAL) {
        // Not yet reaped (reaping happens only here, between requests): the pid is still ours.
        if (live_contains(m.pid)) kill(m.pid, m.value);
        for (int i = 0; i < nfds; i++) close(fds[i]);
        return 1;
    }
    if (m.kind == MSG_STOP) stopping = 1;
    if (m.kind == MSG_SPAWN) return handle_spawn(sock, &m, fds, nfds);
    for (int i = 0; i < nfds; i++) close(fds[i]);
    return 1;
}

static void launcher_main(int sock, pid_t orchestrator) {
    // Every signal stays blocked (supervisors must start that way); SIGCHLD is read from a signalfd.
    sigset_t all, child;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != orchestrator) _exit(1);
    // Out of the terminal's process group: Ctrl-C reaches the orchestrator, which stops the stages.
    setpgid(0, 0);
    prctl(PR_SET_NAME, "sf-launcher");
    studyflow_close_from(3, sock, -1);
    sigemptyset(&child);
    sigaddset(&child, SIGCHLD);
    int children = signalfd(-1, &child, SFD_CLOEXEC | SFD_NONBLOCK);
    if (children < 0) _exit(1);
    struct pollfd watched[2] = {{.fd = sock, .events = POLLIN}, {.fd = children, .events = POLLIN}};
    for (;;) {
        // Asked to stop (or end of file): gone once every supervisor's exit is reported.
        if ((stopping || watched[0].fd < 0) && live_count == 0) _exit(0);
        if (poll(watched, 2, -1) < 0) {
            if (errno == EINTR) continue;
            _exit(1);
        }
        if (watched[1].revents != 0) {
            struct signalfd_siginfo info;
            while (read(children, &info, sizeof info) > 0) {}
            reap(sock);
        }
        if (watched[0].fd >= 0 && watched[0].revents != 0 && !handle_request(sock)) watched[0].fd = -1;
    }
}
#endif
