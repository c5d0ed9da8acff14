#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// The state of a workspace after a run that left every stage up to date: every artifact's
/// `stat`, the workflow's digest, the parameters and environment that entered the keys.
///
/// When all of it still holds, every stage key and every output is what that run verified, so the
/// next run can report all stages up to date after reading one file and calling `stat` once per
/// artifact — no workflow parsing, no key computation, no record decoding. Anything that differs
/// (a touched file, an edited workflow, another `--param`) falls back to the full check, which
/// decides by content and writes a fresh snapshot. Any successful run of every stage writes one,
/// including a run that executed stages, so the first no-op run after it is already answered here.
///
/// A `stat` is trusted only when the file was read well after its last change (git's racy-clean
/// rule): a file modified in the same clock tick as it was read could change again unseen. Outputs
/// a run just wrote are read again when the snapshot is written; the few written within the racy
/// window of that moment are recorded with their digest (a directory with its listing) and read
/// again by every check, as git re-reads racily clean index entries.
public enum Snapshot {
    /// What must match besides the files: built from the workflow file, `--param`s and `env:` values.
    public struct Header: Equatable, Sendable {
        /// studyflow version and registered kinds.
        public var stamp: String
        /// Digest of the workflow file's bytes.
        public var workflow: Digest
        /// Digest of the canonical parameter overrides.
        public var context: Digest

        /// Creates a header.
        public init(stamp: String, workflow: Digest, context: Digest) {
            self.stamp = stamp
            self.workflow = workflow
            self.context = context
        }
    }

    static let magic = Array("studyflow-snapshot 4\n".utf8)

    /// How an artifact is recorded: absent, trusted by its `stat`, or racy (its `stat` plus the
    /// digest of its bytes, or of its names for a directory, to compare on every check).
    enum EntryKind: UInt64 {
        case absent = 0, trusted = 1, racyFile = 2, racyDirectory = 3
    }

    /// Writes the snapshot if every file agrees with the stat cache (re-reading racy entries);
    /// otherwise removes any old snapshot. `paths` are workspace paths of every artifact
    /// (directories are walked); missing paths are recorded as absent. Re-read files are
    /// remembered in `cache` (the caller saves it). `watched` paths (included workflow files,
    /// directories an include pattern listed) are recorded by `stat` alone, neither hashed nor
    /// walked: the run loaded them at `runStart`, so a `stat` within the racy window of that moment
    /// may hide an edit the run never saw, and then no snapshot is written.
    /// `facts` are what else the run depended on that no `stat` shows (a container image's
    /// digest by reference): `verify` hands them to its caller to check again.
    public static func write(_ layout: StoreLayout, header: Header, stages: [String], paths: [String],
                             watched: [String] = [], facts: [String: String] = [:], environment: [String], cache: StatCache,
                             runStart: Int64, digestEnvironment: ([String]) -> Digest) {
        let rootFD = open(layout.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return }
        defer { close(rootFD) }
        var w = BinaryWriter(capacity: 64 * paths.count + 64)
        w.append(magic)
        w.write(header.stamp)
        w.write(header.workflow)
        w.write(header.context)
        w.write(UInt64(environment.count))
        for name in environment { w.write(name) }
        w.write(digestEnvironment(environment))
        w.write(UInt64(stages.count))
        for stage in stages { w.write(stage) }
        var pending = paths
        var seen: Set<String> = []
        var entries = 0
        var entryBytes = BinaryWriter(capacity: 64 * paths.count)
        while let path = pending.popLast() {
            guard seen.insert(path).inserted else { continue }
            entries += 1
            // Taken before the entry is read or listed: a change after that shows in its stat.
            let readAt = SystemClock.wallNanoseconds()
            guard let st = FileStat.at(rootFD, path, followingSymlinks: true) else {
                entryBytes.write(EntryKind.absent.rawValue)
                entryBytes.write(path)
                continue
            }
            let kind: EntryKind, digest: Digest?
            switch st.kind {
            case .file:
                guard let known = cache.entry(of: path, stat: st) else { return discard(layout) }
                if known.trusted {
                    (kind, digest) = (.trusted, nil)
                } else {
                    guard let again = reread(layout, path, stat: st, expecting: known.digest, cache: cache) else { return discard(layout) }
                    (kind, digest) = again ? (.trusted, nil) : (.racyFile, known.digest)
                }
            case .directory:
                guard let names = try? FileIO.listDirectory(layout.absolute(path)) else { return discard(layout) }
                for child in names { pending.append(path + "/" + child) }
                let racy = StatCache.isRacy(st, hashedAt: readAt)
                (kind, digest) = racy ? (.racyDirectory, listingDigest(names)) : (.trusted, nil)
            case .symlink, .other:
                return discard(layout)
            }
            write(&entryBytes, kind, path, st, digest)
        }
        w.write(UInt64(entries))
        w.append(entryBytes.bytes)
        w.write(UInt64(watched.count))
        for path in watched {
            guard let st = FileStat.at(rootFD, path, followingSymlinks: true) else {
                w.write(EntryKind.absent.rawValue)
                w.write(path)
                continue
            }
            guard !StatCache.isRacy(st, hashedAt: runStart) else { return discard(layout) }
            write(&w, .trusted, path, st, nil)
        }
        w.write(UInt64(facts.count))
        for (name, value) in facts.sorted(by: { $0.key < $1.key }) {
            w.write(name)
            w.write(value)
        }
        try? FileIO.writeAtomically(layout.snapshot, w.bytes, durable: false)
    }

