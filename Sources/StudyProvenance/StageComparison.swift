import StudyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The stage records of two runs, matched by stage id and compared cheapest first: equal blob ids
/// (the ledger shares unchanged records between runs), then equal key, kind, outputs and params
/// bytes in the canonical record text (a stage cached in one run and run in the other under the
/// same key), and only then parsed. Only the stages that differ are kept.
struct StageComparison {
    let ledger: RunLedger
    let old: LoggedRun
    let new: LoggedRun
    /// Stage id → record blob, per side.
    let oldBlobs: [String: GitOID]
    let newBlobs: [String: GitOID]
    /// Parsed records of the stages that differ (one side missing for an added or removed stage).
    private(set) var oldRecords: [String: StageRecord] = [:]
    private(set) var newRecords: [String: StageRecord] = [:]
    /// Stages recorded in both runs that agree.
    private(set) var unchanged = 0
    /// Paths every stage of either run writes, parsed on demand (see `inputChanges`).
    private var everyOutput: Set<String>?

    init(ledger: RunLedger, old: LoggedRun, new: LoggedRun) throws {
        self.ledger = ledger
        self.old = old
        self.new = new
        oldBlobs = try ledger.stageBlobs(old)
        newBlobs = try ledger.stageBlobs(new)
        for (stage, blob) in newBlobs {
            guard let before = oldBlobs[stage] else { newRecords[stage] = try ledger.stageRecord(blob, run: new); continue }
            if before == blob { unchanged += 1; continue }
            let a = try ledger.blob(before, run: old), b = try ledger.blob(blob, run: new)
            if let x = Self.keyedPart(a), let y = Self.keyedPart(b), x.elementsEqual(y) { unchanged += 1; continue }
            let ra = try ledger.stageRecord(a, run: old), rb = try ledger.stageRecord(b, run: new)
            if ra.key != nil, ra.key == rb.key, ra.kind == rb.kind, ra.outputs == rb.outputs, ra.params == rb.params { unchanged += 1; continue }
            oldRecords[stage] = ra
            newRecords[stage] = rb
        }
        for (stage, blob) in oldBlobs where newBlobs[stage] == nil {
            oldRecords[stage] = try ledger.stageRecord(blob, run: old)
        }
    }

    /// The part of a canonical stage record from `"key"` up to `"seconds"` — key, kind, outputs
    /// and params, members being sorted — when the key is recorded; nil otherwise (then parse).
    static func keyedPart(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        let start = Array("\n  \"key\": \"".utf8), end = Array("\n  \"seconds\": ".utf8)
        guard let from = firstIndex(of: start, in: bytes[...]), let to = firstIndex(of: end, in: bytes[from...]) else { return nil }
        return bytes[from..<to]
    }

