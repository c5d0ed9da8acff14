#ifndef STAGESPAWN_INTERNAL_H
#define STAGESPAWN_INTERNAL_H

#include "CStageSpawn.h"

/// Forks a supervisor for `request` on the calling thread (which its PR_SET_PDEATHSIG watches) and
/// waits until the program is exec'd: 0 and the supervisor's pid, or the errno that stopped it.
/// Call with every signal blocked.
int studyflow_spawn_supervised(const studyflow_stage_spawn *request, pid_t *pid);

/// Closes every descriptor from `low` up, except `keep_a` and `keep_b` (either may be -1).
void studyflow_close_from(int low, int keep_a, int keep_b);

/// Starts `body` on a detached thread with every signal blocked, so that neither it nor a process
/// it forks handles a signal before setting itself up: 0, or pthread_create's error.
int studyflow_start_unsignalled_thread(void *(*body)(void *));

#ifdef __linux__
/// The launcher process (StageLauncher.c): started once, then asked to spawn, wait and signal.
void studyflow_launcher_start(void);
void studyflow_launcher_stop(void);
int studyflow_launcher_spawn(const studyflow_stage_spawn *request, pid_t *pid);
int studyflow_launcher_wait(pid_t pid, int *status);
int studyflow_launcher_signal(pid_t pid, int sig);
#endif

#endif