    /// One present entry: kind, path, whether a directory, size, mtime, ctime, inode, and for a
    /// racy entry the digest to compare at every check.
    private static func write(_ w: inout BinaryWriter, _ kind: EntryKind, _ path: String, _ st: FileStat, _ digest: Digest?) {
        w.write(kind.rawValue)
        w.write(path)
        w.write(st.kind == .directory)
        for value in [st.size, st.mtime, st.ctime] { w.write(Int(value)) }
        w.write(st.inode)
        if let digest { w.write(digest) }
    }

    /// Reads a file whose stat cache entry is racy again: nil when its bytes are not `expecting`
    /// any more or it changed while read; true when it can now be trusted by its `stat` (and is
    /// remembered so), false when it is still within the racy window and must be read at every check.
    private static func reread(_ layout: StoreLayout, _ path: String, stat: FileStat, expecting: Digest, cache: StatCache) -> Bool? {
        let readAt = SystemClock.wallNanoseconds()
        guard let (digest, _) = try? FileHasher.hash(layout.absolute(path)), digest == expecting,
              FileStat.following(layout.absolute(path)) == stat else { return nil }
        guard !StatCache.isRacy(stat, hashedAt: readAt) else { return false }
        cache.remember(path, stat: stat, digest: digest, hashedAt: readAt)
        return true
    }

    /// The digest of a directory's sorted entry names.
    static func listingDigest(_ names: [String]) -> Digest {
        var b = DigestBuilder()
        b.field(UInt64(names.count))
        for name in names { b.field(name) }
        return b.finalize()
    }

    private static func discard(_ layout: StoreLayout) {
        unlink(layout.snapshot)
    }

    /// The stage ids, in the order the snapshot's run reported them, when the snapshot is valid for
    /// `header`, every recorded path's `stat` is unchanged and `factsHold` accepts the recorded
    /// facts (asked last, as checking one may start a program); otherwise `nil`.
    public static func verify(_ layout: StoreLayout, header: Header, digestEnvironment: ([String]) -> Digest,
                              factsHold: ([String: String]) -> Bool = { $0.isEmpty }) -> [String]? {
        guard let bytes = FileIO.read(layout.snapshot) else { return nil }
        let rootFD = open(layout.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return nil }
        defer { close(rootFD) }
        return bytes.withUnsafeBytes { raw -> [String]? in
            guard raw.count > magic.count, Array(raw[0..<magic.count]) == magic else { return nil }
            var r = BinaryReader(raw, offset: magic.count)
            do {
                guard try r.readString() == header.stamp, try r.readDigest() == header.workflow,
                      try r.readDigest() == header.context else { return nil }
                var environment: [String] = []
                for _ in 0..<(try r.readCount()) { environment.append(try r.readString()) }
                guard try r.readDigest() == digestEnvironment(environment) else { return nil }
                var stages: [String] = []
                let count = try r.readCount()
                stages.reserveCapacity(count)
                for _ in 0..<count { stages.append(try r.readString()) }
                // Artifacts, then watched paths, both encoded by `write(_:_:_:_:_:)`; all read before
                // any is checked, so the checks can run on every core.
                var entries = SnapshotEntries()
                for _ in 0..<2 { try entries.decode(try r.readCount(), from: &r) }
                var facts: [String: String] = [:]
                for _ in 0..<(try r.readCount()) {
                    let name = try r.readString()
                    facts[name] = try r.readString()
                }
                guard r.isAtEnd, entries.allUnchanged(bytes: raw, rootFD: rootFD, root: layout) else { return nil }
                return factsHold(facts) ? stages : nil
            } catch {
                return nil
            }
        }
    }
}