    /// The index of the first occurrence of `pattern` in `bytes` (memchr and memcmp: this runs
    /// over every stage record of both runs).
    static func firstIndex(of pattern: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        return bytes.withUnsafeBytes { haystack -> Int? in
            pattern.withUnsafeBytes { needle -> Int? in
                guard let base = haystack.baseAddress else { return nil }
                var offset = 0
                let last = haystack.count - needle.count
                while offset <= last {
                    guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return nil }
                    let at = UnsafeRawPointer(hit) - base
                    if memcmp(base + at, needle.baseAddress!, needle.count) == 0 { return bytes.startIndex + at }
                    offset = at + 1
                }
                return nil
            }
        }
    }

    /// Stages present in both with differing records, by id.
    func changedPairs() -> [(String, (old: StageRecord, new: StageRecord))] {
        newRecords.keys.sorted().compactMap { stage in oldRecords[stage].map { (stage, (old: $0, new: newRecords[stage]!)) } }
    }

    /// Added, removed and changed stages, sorted by id.
    func stageChanges() -> [RunDiff.StageChange] {
        let ids = Set(oldRecords.keys).union(newRecords.keys).sorted()
        return ids.map { stage in
            let a = oldRecords[stage], b = newRecords[stage]
            var details: [String] = []
            switch (a, b) {
            case (nil, let b?): details.append("only in run \(new.record.run) (\(b.status))")
            case (let a?, nil): details.append("only in run \(old.record.run) (\(a.status))")
            case (let a?, let b?):
                if a.kind != b.kind { details.append("kind \(a.kind) → \(b.kind)") }
                if a.key != b.key { details.append("key \(a.key?.short ?? "none") → \(b.key?.short ?? "none")") }
                if a.status != b.status { details.append("\(a.status) → \(b.status)") }
                if a.key == b.key, a.outputs != b.outputs { details.append("outputs differ under the same key (the stage is not deterministic)") }
            default: break
            }
            return RunDiff.StageChange(stage: stage, old: a.map(RunDiff.StageSide.init), new: b.map(RunDiff.StageSide.init), details: details)
        }
    }

    /// Outputs of the differing stages whose sha256 differs or that one side lacks, by path.
    func outputChanges() -> [RunDiff.FileChange] {
        var before: [String: (String, StageRecord.File)] = [:], after: [String: (String, StageRecord.File)] = [:]
        for (stage, record) in oldRecords where record.status.hasOutputs {
            for file in record.outputs { before[file.path] = (stage, file) }
        }
        for (stage, record) in newRecords where record.status.hasOutputs {
            for file in record.outputs { after[file.path] = (stage, file) }
        }
        return Self.fileChanges(before, after)
    }

    static func fileChanges(_ before: [String: (String, StageRecord.File)], _ after: [String: (String, StageRecord.File)]) -> [RunDiff.FileChange] {
        Set(before.keys).union(after.keys).sorted().compactMap { path in
            let a = before[path], b = after[path]
            if let a, let b, a.1.sha256 == b.1.sha256, a.1.isDirectory == b.1.isDirectory { return nil }
            return RunDiff.FileChange(path: path, stage: (b ?? a)!.0, old: a?.1, new: b?.1)
        }
    }

    /// Source files (read by a stage, written by none) of the differing stages whose sha256
    /// differs or that one side lacks. A path is a source only if no stage of either run writes
    /// it; when that cannot be settled from the differing stages, every record is read once.
    mutating func inputChanges() throws -> [RunDiff.FileChange] {
        var before: [String: (String, StageRecord.File)] = [:], after: [String: (String, StageRecord.File)] = [:]
        for (stage, record) in oldRecords.sorted(by: { $0.key < $1.key }) {
            for file in record.inputs where before[file.path] == nil { before[file.path] = (stage, file) }
        }
        for (stage, record) in newRecords.sorted(by: { $0.key < $1.key }) {
            for file in record.inputs where after[file.path] == nil { after[file.path] = (stage, file) }
        }
        var changedOutputs: Set<String> = []
        for record in oldRecords.values { for file in record.outputs { changedOutputs.insert(file.path) } }
        for record in newRecords.values { for file in record.outputs { changedOutputs.insert(file.path) } }
        let candidates = Self.fileChanges(before, after).filter { !changedOutputs.contains($0.path) }
        // An unchanged stage writes the same bytes in both runs, so a path read with two different
        // recorded digests is no output of one: only a path read in one run alone (or without a
        // digest) needs every record's outputs.
        let settled = candidates.allSatisfy { $0.old?.sha256 != nil && $0.new?.sha256 != nil }
        if settled { return candidates }
        let written = try writtenPaths()
        return candidates.filter { !written.contains($0.path) }
    }

    /// Every path a stage of either run writes, read from the records' `outputs` members without
    /// parsing them whole (see `outputPaths`); each distinct record blob is read once.
    private mutating func writtenPaths() throws -> Set<String> {
        if let everyOutput { return everyOutput }
        var paths: Set<String> = []
        var seen: Set<GitOID> = []
        for (run, blobs) in [(old, oldBlobs), (new, newBlobs)] {
            for blob in blobs.values where seen.insert(blob).inserted {
                let bytes = try ledger.blob(blob, run: run)
                if let found = Self.outputPaths(bytes) {
                    paths.formUnion(found)
                } else {
                    for file in try ledger.stageRecord(bytes, run: run).outputs { paths.insert(file.path) }
                }
            }
        }
        everyOutput = paths
        return paths
    }

    /// The `path` strings of a canonical record's `outputs` member (between `"outputs"` and
    /// `"params"`, members being sorted); nil when the markers are missing or a path holds an
    /// escape, so the caller parses the record instead.
    static func outputPaths(_ bytes: [UInt8]) -> [String]? {
        let start = Array("\n  \"outputs\": ".utf8), end = Array("\n  \"params\": ".utf8), key = Array("\"path\": \"".utf8)
        guard let from = firstIndex(of: start, in: bytes[...]), let to = firstIndex(of: end, in: bytes[from...]) else { return nil }
        var paths: [String] = []
        var i = from
        while let found = firstIndex(of: key, in: bytes[i..<to]) {
            var j = found + key.count
            while j < to, bytes[j] != UInt8(ascii: "\"") {
                if bytes[j] == UInt8(ascii: "\\") { return nil }
                j += 1
            }
            guard j < to else { return nil }
            paths.append(String(decoding: bytes[(found + key.count)..<j], as: UTF8.self))
            i = j + 1
        }
        return paths
    }
}

extension RunLedger {
    /// Stage id → blob id of run `run`'s `stages/` tree.
    func stageBlobs(_ run: LoggedRun) throws -> [String: GitOID] {
        let commit = try repository.commit(run.commit)
        guard let tree = try repository.entry("stages", inTree: commit.tree) else { return [:] }
        var result: [String: GitOID] = [:]
        for entry in try repository.treeEntries(tree) where entry.name.hasSuffix(".json") && !entry.isTree {
            result[String(entry.name.dropLast(5))] = entry.id
        }
        return result
    }

    /// A blob's bytes; a missing blob is a corrupt ledger.
    func blob(_ id: GitOID, run: LoggedRun) throws -> [UInt8] {
        do { return try repository.readBlob(id) } catch {
            throw ProvenanceError.corrupt(ref: Self.ref, reason: "object \(id.short) of run \(run.record.run) cannot be read")
        }
    }

    /// The stage record stored in blob `id`.
    func stageRecord(_ id: GitOID, run: LoggedRun) throws -> StageRecord {
        try stageRecord(try blob(id, run: run), run: run)
    }

    /// The stage record in `bytes`.
    func stageRecord(_ bytes: [UInt8], run: LoggedRun) throws -> StageRecord {
        guard let json = JSONText.parse(bytes), let record = StageRecord(json: json) else {
            throw ProvenanceError.corrupt(ref: Self.ref, reason: "a stage record of run \(run.record.run) is not a stage record")
        }
        return record
    }
}
