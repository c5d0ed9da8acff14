import CLibGit2
import StudyCore
import StudyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RunLedger {
    /// Fails before anything runs when the ledger could not record the run: creates and removes a
    /// file where libgit2 will write, the object database and the directory of the run ref. A
    /// read-only or immutable `.git` (or one owned by another user) is otherwise only noticed
    /// after every stage ran.
    public func checkWritable() throws {
        let common = repository.commonDirectory
        let studyflowRefs = common + "refs/studyflow"
        let refs = FileStat.of(studyflowRefs)?.kind == .directory ? studyflowRefs : common + "refs"
        for directory in [common + "objects", refs] {
            let probe = directory + "/.studyflow-write-check-\(getpid())"
            let fd = createProbe(probe)
            guard fd >= 0 else {
                throw ProvenanceError.notWritable(repository: repositoryPath, directory: directory,
                                                  reason: String(cString: strerror(errno)))
            }
            close(fd)
            unlink(probe)
        }
    }
}

extension RunLedger {
    /// Whether git ignores the workspace-relative `path` (`.gitignore` anywhere above it,
    /// `info/exclude`, the global excludes file); nil for the bare ledger, which has no work tree.
    public func ignores(_ path: String) -> Bool? {
        repository.workDirectory == nil ? nil : repository.isIgnored(prefix + path)
    }
}

extension GitRepository {
    /// The directory holding objects and shared refs, with a trailing slash: the git directory,
    /// or for a linked worktree the main repository's.
    var commonDirectory: String {
        guard let common = git_repository_commondir(handle) else { return gitDirectory }
        let path = String(cString: common)
        return path.hasSuffix("/") ? path : path + "/"
    }
}

/// Creates `path`, failing when it exists (at file scope, where `open` is the C function).
private func createProbe(_ path: String) -> Int32 {
    open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
}
