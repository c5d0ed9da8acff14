import StudyCore

/// A run's own facts, stored as `run.json` at the root of its commit.
///
/// The facts come in small groups — what ran (`workflow`), when (`timing`), by what and where
/// (`agent`, `place`), from which sources (`source`) and how it ended (`outcome`, `stages`) — so
/// a record is built from a few values instead of one wide initializer. The JSON layout is flat
/// and older than the groups; `json` and `init(json:)` keep it byte for byte.
public struct RunRecord: Equatable, Sendable {
    /// The run number, for display: it counts this workspace's runs (continuing from the ledger's
    /// newest run when `.studyflow/` was deleted), so it is unique only within one workspace.
    public var run: Int
    /// The globally unique run id (a random UUID, see `RunID`); nil in records written before ids
    /// existed, whose commit id then names them (`LoggedRun.id`).
    public var id: String?
    /// What ran: the workflow file, its digest and name, and the `--param` overrides.
    public var workflow: Workflow
    /// When it ran.
    public var timing: Timing
    /// What ran it: studyflow's version, the host and the executor.
    public var agent: Agent
    /// Where it ran: the workspace within its repository and worktree.
    public var place: Place
    /// The sources it ran from: the repository's HEAD commit and whether inputs differed from it.
    public var source: Source
    /// How the run ended; an outcome this version does not know is kept verbatim (see `Recorded`).
    public var outcome: Recorded<RunOutcome>
    /// How many stages ended in each status, and which stages the run reported.
    public var stages: Stages

    /// Creates a record made in the workspace's top directory (`place` is stamped by the ledger).
    public init(run: Int, workflow: Workflow, timing: Timing, agent: Agent, source: Source, outcome: RunOutcome,
                stages: Stages) {
        self.run = run
        self.workflow = workflow
        self.timing = timing
        self.agent = agent
        self.place = Place()
        self.source = source
        self.outcome = .known(outcome)
        self.stages = stages
    }

    /// The workflow a run ran (`workflow` and `params` in run.json).
    public struct Workflow: Equatable, Sendable {
        /// The workflow file, workspace-relative (absolute when it lies outside the workspace).
        public var file: String
        /// SHA-256 of the file's bytes.
        public var digest: Digest
        /// The workflow's `name:`.
        public var name: String
        /// The parameter overrides the run was given — its profile's, params file's and
        /// `--param` values, by precedence — to re-run it as it was.
        public var params: [String: JSONValue]
        /// The files `include:` merged, with the digests of their bytes as loaded.
        public var includes: [IncludedFile]
        /// `--profile NAME`, nil without one.
        public var profile: String?
        /// Each fan-out template's instance keys in instance order (`instances` in run.json,
        /// absent without fan-outs), so `diff` can say which instances came or went.
        public var instances: [String: [String]]

        /// Creates a workflow identity.
        public init(file: String, digest: Digest, name: String, params: [String: JSONValue] = [:],
                    includes: [IncludedFile] = [], profile: String? = nil, instances: [String: [String]] = [:]) {
            self.file = file
            self.digest = digest
            self.name = name
            self.params = params
            self.includes = includes
            self.profile = profile
            self.instances = instances
        }

        /// The `workflow` member of run.json; included files only when there are some, so older
        /// records keep their bytes.
        var json: JSONValue {
            var members: [String: JSONValue] = ["file": .string(file), "sha256": .string(digest.hex), "name": .string(name)]
            if !includes.isEmpty {
                members["includes"] = .array(includes.map { .object(["file": .string($0.path), "sha256": .string($0.digest.hex)]) })
            }
            if let profile { members["profile"] = .string(profile) }
            return .object(members)
        }

        /// Reads the `workflow` member back (with the run's `params` and `instances`); nil without a digest.
        init?(json: JSONValue, params: [String: JSONValue], instances: [String: [String]]) {
            guard let digest = json["sha256"]?.stringValue.flatMap({ Digest(hex: $0) }) else { return nil }
            let includes = (json["includes"]?.arrayValue ?? []).compactMap { item -> IncludedFile? in
                guard let path = item["file"]?.stringValue, let digest = item["sha256"]?.stringValue.flatMap({ Digest(hex: $0) }) else { return nil }
                return IncludedFile(path: path, digest: digest)
            }
            self.init(file: json["file"]?.stringValue ?? "", digest: digest, name: json["name"]?.stringValue ?? "",
                      params: params, includes: includes, profile: json["profile"]?.stringValue, instances: instances)
        }
    }

    /// Start and end of a run, seconds since 1970 (UTC).
    public struct Timing: Equatable, Sendable {
        /// When the run started.
        public var started: Double
        /// When it was recorded.
        public var finished: Double

