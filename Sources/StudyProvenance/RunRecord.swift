import StudyCore

/// A run's own facts, stored as `run.json` at the root of its commit.
public struct RunRecord: Equatable, Sendable {
    /// The run number, for display: it counts this workspace's runs (continuing from the ledger's
    /// newest run when `.studyflow/` was deleted), so it is unique only within one workspace.
    public var run: Int
    /// The globally unique run id (a random UUID, see `RunID`); nil in records written before ids
    /// existed, whose commit id then names them (`LoggedRun.id`).
    public var id: String?
    /// Start and end, seconds since 1970 (UTC).
    public var started: Double
    public var finished: Double
    /// `studyflow` version that ran it.
    public var studyflowVersion: String
    /// Host name.
    public var host: String
    /// The workflow file (workspace-relative) and the SHA-256 of its bytes.
    public var workflowFile: String
    public var workflowDigest: Digest
    /// The workflow's name.
    public var workflowName: String
    /// Executor name.
    public var executor: String
    /// The `--param` overrides the run was given (to re-run it as it was).
    public var params: [String: JSONValue] = [:]
    /// The workspace root relative to the repository's work tree (`.` at its top): several
    /// workspaces of one repository share the ref, and each reads back only its own runs.
    public var workspace: String = "."
    /// The linked git worktree the run was made in (its name under `.git/worktrees/`); nil in the
    /// main work tree or outside git. Worktrees share `refs/studyflow/runs`, so each reads back
    /// only the runs made in it.
    public var worktree: String?
    /// The workspace's absolute path when the run was made (informational: a moved checkout keeps
    /// its history, which is matched by `workspace` and `worktree`).
    public var workspaceRoot: String?
    /// Where `sourceCommit` comes from: `git` (the workspace's repository; a nil commit means its
    /// HEAD had no commit yet), `none` (no repository), `sha256` (a SHA-256 repository that
    /// libgit2 cannot read) or `unreadable` (another format it cannot read); nil in older records.
    public var sourceRepository: SourceRepository?

    /// The kind of repository a run's source commit comes from (`sourceRepository` in run.json).
    public enum SourceRepository: String, Equatable, Sendable {
        /// The workspace's git repository; a nil `sourceCommit` means HEAD had no commit yet.
        case git
        /// No repository: the bare ledger under `.studyflow/`.
        case noRepository = "none"
        /// A SHA-256 repository libgit2 cannot read: HEAD is read from its files, dirty is unknown.
        case sha256
        /// A repository in another format libgit2 cannot read (an unknown extension); as `sha256`.
        case unreadable
    }
    /// The workspace repository's HEAD commit, nil when the workspace is in no repository.
    public var sourceCommit: String?
    /// Whether a source input or the workflow file differed from HEAD's version; nil without HEAD.
    public var dirty: Bool?
    /// The first differing paths (at most 20), for `log` and reviewers.
    public var dirtyPaths: [String]
    /// `ok`, `failed` or `interrupted`.
    public var outcome: String
    /// Stage count by status.
    public var counts: [String: Int]
    /// Digest of the reported stage ids in order: a no-op run may reuse this run's stage records
    /// only when it reports exactly these stages.
    public var stagesDigest: Digest

    /// Creates a record.
    public init(run: Int, started: Double, finished: Double, studyflowVersion: String, host: String, workflowFile: String,
                workflowDigest: Digest, workflowName: String, executor: String, sourceCommit: String?, dirty: Bool?,
                dirtyPaths: [String] = [], outcome: String, counts: [String: Int], stagesDigest: Digest) {
        self.run = run
        self.started = started
        self.finished = finished
        self.studyflowVersion = studyflowVersion
        self.host = host
        self.workflowFile = workflowFile
        self.workflowDigest = workflowDigest
        self.workflowName = workflowName
        self.executor = executor
        self.sourceCommit = sourceCommit
        self.dirty = dirty
        self.dirtyPaths = dirtyPaths
        self.outcome = outcome
        self.counts = counts
        self.stagesDigest = stagesDigest
    }

    /// Total number of stages the run reported.
    public var total: Int { counts.values.reduce(0, +) }

    /// Whether every stage was cached (a no-op run).
    public var allCached: Bool { (counts["cached"] ?? 0) == total }

