import StudyCore

/// Every path under `ROOT/.studyflow/`, in one place (as R targets' `path_*()` functions).
///
/// ```
/// .studyflow/
///   objects/ab/cdef…        content-addressed outputs (SHA-256 of the bytes)
///   quarantine/abcdef…      objects whose bytes no longer matched their name, moved aside
///   actions.log             action records: stage key -> output digests (append-only, checksummed)
///   stat-cache              path -> (size, mtime, inode) -> digest
///   snapshot                every artifact's stat after a run that left every stage up to date
///   workflows/NAME.bin      compiled workflows, keyed by the YAML file's digest
///   logs/RUN/STAGE.log      stdout and stderr of each stage run
///   lock                    the workspace lock, holding the holder's pid
///   run-counter             the last run number
///   provenance.git/         bare git repository of run records, when the workspace is in no repository
///   provenance-blobs        SHA-256 -> git blob id of outputs already in the provenance repository
///   provenance-noop         the tree a no-op run right after the ledger's newest run records
///   output-claims           output paths stages were started on, whether or not they succeeded
///   trash/RUN/PATH          what run RUN moved aside instead of deleting (studyflow did not make it)
///   sandbox/STAGE/N         a sandboxed stage's staging directories while it runs (see SandboxStaging)
///   slurm-journal/*.jsonl   SLURM jobs a run submitted and has not collected yet (see SlurmJournal)
/// ```
public struct StoreLayout: Sendable, Equatable {
    /// Absolute, symlink-free workspace root; stage paths are relative to it.
    public let root: String

    /// The layout of the workspace at `root` (which should already be absolute and real).
    public init(root: String) {
        self.root = root
    }

    /// `ROOT/.studyflow`.
    public var stateDirectory: String { root + "/.studyflow" }
    /// Where content-addressed objects live.
    public var objectsDirectory: String { stateDirectory + "/objects" }
    /// Where corrupt objects are moved, so a run can rerun their stage and a person can inspect them.
    public var quarantineDirectory: String { stateDirectory + "/quarantine" }
    /// The action log.
    public var actionLog: String { stateDirectory + "/actions.log" }
    /// The stat cache.
    public var statCache: String { stateDirectory + "/stat-cache" }
    /// Version lines of host tools by SHA-256, so each distinct binary is asked `--version` once.
    public var toolVersions: String { stateDirectory + "/tool-versions" }
    /// The workspace lock file.
    public var lockFile: String { stateDirectory + "/lock" }
    /// The up-to-date snapshot (see `Snapshot`).
    public var snapshot: String { stateDirectory + "/snapshot" }
    /// The run counter.
    public var runCounter: String { stateDirectory + "/run-counter" }
    /// Stage logs of all runs.
    public var logsDirectory: String { stateDirectory + "/logs" }
    /// The bare repository holding `refs/studyflow/runs` when the workspace is in no git repository.
    public var provenanceRepository: String { stateDirectory + "/provenance.git" }
    /// Which outputs (by SHA-256) the provenance repository already holds, and as which git blob, so
    /// recording a run does not re-read and re-hash every output.
    public var provenanceBlobCache: String { stateDirectory + "/provenance-blobs" }
    /// The ledger's newest run commit and the tree a no-op run after it records (its stage records
    /// as cached), prepared by a run that executed stages so the next no-op run writes one commit.
    public var provenanceNoOp: String { stateDirectory + "/provenance-noop" }
    /// Compiled workflows.
    public var workflowsDirectory: String { stateDirectory + "/workflows" }

    /// Where runs move what they must not delete (see `trash(run:path:)`).
    public var trashDirectory: String { stateDirectory + "/trash" }
    /// The journal of SLURM jobs submitted and not yet collected, one file per process, so a run
    /// that died can be followed by one that takes its jobs over.
    public var slurmJournal: String { stateDirectory + "/slurm-journal" }
    /// The output paths a run has cleared for a stage, so a failed stage's leftovers are known
    /// to be studyflow's own at the next load.
    public var outputClaims: String { stateDirectory + "/output-claims" }

    /// What run `run` moved aside from workspace path `path`: `trash/RUN/PATH`. A rename into it
    /// stays on the workspace's file system, so even a large output is moved, never copied.
    public func trash(run: Int, path: String) -> String { trashDirectory + "/\(run)/" + path }

    /// Where sandboxed stage `stage` writes its outputs while it runs: one directory per output
    /// parent directory, moved into the workspace when it ends.
    public func sandboxStaging(stage: String) -> String { stateDirectory + "/sandbox/" + stage }

    /// The object holding bytes with `digest`: `objects/ab/cdef…`.
    public func object(_ digest: Digest) -> String {
        let hex = digest.hex
        return objectsDirectory + "/" + hex.prefix(2) + "/" + hex.dropFirst(2)
    }

    /// Where the corrupt object with `digest` is moved: `quarantine/abcdef…`.
    public func quarantined(_ digest: Digest) -> String { quarantineDirectory + "/" + digest.hex }

    /// Directory of the logs of run `run`.
    public func logDirectory(run: Int) -> String { logsDirectory + "/\(run)" }

    /// The log of `stage` in run `run`.
    public func log(run: Int, stage: String) -> String { logDirectory(run: run) + "/" + stage + ".log" }

    /// The compiled form of the workflow file at `workflowPath` (one per file, replaced when it changes).
    public func compiledWorkflow(for workflowPath: String) -> String {
        workflowsDirectory + "/" + Digest.of(string: workflowPath).short + ".bin"
    }

    /// `path` relative to the root when it lies below it (for messages), else `path` unchanged.
    public func relative(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// Absolute path of a workspace-relative artifact path (absolute inputs pass through).
    public func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : root + "/" + path
    }
}
