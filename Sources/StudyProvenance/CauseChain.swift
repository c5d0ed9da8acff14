import StudyCore
import StudyStore

/// Why one file differs between two runs (`studyflow diff PATH`): each chain walks the file's
/// lineage from the file up to one root cause — a source file edited, a setting or parameter
/// changed, a stage added or its kind's version moved —
/// `results/report.html changed because results/cox.json changed because data/clinical.csv changed (12 rows edited)`.
public struct CauseChain: Sendable {
    /// The file explained.
    public var path: String
    /// Whether its recorded sha256 differs between the runs (or it exists in one only).
    public var changed: Bool
    /// One chain per root cause, each from the file to the cause: `results/x.json changed`, ….
    public var chains: [[String]]
    /// Every file of the lineage that differs, the file itself first.
    public var files: [RunDiff.FileChange]
    /// Values that moved inside JSON files of `files`.
    public var results: [RunDiff.ResultChange]

    /// The chains as sentences: `a changed because b changed because c changed (3 rows edited)`.
    public var sentences: [String] { chains.map { $0.joined(separator: " because ") } }

    /// At most this many chains are built: a file downstream of thousands of edited sources names
    /// the first ones, not all.
    public static let maximumChains = 50
}

extension RunLedger {
    /// Explains why `path` differs between the runs of `diff` (see `CauseChain`).
    public func explain(_ path: String, in diff: RunDiff) throws -> CauseChain {
        let oldRecords = try stages(of: diff.old), newRecords = try stages(of: diff.new)
        var walk = CauseWalk(ledger: self, diff: diff, old: oldRecords, new: newRecords)
        // A file inside a directory output is explained through that directory's manifest.
        let path = walk.fileChange(path) != nil ? path : diff.outputs.first {
            ($0.old?.isDirectory ?? false || $0.new?.isDirectory ?? false) && path.hasPrefix($0.path + "/")
        }?.path ?? path
        guard walk.producer(of: path) != nil || walk.fileChange(path) != nil || walk.isRead(path) else {
            throw ProvenanceError.notProduced(path: path, runs: 2)
        }
        let change = walk.fileChange(path)
        let chains = change == nil ? [] : Array(walk.chains(path, visiting: []).prefix(CauseChain.maximumChains))
        let files = walk.visited.compactMap { walk.fileChange($0) }
        let paths = Set(walk.visited)
        return CauseChain(path: path, changed: change != nil, chains: chains, files: files,
                          results: diff.results.filter { paths.contains($0.file) })
    }
}

/// The lineage walk behind `CauseChain`, over the parsed stage records of both runs.
struct CauseWalk {
    let ledger: RunLedger
    let diff: RunDiff
    let old: [String: StageRecord]
    let new: [String: StageRecord]
    /// Files reached, in order of first visit.
    private(set) var visited: [String] = []
    private var producedChains = 0
    private let changes: [String: RunDiff.FileChange]

    init(ledger: RunLedger, diff: RunDiff, old: [String: StageRecord], new: [String: StageRecord]) {
        self.ledger = ledger
        self.diff = diff
        self.old = old
        self.new = new
        var changes: [String: RunDiff.FileChange] = [:]
        for change in diff.inputs + diff.outputs { changes[change.path] = change }
        self.changes = changes
    }

    func fileChange(_ path: String) -> RunDiff.FileChange? { changes[path] }

    /// The stage writing `path` in the newer run, else in the older one.
    func producer(of path: String) -> String? {
        RunLedger.producer(of: path, in: new) ?? RunLedger.producer(of: path, in: old)
    }

    func isRead(_ path: String) -> Bool {
        [old, new].contains { $0.values.contains { $0.inputs.contains { $0.path == path } } }
    }

