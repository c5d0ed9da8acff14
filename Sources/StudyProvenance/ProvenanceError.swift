/// Why the provenance ledger could not be written or read. Each message is one line that names the
/// repository, ref, run or path involved and says what to do.
public enum ProvenanceError: Error, Equatable, CustomStringConvertible {
    /// libgit2 could not open (or create) the repository at `path`.
    case cannotOpen(path: String, reason: String)
    /// Another writer holds the ref's lock file.
    case locked(ref: String, lockFile: String)
    /// The ref moved while this run was writing, more often than it retried.
    case raced(ref: String)
    /// The ref or an object it reaches cannot be read.
    case corrupt(ref: String, reason: String)
    /// No run commit has this id.
    case unknownRun(String, latest: Int?)
    /// A run reference that fits several runs of this workspace (each described by `LoggedRun.label`).
    case ambiguousRun(String, candidates: [String])
    /// A run id of another workspace or worktree sharing the repository.
    case otherWorkspace(String, workspace: String, worktree: String)
    /// No recorded run produced this path.
    case notProduced(path: String, runs: Int)
    /// The ledger holds no run yet.
    case noRuns(repository: String)
    /// Any other libgit2 failure, with the operation it interrupted.
    case git(operation: String, code: Int32, message: String)
    /// The repository cannot be written (checked before a run starts).
    case notWritable(repository: String, directory: String, reason: String)

    /// Whether the user named something that does not exist or is ambiguous (a run reference):
    /// a usage mistake, exit 2 as `diff` gives it, rather than a failure of the ledger.
    public var isUsage: Bool {
        switch self {
        case .unknownRun, .ambiguousRun, .otherWorkspace: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the git repository at '\(path)': \(reason); repair it (git fsck) or move it aside"
        case .locked(let ref, let lockFile):
            return "provenance ref '\(ref)' is locked by another writer ('\(lockFile)' exists); wait for it, or remove that file if no git or studyflow process is running"
        case .raced(let ref):
            return "provenance ref '\(ref)' kept changing while this run was recorded; another writer is using it, rerun when it is done"
        case .corrupt(let ref, let reason):
            return "provenance ref '\(ref)' cannot be read: \(reason); check it with 'git fsck' and 'git log \(ref)'"
        case .unknownRun(let id, let latest):
            let hint = latest.map { "its runs are numbered up to \($0); give a run number, HEAD~N (N runs before the latest) or a run id (see 'studyflow log')" } ?? "no run is recorded yet"
            return "no run '\(id)' in this workspace's provenance ledger; \(hint)"
        case .ambiguousRun(let id, let candidates):
            return "run '\(id)' is ambiguous in this workspace's history: it names \(candidates.joined(separator: ", ")); give the run id or a longer prefix of it (see 'studyflow log')"
        case .otherWorkspace(let id, let workspace, let worktree):
            return "run '\(id)' was recorded by the workspace '\(workspace)' in \(worktree), not this one; run the command there"
        case .notProduced(let path, let runs):
            return "no recorded run produced '\(path)' (searched \(runs) run\(runs == 1 ? "" : "s")); give a stage output path as in the workflow, relative to the workspace root"
        case .noRuns(let repository):
            return "no run is recorded in '\(repository)' yet; run 'studyflow run' first"
        case .git(let operation, let code, let message):
            return "git \(operation) failed (\(code)): \(message)"
        case .notWritable(let repository, let directory, let reason):
            return "cannot record runs in the provenance ledger '\(repository)': cannot create a file in '\(directory)' (\(reason)); nothing was run: make that directory writable for this user, then run again"
        }
    }
}
