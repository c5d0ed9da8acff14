#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Synchronization

/// Whether an artifact is read or written by the stage at hand, for messages.
public enum ArtifactRole: Sendable {
    case input, output
}

/// Digests of artifacts on disk, through the stat cache, remembered for the rest of the run: in a
/// chain, a stage's verified output is the next stage's input, and is not stat'ed twice.
public final class ArtifactHasher: Sendable {
    /// Where relative paths are resolved.
    public let layout: StoreLayout
    /// The cache consulted and updated (keys are workspace paths as written in the workflow).
    public let cache: StatCache
    private let rootFD: Int32
    private let memo = Mutex<[String: (digest: Digest, stamp: ArtifactStamp)]>([:])

    /// Creates a hasher over `layout` using `cache`.
    public init(layout: StoreLayout, cache: StatCache) {
        self.layout = layout
        self.cache = cache
        rootFD = open(layout.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    deinit { if rootFD >= 0 { close(rootFD) } }

    /// The digest of the file or directory at `path`, or `nil` when it does not exist.
    /// Symbolic links among inputs are followed (data often lives elsewhere); `role` names the
    /// artifact in errors (a link inside a directory is refused).
    public func digest(of path: String, role: ArtifactRole = .input) throws -> Digest? {
        try fingerprint(of: path, role: role)?.digest
    }

    /// The digest of `path` and the `stat` of every file it was computed from, each taken before
    /// the file was read, so an edit during or after hashing shows in a later `stamp(of:)`.
    public func fingerprint(of path: String, role: ArtifactRole = .input) throws -> (digest: Digest, stamp: ArtifactStamp)? {
        if let known = memo.withLock({ $0[path] }) { return known }
        guard let st = FileStat.at(rootFD, path, followingSymlinks: true) else { return nil }
        let digest: Digest
        var stamp = ArtifactStamp()
        if st.kind == .directory {
            var manifest = DirectoryManifest()
            try manifest.collect(root: layout.absolute(path), input: role == .input ? path : nil) { child in
                let file = path + "/" + child
                guard let fileStat = FileStat.at(rootFD, file, followingSymlinks: true) else { throw FileIO.Failure("read", file) }
                stamp[file] = fileStat
                return (try fileDigest(file, stat: fileStat), fileStat.size)
            }
            digest = Digest.of(manifest.encoded())
        } else {
            stamp[path] = st
            digest = try fileDigest(path, stat: st)
        }
        memo.withLock { $0[path] = (digest, stamp) }
        return (digest, stamp)
    }

    /// The `stat` of every file at `path` now, without reading any (a directory is walked; a
    /// missing path has no files). Compare with the stamp `fingerprint(of:)` returned.
    public func stamp(of path: String) -> ArtifactStamp {
        var stamp = ArtifactStamp()
        guard let st = FileStat.at(rootFD, path, followingSymlinks: true) else { return stamp }
        guard st.kind == .directory else {
            stamp[path] = st
            return stamp
        }
        var pending = [path]
        while let directory = pending.popLast() {
            for name in (try? FileIO.listDirectory(layout.absolute(directory))) ?? [] {
                let child = directory + "/" + name
                guard let own = FileStat.at(rootFD, child, followingSymlinks: false) else { continue }
                if own.kind == .directory { pending.append(child); continue }
                stamp[child] = FileStat.at(rootFD, child, followingSymlinks: true) ?? own
            }
        }
        return stamp
    }

    private func fileDigest(_ path: String, stat: FileStat) throws -> Digest {
        if let digest = cache.digest(of: path, stat: stat) { return digest }
        let absolute = layout.absolute(path)
        let (digest, _) = try FileHasher.hash(absolute)
        // Re-stat: if the file changed while being read, do not remember a digest for the new stat.
        if FileStat.at(rootFD, path, followingSymlinks: true) == stat { cache.remember(path, stat: stat, digest: digest) }
        return digest
    }

    /// Forgets every digest and stamp remembered during a run; the stat cache keeps its entries.
    /// Nothing reads them once a run's stages are done, and at 10,000 stages they are megabytes
    /// that recording the run's provenance can reuse instead of adding to the peak.
    public func forgetRemembered() {
        memo.withLock { $0 = [:] }
    }

    /// Forgets what is known of `path` (a stage is about to rewrite it); for a directory, of
    /// everything under it too (only then is the remembered set scanned).
    public func invalidate(_ path: String, isDirectory: Bool) {
        memo.withLock { memo in
            memo.removeValue(forKey: path)
            if isDirectory {
                let prefix = path + "/"
                for key in memo.keys where key.hasPrefix(prefix) { memo.removeValue(forKey: key) }
            }
        }
        cache.forget(path)
    }

    /// Remembers the digest of an output just stored or restored (so nothing re-reads it). For a
    /// directory, its `manifest` gives each file's digest, so clearing it later needs only stats.
    public func remember(output: OutputState, manifest: DirectoryManifest? = nil) {
        let current = stamp(of: output.path)
        memo.withLock { $0[output.path] = (output.digest, current) }
        guard !output.isDirectory else {
            for entry in manifest?.entries ?? [] {
                let file = output.path + "/" + entry.path
                if let st = current[file] { cache.remember(file, stat: st, digest: entry.digest) }
            }
            return
        }
        if let st = current[output.path] { cache.remember(output.path, stat: st, digest: output.digest) }
    }
}

/// The `stat` of every file an artifact's digest was computed from (one for a file, every file
/// below a directory), keyed by workspace path: equal stamps mean nothing was written in between.
///
/// A one-file stamp, nearly every artifact's, is kept inline: the run remembers a stamp per
/// artifact, and at 10,000 stages a dictionary each was megabytes of its memory.
public struct ArtifactStamp: Equatable, Sendable {
    private struct File: Equatable, Sendable {
        var path: String
        var stat: FileStat
    }

    /// The only file, when there is exactly one; then `others` is empty.
    private var only: File?
    /// Every file, when there are several.
    private var others: [String: FileStat] = [:]

    /// An empty stamp.
    public init() {}

    /// Workspace path of each file and its `stat`.
    public var files: [String: FileStat] {
        get { only.map { [$0.path: $0.stat] } ?? others }
        set {
            only = nil
            others = [:]
            for (path, stat) in newValue { self[path] = stat }
        }
    }

    /// The `stat` of one file of the stamp, nil when the stamp has no such file; setting nil removes it.
    public subscript(path: String) -> FileStat? {
        get { only.map { $0.path == path ? $0.stat : nil } ?? others[path] }
        set {
            if let only {
                self.only = nil
                others[only.path] = only.stat
            }
            others[path] = newValue
            // The canonical form, so that equal stamps compare equal: one file inline, else the dictionary.
            if others.count == 1, let (single, stat) = others.first {
                only = File(path: single, stat: stat)
                others = [:]
            }
        }
    }

    /// The first path (bytewise order) whose `stat` differs between `self` and `now`, or that
    /// exists in only one of them; paths for which `ignoring` holds are skipped.
    public func firstChange(to now: ArtifactStamp, ignoring: (String) -> Bool = { _ in false }) -> String? {
        let mine = files, theirs = now.files
        let paths = Set(mine.keys).union(theirs.keys).filter { !ignoring($0) }
        return paths.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .first { mine[$0] != theirs[$0] }
    }
}
