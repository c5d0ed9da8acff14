#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@preconcurrency import Dispatch
import StudyCore
import Synchronization

/// The recorded artifacts of a snapshot being verified: decoded in one pass without making a
/// `String` per path (a path is a range of the snapshot's bytes), then `stat`-ed in chunks on
/// every core, as a no-op run of 10,000 stages makes 20,000 `stat` calls and little else.
///
/// The answer does not depend on the order in which the chunks run: it is "every entry unchanged"
/// or not, and the first change any chunk sees stops the others early.
struct SnapshotEntries {
    /// One recorded artifact; `path` is a byte range of the snapshot.
    struct Entry: Sendable {
        var kind: Snapshot.EntryKind
        var pathStart: Int
        var pathCount: Int
        var isDirectory: Bool
        var size: Int64
        var mtime: Int64
        var ctime: Int64
        var inode: UInt64
        /// A racy entry's digest of its bytes (a directory: of its names).
        var digest: Digest?
    }

    /// Entries per chunk of work: large enough that handing a chunk to a thread costs little
    /// beside its `stat` calls, small enough that both cores get several.
    static let chunkSize = 1024

    private(set) var entries: [Entry] = []

    /// Decodes `count` entries (as `Snapshot.write(_:_:_:_:_:)` encodes them) from `reader`.
    mutating func decode(_ count: Int, from r: inout BinaryReader) throws(BinaryFormatError) {
        entries.reserveCapacity(entries.count + count)
        for _ in 0..<count {
            guard let kind = Snapshot.EntryKind(rawValue: try r.readUInt()) else { throw BinaryFormatError() }
            let pathCount = try r.readCount()
            let pathStart = r.offset
            try r.skip(pathCount)
            var entry = Entry(kind: kind, pathStart: pathStart, pathCount: pathCount, isDirectory: false,
                              size: 0, mtime: 0, ctime: 0, inode: 0, digest: nil)
            if kind != .absent {
                entry.isDirectory = try r.readBool()
                entry.size = Int64(try r.readInt())
                entry.mtime = Int64(try r.readInt())
                entry.ctime = Int64(try r.readInt())
                entry.inode = try r.readUInt()
                if kind == .racyFile || kind == .racyDirectory { entry.digest = try r.readDigest() }
            }
            entries.append(entry)
        }
    }

    /// Whether every entry is as recorded: same `stat` (or still absent), and a racy entry's
    /// bytes or names still have the recorded digest. `bytes` is the snapshot the entries were
    /// decoded from; relative paths resolve against the open directory `rootFD` under `root`.
    func allUnchanged(bytes: UnsafeRawBufferPointer, rootFD: Int32, root: StoreLayout) -> Bool {
        let chunks = (entries.count + Self.chunkSize - 1) / Self.chunkSize
        guard chunks > 1 else { return unchanged(0..<entries.count, bytes: bytes, rootFD: rootFD, root: root, stop: nil) }
        let changed = StopFlag()
        let shared = SharedBytes(bytes: bytes)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = chunk * Self.chunkSize..<min(entries.count, (chunk + 1) * Self.chunkSize)
            if !unchanged(range, bytes: shared.bytes, rootFD: rootFD, root: root, stop: changed) { changed.raise() }
        }
        return !changed.isRaised
    }

    /// Checks `range` in order; false at the first change, or as soon as `stop` is raised by another chunk.
    private func unchanged(_ range: Range<Int>, bytes: UnsafeRawBufferPointer, rootFD: Int32, root: StoreLayout, stop: StopFlag?) -> Bool {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(PATH_MAX) + 1) { path in
            for index in range {
                if index & 63 == 0, stop?.isRaised == true { return false }
                let entry = entries[index]
                guard entry.pathCount <= Int(PATH_MAX) else { return false }
                // The path, NUL-terminated, straight from the snapshot's bytes.
                let source = UnsafeRawBufferPointer(rebasing: bytes[entry.pathStart..<entry.pathStart + entry.pathCount])
                UnsafeMutableRawBufferPointer(path).copyMemory(from: source)
                path[entry.pathCount] = 0
                guard check(entry, path: path.baseAddress!, source: source, rootFD: rootFD, root: root) else { return false }
            }
            return true
        }
    }

    /// One entry against the file system.
    private func check(_ entry: Entry, path: UnsafePointer<CChar>, source: UnsafeRawBufferPointer, rootFD: Int32, root: StoreLayout) -> Bool {
        var st = stat()
        let found = fstatat(rootFD, path, &st, 0) == 0
        guard entry.kind != .absent else { return !found }
        guard found else { return false }
        let now = FileStat(st)
        guard now.size == entry.size, now.mtime == entry.mtime, now.ctime == entry.ctime, now.inode == entry.inode,
              (now.kind == .directory) == entry.isDirectory else { return false }
        guard let expected = entry.digest else { return true }
        let absolute = root.absolute(String(decoding: source, as: UTF8.self))
        switch entry.kind {
        case .racyFile:
            return (try? FileHasher.hash(absolute))?.0 == expected
        case .racyDirectory:
            guard let names = try? FileIO.listDirectory(absolute) else { return false }
            return Snapshot.listingDigest(names) == expected
        case .absent, .trusted:
            return true
        }
    }
}

/// Raised by the first chunk that sees a change, so the others stop early.
private final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    var isRaised: Bool { raised.load(ordering: .relaxed) }
    func raise() { raised.store(true, ordering: .relaxed) }
}

/// The snapshot's bytes, read (never written) by every chunk while `Snapshot.verify` holds them.
private struct SharedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
}
