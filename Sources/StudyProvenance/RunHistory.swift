import StudyCore

/// One run as the ledger holds it.
public struct LoggedRun: Sendable {
    /// The run's commit.
    public var commit: GitOID
    /// Its `run.json`.
    public var record: RunRecord
}

/// Reads the run history back from `refs/studyflow/runs`, newest first.
extension RunLedger {
    /// The newest `limit` runs of this workspace (all when nil), newest first.
    public func runs(limit: Int? = nil) throws -> [LoggedRun] {
        var result: [LoggedRun] = []
        var next = try repository.resolve(Self.ref)
        while let id = next, limit.map({ result.count < $0 }) ?? true {
            let commit: GitRepository.Commit
            do { commit = try repository.commit(id) } catch {
                throw ProvenanceError.corrupt(ref: Self.ref, reason: "commit \(id.short) cannot be read")
            }
            let record = try runRecord(commit)
            // Other workspaces of the same repository write to the same ref: skip their runs.
            if record.workspace == workspaceName { result.append(LoggedRun(commit: id, record: record)) }
            next = commit.parent
        }
        return result
    }

    /// The run named by `id`: a run number (`12`), a commit id or prefix of at least 7 digits, or
    /// nil for the latest run.
    public func run(_ id: String?) throws -> LoggedRun {
        let all = try runs()
        guard let latest = all.first else { throw ProvenanceError.noRuns(repository: repositoryPath) }
        guard let id else { return latest }
        if let number = Int(id), let match = all.first(where: { $0.record.run == number }) { return match }
        if id.count >= 7, let match = all.first(where: { $0.commit.hex.hasPrefix(id.lowercased()) }) { return match }
        throw ProvenanceError.unknownRun(id, latest: latest.record.run)
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

    /// The workflow file's bytes as `run` ran it (`workflow.yaml` of its commit), nil if absent.
    public func workflowBytes(of run: LoggedRun) throws -> [UInt8]? {
        let commit = try repository.commit(run.commit)
        guard let blob = try repository.entry("workflow.yaml", inTree: commit.tree) else { return nil }
        return try repository.readBlob(blob)
    }
}
