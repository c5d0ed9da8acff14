#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// The state of a workspace after a run that changed nothing: every artifact's `stat`, the
/// workflow's digest, the parameters and environment that entered the keys.
///
/// When all of it still holds, every stage key and every output is what that run verified, so the
/// next run can report all stages up to date after reading one file and calling `stat` once per
/// artifact — no workflow parsing, no key computation, no record decoding. Anything that differs
/// (a touched file, an edited workflow, another `--param`) falls back to the full check, which
/// decides by content and writes a fresh snapshot.
///
/// Only artifacts whose `stat` predates the run by a safety margin are trusted (git's racy-clean
/// rule): a file modified in the same clock tick as it was read would otherwise look unchanged.
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

    static let magic = Array("studyflow-snapshot 2\n".utf8)

    /// Writes the snapshot if every path's `stat` predates `runStart` by `StatCache.racyWindow` and
    /// every file agrees with the stat cache; otherwise removes any old snapshot. `paths` are
    /// workspace paths of every artifact (directories are walked); missing paths are recorded as absent.
    /// `watched` paths (included workflow files, directories an include pattern listed) are
    /// recorded by `stat` alone: neither hashed nor walked.
    public static func write(_ layout: StoreLayout, header: Header, stages: [String], paths: [String],
                             watched: [String] = [], environment: [String], cache: StatCache, runStart: Int64,
                             digestEnvironment: ([String]) -> Digest) {
        let limit = runStart - StatCache.racyWindow
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
            guard let st = FileStat.at(rootFD, path, followingSymlinks: true) else {
                entryBytes.write(UInt64(0))
                entryBytes.write(path)
                continue
            }
            guard st.mtime < limit, st.ctime < limit else { return discard(layout) }
            switch st.kind {
            case .file:
                guard cache.digest(of: path, stat: st) != nil else { return discard(layout) }
            case .directory:
                for child in (try? FileIO.listDirectory(layout.absolute(path))) ?? [] { pending.append(path + "/" + child) }
            case .symlink, .other:
                return discard(layout)
            }
            entryBytes.write(UInt64(1))
            entryBytes.write(path)
            entryBytes.write(st.kind == .directory)
            for value in [st.size, st.mtime, st.ctime] { entryBytes.write(Int(value)) }
            entryBytes.write(st.inode)
        }
        w.write(UInt64(entries))
        w.append(entryBytes.bytes)
        w.write(UInt64(watched.count))
        for path in watched {
            guard let st = FileStat.at(rootFD, path, followingSymlinks: true) else {
                w.write(UInt64(0))
                w.write(path)
                continue
            }
            guard st.mtime < limit, st.ctime < limit else { return discard(layout) }
            w.write(UInt64(1))
            w.write(path)
            w.write(st.kind == .directory)
            for value in [st.size, st.mtime, st.ctime] { w.write(Int(value)) }
            w.write(st.inode)
        }
        try? FileIO.writeAtomically(layout.snapshot, w.bytes, durable: false)
    }

    private static func discard(_ layout: StoreLayout) {
        unlink(layout.snapshot)
    }

    /// The stage ids, in the order the snapshot's run reported them, when the snapshot is valid for
    /// `header` and every recorded path's `stat` is unchanged; otherwise `nil`.
    public static func verify(_ layout: StoreLayout, header: Header, digestEnvironment: ([String]) -> Digest) -> [String]? {
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
                // Artifacts, then watched paths: both as (present, path, kind, size, mtime, ctime, inode).
                for _ in 0..<2 {
                    let entries = try r.readCount()
                    for _ in 0..<entries {
                        let present = try r.readUInt() == 1
                        let path = try r.readString()
                        let now = FileStat.at(rootFD, path, followingSymlinks: true)
                        guard present else {
                            if now != nil { return nil }
                            continue
                        }
                        let isDirectory = try r.readBool()
                        let size = Int64(try r.readInt()), mtime = Int64(try r.readInt()), ctime = Int64(try r.readInt())
                        let inode = try r.readUInt()
                        guard let now, now.size == size, now.mtime == mtime, now.ctime == ctime, now.inode == inode,
                              (now.kind == .directory) == isDirectory else { return nil }
                    }
                }
                return r.isAtEnd ? stages : nil
            } catch {
                return nil
            }
        }
    }
}