    /// The source commit for people: `abc123def456 (dirty)`, or why there is none.
    public var sourceDescription: String {
        if let sourceCommit {
            let state = dirty == true ? " (dirty)" : dirty == nil ? " (dirty state unknown)" : ""
            return String(sourceCommit.prefix(12)) + state
        }
        switch sourceRepository {
        case .git: return "none (HEAD has no commit yet)"
        case .sha256: return "none (SHA-256 git repository, unreadable by libgit2)"
        case .unreadable: return "none (git repository unreadable by libgit2)"
        case .noRepository, nil: return "none (no git repository)"
        }
    }

    /// The commit message's first line: `run 12: 40 stages, 3 ran, 37 cached, ok`.
    public var summaryLine: String {
        var parts = ["\(total) stage\(total == 1 ? "" : "s")", "\(counts["ran"] ?? 0) ran", "\(counts["cached"] ?? 0) cached"]
        for status in ["restored", "failed", "skipped"] {
            if let n = counts[status], n > 0 { parts.append("\(n) \(status)") }
        }
        return "run \(run): " + parts.joined(separator: ", ") + ", " + outcome
    }

    /// The canonical JSON object.
    public var json: JSONValue {
        .object([
            "run": .integer(run), "started": .string(Timestamp.iso8601(started)), "finished": .string(Timestamp.iso8601(finished)),
            "startedEpoch": .number(started), "finishedEpoch": .number(finished),
            "studyflow": .string(studyflowVersion), "host": .string(host),
            "workflow": .object(["file": .string(workflowFile), "sha256": .string(workflowDigest.hex), "name": .string(workflowName)]),
            "executor": .string(executor), "params": .object(params), "workspace": .string(workspace), "sourceCommit": sourceCommit.map(JSONValue.string) ?? .null,
            "dirty": dirty.map(JSONValue.bool) ?? .null, "dirtyPaths": .array(dirtyPaths.map(JSONValue.string)),
            "outcome": .string(outcome), "counts": .object(counts.mapValues { .integer($0) }),
            "stagesDigest": .string(stagesDigest.hex), "id": id.map(JSONValue.string) ?? .null,
            "worktree": worktree.map(JSONValue.string) ?? .null, "workspaceRoot": workspaceRoot.map(JSONValue.string) ?? .null,
            "sourceRepository": sourceRepository.map { .string($0.rawValue) } ?? .null,
        ])
    }

    /// The bytes of `run.json`.
    public var encoded: [UInt8] { Array(JSONText.pretty(json).utf8) }

    /// Reads `run.json` back; nil when it is not a run record.
    public init?(json: JSONValue) {
        guard let run = json["run"]?.intValue, let workflow = json["workflow"],
              let digest = workflow["sha256"]?.stringValue.flatMap({ Digest(hex: $0) }),
              let stagesDigest = json["stagesDigest"]?.stringValue.flatMap({ Digest(hex: $0) }) else { return nil }
        self.init(run: run, started: json["startedEpoch"]?.doubleValue ?? 0, finished: json["finishedEpoch"]?.doubleValue ?? 0,
                  studyflowVersion: json["studyflow"]?.stringValue ?? "", host: json["host"]?.stringValue ?? "",
                  workflowFile: workflow["file"]?.stringValue ?? "", workflowDigest: digest,
                  workflowName: workflow["name"]?.stringValue ?? "", executor: json["executor"]?.stringValue ?? "local",
                  sourceCommit: json["sourceCommit"]?.stringValue, dirty: json["dirty"]?.boolValue,
                  dirtyPaths: (json["dirtyPaths"]?.arrayValue ?? []).compactMap(\.stringValue),
                  outcome: json["outcome"]?.stringValue ?? "", counts: (json["counts"]?.objectValue ?? [:]).compactMapValues(\.intValue),
                  stagesDigest: stagesDigest)
        params = json["params"]?.objectValue ?? [:]
        workspace = json["workspace"]?.stringValue ?? "."
        // Records written before run ids, worktrees and the repository kind lack these members.
        id = json["id"]?.stringValue
        worktree = json["worktree"]?.stringValue
        workspaceRoot = json["workspaceRoot"]?.stringValue
        sourceRepository = json["sourceRepository"]?.stringValue.flatMap(SourceRepository.init(rawValue:))
            ?? (sourceCommit == nil ? nil : .git)
    }

    /// The digest of stage ids in report order (see `stagesDigest`).
    public static func digest(ofStages stages: [String]) -> Digest {
        var b = DigestBuilder()
        b.field(UInt64(stages.count))
        for stage in stages { b.field(stage) }
        return b.finalize()
    }
}
