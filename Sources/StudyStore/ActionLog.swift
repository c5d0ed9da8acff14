#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// The action records, kept as an append-only log of checksummed entries (as ninja's `.ninja_log`).
///
/// Appending is atomic per entry: an entry torn by a crash fails its checksum and is dropped, with
/// everything after it, the next time the log is opened. Objects are synced before the entries
/// that refer to them are appended, so a record never outlives its outputs.
///
/// Not thread-safe by itself: the engine reads it before a run and funnels appends through one
/// committer; `SharedActionLog` wraps it for concurrent use.
public final class ActionLog: @unchecked Sendable {
    /// The most recent record of each stage id.
    public private(set) var latest: [String: ActionRecord] = [:]
    /// Every remembered record by stage key, so switching a parameter back restores instead of
    /// rerunning. Built on first use: a run where every stage matches its latest record never needs it.
    public var byKey: [Digest: ActionRecord] {
        if let index = keyIndex { return index }
        var index: [Digest: ActionRecord] = [:]
        index.reserveCapacity(history.count + latest.count)
        for record in history { index[record.key] = record }
        for record in latest.values { index[record.key] = record }
        keyIndex = index
        return index
    }
    /// Every recorded output's digests by path; built on first use (only when an output is cleared).
    private var outputIndex: [String: RecordedDigests]?
    /// Superseded records, oldest first.
    private var history: [ActionRecord] = []
    private var keyIndex: [Digest: ActionRecord]?
    /// Superseded records by key (the latest wins), built on first use by `record(stage:key:)`:
    /// the latest records are found by stage, so a run never indexes them a second time (at
    /// 10,000 stages that copy was megabytes of a cold run's peak memory).
    private var supersededIndex: [Digest: ActionRecord]?
    /// Number of entries in the file, live or superseded.
    public private(set) var entryCount = 0

    private let path: String
    private var validLength: Int = 0
    private var fd: Int32 = -1

    static let magic = Array("studyflow-actions 1\n".utf8)

    /// Opens the log at `path`, reading every intact entry. A missing file is an empty log.
    public init(path: String) {
        self.path = path
        guard let bytes = FileIO.read(path), bytes.count >= Self.magic.count,
              Array(bytes[0..<Self.magic.count]) == Self.magic else { return }
        latest.reserveCapacity(bytes.count / 160)
        bytes.withUnsafeBytes { raw in
            var offset = Self.magic.count
            while offset + 12 <= raw.count {
                let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
                let checksum = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt64.self).littleEndian
                let start = offset + 12
                guard start + length <= raw.count else { break }
                let payload = UnsafeRawBufferPointer(rebasing: raw[start..<start + length])
                guard Checksum.fnv1a(payload) == checksum else { break }
                var reader = BinaryReader(payload)
                guard let record = try? ActionRecord(from: &reader) else { break }
                remember(record)
                entryCount += 1
                offset = start + length
            }
            validLength = offset
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    private func remember(_ record: ActionRecord) {
        if let previous = latest.updateValue(record, forKey: record.stage), previous.key != record.key {
            history.append(previous)
            supersededIndex?[previous.key] = previous
        }
        keyIndex?[record.key] = record
        if outputIndex != nil { for output in record.outputs { outputIndex![output.path, default: .empty].insert(output.digest) } }
    }

    /// Whether some record, current or superseded, says a stage wrote exactly `digest` at `path`:
    /// only such content may be deleted, because the store can give it back.
    public func isRecorded(path: String, digest: Digest) -> Bool {
        outputsByPath()[path]?.contains(digest) ?? false
    }

    /// Whether some record has an output at `path`, whatever its bytes.
    public func hasRecordedOutput(at path: String) -> Bool {
        outputsByPath()[path] != nil
    }

    private func outputsByPath() -> [String: RecordedDigests] {
        if let index = outputIndex { return index }
        var index: [String: RecordedDigests] = [:]
        for record in history + Array(latest.values) {
            for output in record.outputs { index[output.path, default: .empty].insert(output.digest) }
        }
        outputIndex = index
        return index
    }

    /// Every remembered record: superseded ones oldest first, then the latest of each stage
    /// (the order `compact(keeping:)` needs to keep the same latest records).
    public var allRecords: [ActionRecord] {
        history + latest.keys.sorted().map { latest[$0]! }
    }

    /// The record to trust for `stage` under `key`: its latest, or an older one with that key.
    public func record(stage: String, key: Digest) -> ActionRecord? {
        if let record = latest[stage], record.key == key { return record }
        guard !history.isEmpty else { return nil }
        if let record = supersededByKey()[key], record.stage == stage { return record }
        return nil
    }

    private func supersededByKey() -> [Digest: ActionRecord] {
        if let index = supersededIndex { return index }
        var index: [Digest: ActionRecord] = [:]
        index.reserveCapacity(history.count)
        for record in history { index[record.key] = record }
        supersededIndex = index
        return index
    }

    /// Appends records. With `durable`, first syncs the file system holding the objects (so the
    /// records' outputs are on disk before the records), then syncs the log.
    public func append(_ records: [ActionRecord], durable: Bool) throws {
        guard !records.isEmpty else { return }
        try openForAppend()
        if durable { Self.syncFileSystem(of: fd) }
        var w = BinaryWriter(capacity: 512 * records.count)
        Self.frame(records, into: &w)
        try w.bytes.withUnsafeBytes { try FileIO.writeAll(fd, $0, path: path) }
        if durable { Self.syncData(fd) }
        validLength += w.bytes.count
        entryCount += records.count
        for record in records { remember(record) }
    }

    private func openForAppend() throws {
        if fd >= 0 { return }
        if validLength == 0 {
            // New log, or an unreadable one: start over atomically with just the header.
            try FileIO.writeAtomically(path, Self.magic)
            validLength = Self.magic.count
        }
        fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIO.Failure("open", path) }
        // Drop a torn tail left by a crash before appending after it.
        if ftruncate(fd, off_t(validLength)) != 0 { throw FileIO.Failure("truncate", path) }
        lseek(fd, off_t(validLength), SEEK_SET)
    }

