import StudyCore

/// One run as the ledger holds it.
public struct LoggedRun: Sendable {
    /// The run's commit.
    public var commit: GitOID
    /// Its `run.json`.
    public var record: RunRecord

    /// The run's globally unique id; a run recorded before ids existed is named by its commit id.
    public var id: String { record.id ?? commit.hex }

    /// `run 3 (id 3f9c2a1e, 2026-12-06T20:00:00Z)`, to tell runs with one number apart.
    public var label: String {
        "run \(record.run) (id \(RunID.short(id)), \(Timestamp.iso8601(record.timing.started)))"
    }
}

/// Reads the run history back from `refs/studyflow/runs`, newest first.
extension RunLedger {
    /// The newest `limit` runs of this workspace (all when nil), newest first. Other workspaces of
    /// the repository, and other worktrees of it, write to the same ref: their runs are skipped
    /// unless `allWorkspaces`.
    public func runs(limit: Int? = nil, allWorkspaces: Bool = false) throws -> [LoggedRun] {
        var result: [LoggedRun] = []
        var next = try repository.resolve(Self.ref)
        while let id = next, limit.map({ result.count < $0 }) ?? true {
            let commit: GitRepository.Commit
            do { commit = try repository.commit(id) } catch {
                throw ProvenanceError.corrupt(ref: Self.ref, reason: "commit \(id.short) cannot be read")
            }
            let record = try runRecord(commit)
            if allWorkspaces || isOwn(record) { result.append(LoggedRun(commit: id, record: record)) }
            next = commit.parent
        }
        return result
    }

    /// The number of this workspace's newest recorded run (0 when none): a run counter lost with
    /// `.studyflow/` continues from here, so numbers do not repeat within a workspace.
    public func latestRunNumber() -> Int {
        ((try? runs(limit: 1)) ?? []).first?.record.run ?? 0
    }

    /// The run named by `reference`, nil for the latest run of this workspace. A reference is a run
    /// number of this workspace (`12`), an offset from its latest run as `diff` reads one
    /// (`HEAD~2`, see `RunReference.offset`), or a prefix of at least 4 characters of a run id or
    /// of a run's commit id. A reference that fits several runs (a number repeated by an older
    /// history, a short prefix) is an error listing them; never a guess.
    public func run(_ reference: String?) throws -> LoggedRun {
        let all = try runs()
        guard let latest = all.first else { throw ProvenanceError.noRuns(repository: repositoryPath) }
        guard let reference else { return latest }
        if let offset = RunReference.offset(reference) {
            guard offset < all.count else { throw ProvenanceError.unknownRun(reference, latest: latest.record.run) }
            return all[offset]
        }
        let text = reference.lowercased()
        if text.allSatisfy({ $0 >= "0" && $0 <= "9" }), let number = Int(text) {
            let numbered = all.filter { $0.record.run == number }
            if numbered.count == 1 { return numbered[0] }
            if numbered.count > 1 { throw ProvenanceError.ambiguousRun(reference, candidates: numbered.map(\.label)) }
        }
        let matches = Self.matching(text, in: all)
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw ProvenanceError.ambiguousRun(reference, candidates: matches.map(\.label)) }
        if let other = Self.matching(text, in: try runs(allWorkspaces: true)).first {
            let place = other.record.place.worktree.map { "worktree '\($0)'" } ?? "the main work tree"
            throw ProvenanceError.otherWorkspace(reference, workspace: other.record.place.workspaceRoot ?? other.record.place.workspace, worktree: place)
        }
        throw ProvenanceError.unknownRun(reference, latest: latest.record.run)
    }

    /// Runs whose id or commit id starts with `prefix` (lowercase; too short or not hex: none).
    static func matching(_ prefix: String, in runs: [LoggedRun]) -> [LoggedRun] {
        guard RunID.isPrefix(prefix) else { return [] }
        return runs.filter { $0.id.hasPrefix(prefix) || (!prefix.contains("-") && $0.commit.hex.hasPrefix(prefix)) }
    }

    func runRecord(_ commit: GitRepository.Commit) throws -> RunRecord {
        guard let blob = try? repository.entry("run.json", inTree: commit.tree),
              let bytes = try? repository.readBlob(blob), let json = JSONText.parse(bytes),
              let record = RunRecord(json: json) else {
            throw ProvenanceError.corrupt(ref: Self.ref, reason: "commit \(commit.id.short) has no readable run.json")
        }
        return record
    }

    /// Every stage record of run `run`, by stage id. Parsed records are memoized by blob id in
    /// `memo`, since consecutive runs share most of them.
    func stageRecords(_ run: LoggedRun, memo: inout [GitOID: StageRecord]) throws -> [String: StageRecord] {
        let commit = try repository.commit(run.commit)
        guard let tree = try repository.entry("stages", inTree: commit.tree) else { return [:] }
        var result: [String: StageRecord] = [:]
        for entry in try repository.treeEntries(tree) where entry.name.hasSuffix(".json") {
            if let known = memo[entry.id] { result[known.stage] = known; continue }
            guard let json = JSONText.parse(try repository.readBlob(entry.id)), let record = StageRecord(json: json) else {
                throw ProvenanceError.corrupt(ref: Self.ref, reason: "stages/\(entry.name) of run \(run.record.run) is not a stage record")
            }
            memo[entry.id] = record
            result[record.stage] = record
        }
        return result
    }

    /// Whether run `run` stored the output `path` with git blob id equal to the file's bytes with
    /// SHA-256 `digest` — i.e. whether the object store of the ledger still holds the bytes.
    func storedOutput(_ run: LoggedRun, path: String) throws -> GitOID? {
        let commit = try repository.commit(run.commit)
        return try repository.entry("outputs/" + path, inTree: commit.tree)
    }

    /// The bytes of a blob.
    func blobBytes(_ id: GitOID) -> [UInt8]? {
        guard repository.contains(id) else { return nil }
        return try? repository.readBlob(id)
    }
}

extension RunLedger {
    /// Every stage record of `run`, by stage id.
    public func stages(of run: LoggedRun) throws -> [String: StageRecord] {
        var memo: [GitOID: StageRecord] = [:]
        return try stageRecords(run, memo: &memo)
    }

    /// The bytes of each file the run's workflow included (`included/PATH` of its commit), by
    /// path; a file the run did not store is missing.
    public func includedFiles(of run: LoggedRun) throws -> [String: [UInt8]] {
        guard !run.record.workflow.includes.isEmpty else { return [:] }
        let commit = try repository.commit(run.commit)
        var files: [String: [UInt8]] = [:]
        for file in run.record.workflow.includes {
            guard let blob = try repository.entry("included/" + file.path, inTree: commit.tree) else { continue }
            files[file.path] = try repository.readBlob(blob)
        }
        return files
    }

    /// The workflow file's bytes as `run` ran it (`workflow.yaml` of its commit), nil if absent.
    public func workflowBytes(of run: LoggedRun) throws -> [UInt8]? {
        let commit = try repository.commit(run.commit)
        guard let blob = try repository.entry("workflow.yaml", inTree: commit.tree) else { return nil }
        return try repository.readBlob(blob)
    }

    /// The bytes of the included workflow file `path` as `run` recorded them (`included/PATH` in its
    /// tree), nil when the run did not keep them (a file outside the workspace, or edited during the run).
    public func includedBytes(of run: LoggedRun, path: String) throws -> [UInt8]? {
        let commit = try repository.commit(run.commit)
        guard let blob = try repository.entry("included/" + path, inTree: commit.tree) else { return nil }
        return try repository.readBlob(blob)
    }
}