        /// Creates a timing.
        public init(started: Double, finished: Double) {
            self.started = started
            self.finished = finished
        }
    }

    /// What made a run.
    public struct Agent: Equatable, Sendable {
        /// The `studyflow` version that ran it.
        public var studyflowVersion: String
        /// Host name.
        public var host: String
        /// Executor name (`local`, `slurm`).
        public var executor: String

        /// Creates an agent.
        public init(studyflowVersion: String, host: String, executor: String = "local") {
            self.studyflowVersion = studyflowVersion
            self.host = host
            self.executor = executor
        }
    }

    /// Where a run was made. Several workspaces of one repository, and its linked worktrees,
    /// share `refs/studyflow/runs`; each reads back only the runs made in it.
    public struct Place: Equatable, Sendable {
        /// The workspace root relative to the repository's work tree (`.` at its top).
        public var workspace: String
        /// The linked git worktree (its name under `.git/worktrees/`); nil in the main work tree
        /// or outside git.
        public var worktree: String?
        /// The workspace's absolute path when the run was made (informational: a moved checkout
        /// keeps its history, which is matched by `workspace` and `worktree`).
        public var workspaceRoot: String?

        /// Creates a place; the defaults are the top of the main work tree.
        public init(workspace: String = ".", worktree: String? = nil, workspaceRoot: String? = nil) {
            self.workspace = workspace
            self.worktree = worktree
            self.workspaceRoot = workspaceRoot
        }
    }

    /// The state of the workspace's sources when a run was made.
    public struct Source: Equatable, Sendable {
        /// Where `commit` comes from; nil in older records (see `SourceRepository`).
        public var repository: SourceRepository?
        /// The workspace repository's HEAD commit, nil when the workspace is in no repository.
        public var commit: String?
        /// Whether a source input or the workflow file differed from HEAD's version; nil without HEAD.
        public var dirty: Bool?
        /// The first differing paths (at most 20), for `log` and reviewers.
        public var dirtyPaths: [String]

        /// Creates a source state.
        public init(repository: SourceRepository? = nil, commit: String?, dirty: Bool?, dirtyPaths: [String] = []) {
            self.repository = repository
            self.commit = commit
            self.dirty = dirty
            self.dirtyPaths = dirtyPaths
        }
    }

    /// The kind of repository a run's source commit comes from (`sourceRepository` in run.json).
    public enum SourceRepository: String, Equatable, Sendable {
        /// The workspace's git repository; a nil source commit means HEAD had no commit yet.
        case git
        /// No repository: the bare ledger under `.studyflow/`.
        case noRepository = "none"
        /// A SHA-256 repository libgit2 cannot read: HEAD is read from its files, dirty is unknown.
        case sha256
        /// A repository in another format libgit2 cannot read (an unknown extension); as `sha256`.
        case unreadable
    }

    /// The stages a run reported, by status.
    public struct Stages: Equatable, Sendable {
        /// Stage count by status spelling (an unknown spelling in an old record is kept).
        public var counts: [String: Int]
        /// Digest of the reported stage ids in order: a no-op run may reuse this run's stage
        /// records only when it reports exactly these stages. The ledger sets it when recording.
        public var digest: Digest

        /// Creates a tally from counts by spelling.
        public init(counts: [String: Int], digest: Digest = RunRecord.digest(ofStages: [])) {
            self.counts = counts
            self.digest = digest
        }

        /// Counts `statuses`, one per reported stage.
        public init(counting statuses: [StageStatus]) {
            var counts: [String: Int] = [:]
            for status in statuses { counts[status.rawValue, default: 0] += 1 }
            self.init(counts: counts)
        }

        /// The number of stages with `status`.
        public subscript(status: StageStatus) -> Int { counts[status.rawValue] ?? 0 }

        /// Total number of stages the run reported.
        public var total: Int { counts.values.reduce(0, +) }

        /// Whether every stage was cached (a no-op run).
        public var allCached: Bool { self[.cached] == total }
    }

    /// The source commit for people: `abc123def456 (dirty)`, or why there is none.
    public var sourceDescription: String {
        if let commit = source.commit {
            let state = source.dirty == true ? " (dirty)" : source.dirty == nil ? " (dirty state unknown)" : ""
            return String(commit.prefix(12)) + state
        }
        switch source.repository {
        case .git: return "none (HEAD has no commit yet)"
        case .sha256: return "none (SHA-256 git repository, unreadable by libgit2)"
        case .unreadable: return "none (git repository unreadable by libgit2)"
        case .noRepository, nil: return "none (no git repository)"
        }
    }