    /// Rewrites the log atomically keeping only `keep` (e.g. the latest record per stage, for `gc`).
    public func compact(keeping keep: [ActionRecord]) throws {
        if fd >= 0 { close(fd); fd = -1 }
        var w = BinaryWriter(capacity: 512 * keep.count)
        w.append(Self.magic)
        Self.frame(keep, into: &w)
        try FileIO.writeAtomically(path, w.bytes)
        latest = [:]
        history = []
        keyIndex = nil
        supersededIndex = nil
        outputIndex = nil
        for record in keep { remember(record) }
        entryCount = keep.count
        validLength = w.bytes.count
    }

    /// Each record as `[length: u32][checksum: u64][payload]`.
    private static func frame(_ records: [ActionRecord], into w: inout BinaryWriter) {
        for record in records {
            var entry = BinaryWriter()
            record.encode(into: &entry)
            let checksum = entry.bytes.withUnsafeBytes { Checksum.fnv1a($0) }
            withUnsafeBytes(of: UInt32(entry.bytes.count).littleEndian) { w.append(Array($0)) }
            withUnsafeBytes(of: checksum.littleEndian) { w.append(Array($0)) }
            w.append(entry.bytes)
        }
    }
}

/// The digests recorded at one output path: nearly always one, kept without a set (at 10,000
/// stages a set per path was megabytes of a run's memory).
enum RecordedDigests {
    case empty
    case one(Digest)
    case many(Set<Digest>)

    func contains(_ digest: Digest) -> Bool {
        switch self {
        case .empty: return false
        case .one(let only): return only == digest
        case .many(let set): return set.contains(digest)
        }
    }

    mutating func insert(_ digest: Digest) {
        switch self {
        case .empty: self = .one(digest)
        case .one(let only) where only != digest: self = .many([only, digest])
        case .one: break
        case .many(var set):
            self = .empty
            set.insert(digest)
            self = .many(set)
        }
    }
}

extension ActionLog {
    /// Makes every object written so far durable with one call instead of one `fsync` per object:
    /// Linux `syncfs(2)` on the file system holding `fd`; Darwin has no `syncfs`, and its `sync(2)`
    /// (every file system) may return before the writes land, so the guarantee is weaker there.
    static func syncFileSystem(of fd: Int32) {
        #if os(Linux)
        _ = studyflow_syncfs(fd)
        #else
        sync()
        #endif
    }

    /// Makes the log's appended bytes durable: Linux `fdatasync(2)`; Darwin declares no
    /// `fdatasync`, and its `fsync` leaves data in the drive's cache, so `F_FULLFSYNC`.
    static func syncData(_ fd: Int32) {
        #if os(Linux)
        fdatasync(fd)
        #else
        _ = fcntl(fd, F_FULLFSYNC)
        #endif
    }
}

#if os(Linux)
/// glibc's `syncfs(2)` (declared only under `_GNU_SOURCE`, so Glibc's module map hides it).
@_silgen_name("syncfs")
func studyflow_syncfs(_ fd: Int32) -> Int32
#endif