    /// Chains from changed file `path` up to root causes.
    mutating func chains(_ path: String, visiting: Set<String>) -> [[String]] {
        if !visited.contains(path) { visited.append(path) }
        guard let change = changes[path] else { return [] }
        let head = "\(path) changed" + (producer(of: path) == nil ? " (\(describe(change)))" : "")
        guard let stage = producer(of: path), !visiting.contains(path) else { return countChain([[head]]) }
        var result: [[String]] = []
        for cause in stageCauses(stage) { result += countChain([[head, cause]]) }
        let inputs = Set(((new[stage]?.inputs ?? []) + (old[stage]?.inputs ?? [])).map(\.path))
        for input in inputs.sorted() where changes[input] != nil && producedChains < CauseChain.maximumChains {
            for chain in chains(input, visiting: visiting.union([path])) { result.append([head] + chain) }
        }
        if result.isEmpty {
            let why = new[stage] == nil ? "stage '\(stage)' is not in run \(diff.new.record.run)"
                : "stage '\(stage)' wrote different bytes from the same inputs and settings (it is not deterministic)"
            result = countChain([[head, why]])
        }
        return result
    }

    private mutating func countChain(_ chains: [[String]]) -> [[String]] {
        producedChains += chains.count
        return chains
    }

    /// What about stage `stage` itself changed: added, kind version, settings, parameters.
    func stageCauses(_ stage: String) -> [String] {
        let a = old[stage], b = new[stage]
        if a == nil, b != nil { return ["stage '\(stage)' is new in run \(diff.new.record.run)"] }
        var causes: [String] = []
        if let a, let b, a.kind != b.kind { causes.append("stage '\(stage)' kind \(a.kind) → \(b.kind)") }
        let template = StageSelector.template(ofInstance: stage) ?? stage
        for setting in diff.settings where setting.stage == stage || setting.stage == template {
            causes.append("stage '\(setting.stage)' \(setting.field) \(Self.text(setting.old)) → \(Self.text(setting.new))")
        }
        return causes
    }

    /// `12 rows edited, 1 added` for text files both runs' bytes are known of; else digests and sizes.
    func describe(_ change: RunDiff.FileChange) -> String {
        guard let a = change.old else { return "new in run \(diff.new.record.run)" }
        guard let b = change.new else { return "absent from run \(diff.new.record.run)" }
        if let x = ledger.recordedBytes(a, run: diff.old).flatMap(RunLedger.text),
           let y = ledger.recordedBytes(b, run: diff.new).flatMap(RunLedger.text) {
            let counts = UnifiedDiff(old: x, new: y).counts
            let unit = [".csv", ".tsv"].contains { change.path.lowercased().hasSuffix($0) } ? "row" : "line"
            var parts: [String] = []
            for (n, what) in [(counts.edited, "edited"), (counts.added, "added"), (counts.removed, "removed")] where n > 0 {
                parts.append(parts.isEmpty ? "\(n) \(unit)\(n == 1 ? "" : "s") \(what)" : "\(n) \(what)")
            }
            if !parts.isEmpty { return parts.joined(separator: ", ") }
        }
        return RunDiff.describeDigests(a, b)
    }

    static func text(_ value: JSONValue?) -> String { value.map(\.canonicalJSON) ?? "(none)" }
}

extension RunDiff {
    /// `sha256 3f9c2a1e0b11 → 77aa01c2d3e4, 12 → 14 bytes`.
    public static func describeDigests(_ a: StageRecord.File?, _ b: StageRecord.File?) -> String {
        let digests = "sha256 \(a?.sha256?.short ?? "none") → \(b?.sha256?.short ?? "none")"
        let sizes = a?.size == b?.size ? (b?.size.map { ", \($0) bytes" } ?? "") : ", \(a?.size.map(String.init) ?? "?") → \(b?.size.map(String.init) ?? "?") bytes"
        return digests + sizes
    }
}

extension RunLedger {
    /// The bytes of `file` as `run` recorded it, from the ledger (`outputs/`), the run's source
    /// commit in this repository, or the file on disk — each only when its sha256 matches.
    func recordedBytes(_ file: StageRecord.File, run: LoggedRun) -> [UInt8]? {
        guard let digest = file.sha256, !file.isDirectory else { return nil }
        if let bytes = try? storedBytes(run, file: file), Digest.of(bytes) == digest { return bytes }
        if let source = run.record.source.commit, let id = GitOID(hex: source), let commit = try? repository.commit(id),
           let blob = try? repository.entry(prefix + file.path, inTree: commit.tree), let bytes = blobBytes(blob),
           Digest.of(bytes) == digest {
            return bytes
        }
        if let bytes = FileIO.read(layout.absolute(file.path)), Digest.of(bytes) == digest { return bytes }
        return nil
    }
}