    /// The commit message's first line: `run 12: 40 stages, 3 ran, 37 cached, ok`.
    public var summaryLine: String {
        let total = stages.total
        var parts = ["\(total) stage\(total == 1 ? "" : "s")", "\(stages[.ran]) ran", "\(stages[.cached]) cached"]
        for status in [StageStatus.restored, .failed, .skipped, .interrupted] where stages[status] > 0 {
            parts.append("\(stages[status]) \(status.rawValue)")
        }
        return "run \(run): " + parts.joined(separator: ", ") + ", " + outcome.rawValue
    }
}

extension RunRecord {
    /// The canonical JSON object.
    public var json: JSONValue {
        guard case .object(var members) = plainJSON else { return plainJSON }
        // Only runs with fan-outs carry the member, so other runs' records keep their bytes.
        if !workflow.instances.isEmpty {
            members["instances"] = .object(workflow.instances.mapValues { .array($0.map(JSONValue.string)) })
        }
        return .object(members)
    }

    /// The members every record has.
    private var plainJSON: JSONValue {
        .object([
            "run": .integer(run), "started": .string(Timestamp.iso8601(timing.started)),
            "finished": .string(Timestamp.iso8601(timing.finished)),
            "startedEpoch": .number(timing.started), "finishedEpoch": .number(timing.finished),
            "studyflow": .string(agent.studyflowVersion), "host": .string(agent.host),
            "workflow": workflow.json,
            "executor": .string(agent.executor), "params": .object(workflow.params), "workspace": .string(place.workspace),
            "sourceCommit": source.commit.map(JSONValue.string) ?? .null,
            "dirty": source.dirty.map(JSONValue.bool) ?? .null, "dirtyPaths": .array(source.dirtyPaths.map(JSONValue.string)),
            "outcome": .string(outcome.rawValue), "counts": .object(stages.counts.mapValues { .integer($0) }),
            "stagesDigest": .string(stages.digest.hex), "id": id.map(JSONValue.string) ?? .null,
            "worktree": place.worktree.map(JSONValue.string) ?? .null,
            "workspaceRoot": place.workspaceRoot.map(JSONValue.string) ?? .null,
            "sourceRepository": source.repository.map { .string($0.rawValue) } ?? .null,
        ])
    }

    /// The bytes of `run.json`.
    public var encoded: [UInt8] { Array(JSONText.pretty(json).utf8) }

    /// Reads `run.json` back; nil when it is not a run record. Members added over time (ids,
    /// worktrees, the repository kind) may be missing; an unknown outcome is kept verbatim.
    public init?(json: JSONValue) {
        guard let run = json["run"]?.intValue,
              let workflow = json["workflow"].flatMap({
                  Workflow(json: $0, params: json["params"]?.objectValue ?? [:],
                           instances: (json["instances"]?.objectValue ?? [:]).mapValues { $0.arrayValue.compactMap(\.stringValue) })
              }),
              let stagesDigest = json["stagesDigest"]?.stringValue.flatMap({ Digest(hex: $0) }) else { return nil }
        self.run = run
        id = json["id"]?.stringValue
        self.workflow = workflow
        timing = Timing(started: json["startedEpoch"]?.doubleValue ?? 0, finished: json["finishedEpoch"]?.doubleValue ?? 0)
        agent = Agent(studyflowVersion: json["studyflow"]?.stringValue ?? "", host: json["host"]?.stringValue ?? "",
                      executor: json["executor"]?.stringValue ?? "local")
        place = Place(workspace: json["workspace"]?.stringValue ?? ".", worktree: json["worktree"]?.stringValue,
                      workspaceRoot: json["workspaceRoot"]?.stringValue)
        let commit = json["sourceCommit"]?.stringValue
        source = Source(repository: json["sourceRepository"]?.stringValue.flatMap(SourceRepository.init(rawValue:))
                            ?? (commit == nil ? nil : .git),
                        commit: commit, dirty: json["dirty"]?.boolValue,
                        dirtyPaths: (json["dirtyPaths"]?.arrayValue ?? []).compactMap(\.stringValue))
        outcome = Recorded(rawValue: json["outcome"]?.stringValue ?? "")
        stages = Stages(counts: (json["counts"]?.objectValue ?? [:]).compactMapValues(\.intValue), digest: stagesDigest)
    }

    /// The digest of stage ids in report order (see `Stages.digest`).
    public static func digest(ofStages stages: [String]) -> Digest {
        var b = DigestBuilder()
        b.field(UInt64(stages.count))
        for stage in stages { b.field(stage) }
        return b.finalize()
    }
}
