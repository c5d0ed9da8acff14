#ifndef STUDYFLOW_CLIBGIT2_SHIM_H
#define STUDYFLOW_CLIBGIT2_SHIM_H

#include <git2.h>

/// `git_libgit2_opts` is variadic and so cannot be called from Swift: this wrapper sets the one
/// option StudyFlow changes. Strict object creation makes every tree insert look the object up in the
/// object database; the ledger only inserts objects it has just written or read, so the check
/// only costs time (10,000 lookups on a large run).
static inline int studyflow_git_disable_strict_object_creation(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
}

#endif
