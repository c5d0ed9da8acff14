import StudyCore

/// One stage's history across the runs of this workspace (`studyflow log --stage NAME`), newest
/// first: its record in each run and what changed since the previous run that recorded it.
public struct StageHistory: Sendable {
    /// The stage's part of one run; `record` is nil when the run did not report the stage.
    public struct Entry: Sendable {
        /// The run.
        public var run: LoggedRun
        /// The stage id in this run (a path names whichever stage wrote it then).
        public var stage: String?
        /// The stage's record in the run.
        public var record: StageRecord?
        /// What differs from the next older run that recorded the stage (`first recorded` for the
        /// oldest): `input data/raw.csv changed`, `param threshold 0.5 → 0.6`, `unchanged`.
        public var changes: [String]
    }

    /// The stage id or output path asked for.
    public var name: String
    /// Whether `name` was taken as an output path (no stage has that id).
    public var isPath: Bool
    /// Newest first.
    public var entries: [Entry]
}

extension RunLedger {
    /// Every stage id the newest `limit` runs recorded, sorted: what `log --stage 'cox@*'`
    /// matches a glob or a fan-out template against.
    public func recordedStageIDs(limit: Int? = nil) throws -> [String] {
        let runs = try runs()
        var ids: Set<String> = []
        for run in runs.prefix(limit ?? runs.count) { ids.formUnion(try stageBlobs(run).keys) }
        return ids.sorted()
    }

    /// The history of stage `name` — or, when no run has a stage of that id, of the stage that wrote
    /// output `name` in each run — over this workspace's newest `limit` runs (all when nil).
    /// A name that is neither is `StageHistoryError.unknown`, with the closest stage id.
    public func history(of name: String, limit: Int? = nil) throws -> StageHistory {
        let runs = try runs()
        guard !runs.isEmpty else { throw ProvenanceError.noRuns(repository: repositoryPath) }
        let shown = Array(runs.prefix(limit ?? runs.count))
        let blobs = try shown.map { try stageBlobs($0) }
        let isPath = !blobs.contains { $0[name] != nil }
        var memo: [GitOID: StageRecord] = [:]
        var found: [(String, StageRecord)?] = []
        for (run, stages) in zip(shown, blobs) {
            if !isPath {
                found.append(try stages[name].map { (name, try cachedRecord($0, run: run, memo: &memo)) })
                continue
            }
            var records: [String: StageRecord] = [:]
            for (stage, blob) in stages { records[stage] = try cachedRecord(blob, run: run, memo: &memo) }
            found.append(Self.producer(of: name, in: records).map { ($0, records[$0]!) })
        }
        if found.allSatisfy({ $0 == nil }) {
            let known = Set(blobs.flatMap(\.keys))
            throw StageHistoryError.unknown(name, suggestion: Spelling.suggestion(for: name, among: known), runs: shown.count)
        }
        var entries: [StageHistory.Entry] = []
        for (index, run) in shown.enumerated() {
            let previous = found[(index + 1)...].lazy.compactMap { $0 }.first
            let current = found[index]
            entries.append(.init(run: run, stage: current?.0, record: current?.1,
                                 changes: current.map { Self.changes(from: previous?.1, to: $0.1) } ?? []))
        }
        return StageHistory(name: name, isPath: isPath, entries: entries)
    }

    private func cachedRecord(_ blob: GitOID, run: LoggedRun, memo: inout [GitOID: StageRecord]) throws -> StageRecord {
        if let known = memo[blob] { return known }
        let record = try stageRecord(blob, run: run)
        memo[blob] = record
        return record
    }

    /// What differs between a stage's older record `a` and newer record `b`.
    static func changes(from a: StageRecord?, to b: StageRecord) -> [String] {
        guard let a else { return ["first recorded"] }
        var out: [String] = []
        if a.stage != b.stage { out.append("stage '\(a.stage)' → '\(b.stage)'") }
        if a.kind != b.kind { out.append("kind \(a.kind) → \(b.kind)") }
        let before = Dictionary(a.inputs.map { ($0.path, $0.sha256) }, uniquingKeysWith: { x, _ in x })
        let after = Dictionary(b.inputs.map { ($0.path, $0.sha256) }, uniquingKeysWith: { x, _ in x })
        for path in Set(before.keys).union(after.keys).sorted() where before[path] != after[path] {
            out.append(before[path] == nil ? "input \(path) added" : after[path] == nil ? "input \(path) removed" : "input \(path) changed")
        }
        for name in Set(a.params.keys).union(b.params.keys).sorted() where a.params[name] != b.params[name] {
            out.append("param \(name) \(a.params[name]?.canonicalJSON ?? "(none)") → \(b.params[name]?.canonicalJSON ?? "(none)")")
        }
        if a.key != b.key, out.isEmpty { out.append("key \(a.key?.short ?? "none") → \(b.key?.short ?? "none")") }
        let wrote = Dictionary(a.outputs.map { ($0.path, $0.sha256) }, uniquingKeysWith: { x, _ in x })
        for output in b.outputs where wrote[output.path] != output.sha256 && output.sha256 != nil {
            out.append(wrote[output.path] == nil ? "output \(output.path) added" : "output \(output.path) changed")
        }
        return out.isEmpty ? ["unchanged"] : out
    }
}

/// A `log --stage` name that no recorded run knows: a usage mistake (exit 2).
public enum StageHistoryError: Error, Equatable, CustomStringConvertible {
    /// No run has a stage `name` or an output at that path; `suggestion` is the closest stage id.
    case unknown(String, suggestion: String?, runs: Int)

    public var description: String {
        switch self {
        case .unknown(let name, let suggestion, let runs):
            let hint = suggestion.map { "did you mean '\($0)'? " } ?? ""
            return "no stage or output '\(name)' in the last \(runs) run\(runs == 1 ? "" : "s") of this workspace; \(hint)"
                + "give a stage id or an output path relative to the workspace root (see 'studyflow audit PATH')"
        }
    }
}
