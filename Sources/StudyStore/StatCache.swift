import StudyCore
import Synchronization

/// Remembers each file's digest with the `stat` facts it was computed under (size, mtime, ctime,
/// inode), as git's index does, so an unchanged file is never re-read and a `touch` that changes
/// no bytes reruns nothing (the file is re-hashed once, found equal, and remembered again).
///
/// A file modified within `racyWindow` of being hashed could change again without a visible mtime
/// change; such entries are not trusted (git's "racily clean" rule).
public final class StatCache: Sendable {
    struct Entry: Equatable {
        var stat: FileStat
        var digest: Digest
        var hashedAt: Int64
    }

    private struct State {
        var entries: [String: Entry]
        var dirty = false
    }

    private let state: Mutex<State>
    private let path: String
    /// Entries whose mtime is this close to the time they were hashed are re-hashed (nanoseconds).
    public static let racyWindow: Int64 = 100_000_000

    static let magic = Array("studyflow-stat 1\n".utf8)

    /// Loads the cache at `path`; a missing or corrupt file is an empty cache.
    public init(path: String) {
        self.path = path
        var entries: [String: Entry] = [:]
        if let bytes = FileIO.read(path), bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic {
            bytes.withUnsafeBytes { raw in
                var r = BinaryReader(raw, offset: Self.magic.count)
                do {
                    let count = try r.readCount()
                    entries.reserveCapacity(count)
                    for _ in 0..<count {
                        let key = try r.readString()
                        let st = FileStat(size: Int64(try r.readInt()), mtime: Int64(try r.readInt()),
                                          ctime: Int64(try r.readInt()), inode: try r.readUInt(),
                                          isExecutable: try r.readBool(), kind: .file)
                        entries[key] = Entry(stat: st, digest: try r.readDigest(), hashedAt: Int64(try r.readInt()))
                    }
                } catch {
                    entries = [:]
                }
            }
        }
        state = Mutex(State(entries: entries))
    }

    /// The remembered digest of `path` if `stat` still matches and the entry is not racy.
    public func digest(of path: String, stat: FileStat) -> Digest? {
        state.withLock { state in
            guard let entry = state.entries[path], entry.stat == stat, !Self.isRacy(stat, hashedAt: entry.hashedAt)
            else { return nil }
            return entry.digest
        }
    }

    /// The remembered digest of `path` if `stat` still matches, and whether it can be trusted
    /// without reading the file (false: the entry is racy, so the file may have changed since it
    /// was hashed without its `stat` showing it; only re-reading can tell).
    public func entry(of path: String, stat: FileStat) -> (digest: Digest, trusted: Bool)? {
        state.withLock { state in
            guard let entry = state.entries[path], entry.stat == stat else { return nil }
            return (entry.digest, !Self.isRacy(stat, hashedAt: entry.hashedAt))
        }
    }

    /// Whether a file with `stat` read at `hashedAt` (nanoseconds) could change again without a
    /// visible change of its `stat`.
    public static func isRacy(_ stat: FileStat, hashedAt: Int64) -> Bool {
        !(stat.mtime < hashedAt - racyWindow && stat.ctime < hashedAt - racyWindow)
    }

    /// Remembers that `path`, as described by `stat`, has `digest`, read at `hashedAt` (nanoseconds).
    public func remember(_ path: String, stat: FileStat, digest: Digest, hashedAt: Int64) {
        let entry = Entry(stat: stat, digest: digest, hashedAt: hashedAt)
        state.withLock { state in
            state.entries[path] = entry
            state.dirty = true
        }
    }

    /// Remembers that `path`, as described by `stat`, has `digest` (hashed just now).
    public func remember(_ path: String, stat: FileStat, digest: Digest) {
        let entry = Entry(stat: stat, digest: digest, hashedAt: SystemClock.wallNanoseconds())
        state.withLock { state in
            state.entries[path] = entry
            state.dirty = true
        }
    }

    /// Forgets `path` (its file was removed or is about to be rewritten).
    public func forget(_ path: String) {
        state.withLock { state in
            if state.entries.removeValue(forKey: path) != nil { state.dirty = true }
        }
    }

    /// Writes the cache atomically if anything changed. Losing it costs only re-hashing, so it is not fsynced.
    public func save() throws {
        let bytes: [UInt8]? = state.withLock { state in
            guard state.dirty else { return nil }
            state.dirty = false
            var w = BinaryWriter(capacity: 96 * state.entries.count + 32)
            w.append(Self.magic)
            w.write(UInt64(state.entries.count))
            for key in state.entries.keys.sorted() {
                let e = state.entries[key]!
                w.write(key)
                w.write(Int(e.stat.size)); w.write(Int(e.stat.mtime)); w.write(Int(e.stat.ctime))
                w.write(e.stat.inode); w.write(e.stat.isExecutable)
                w.write(e.digest)
                w.write(Int(e.hashedAt))
            }
            return w.bytes
        }
        if let bytes { try FileIO.writeAtomically(path, bytes, durable: false) }
    }
}
