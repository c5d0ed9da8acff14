#if canImport(Glibc)
import Glibc
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
    private let memo = Mutex<[String: Digest]>([:])

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
        if let known = memo.withLock({ $0[path] }) { return known }
        guard let st = FileStat.at(rootFD, path, followingSymlinks: true) else { return nil }
        let digest: Digest
        if st.kind == .directory {
            var manifest = DirectoryManifest()
            try manifest.collect(root: layout.absolute(path), input: role == .input ? path : nil) { child in
                let file = path + "/" + child
                guard let fileStat = FileStat.at(rootFD, file, followingSymlinks: true) else { throw FileIO.Failure("read", file) }
                return (try fileDigest(file, stat: fileStat), fileStat.size)
            }
            digest = Digest.of(manifest.encoded())
        } else {
            digest = try fileDigest(path, stat: st)
        }
        memo.withLock { $0[path] = digest }
        return digest
    }

    private func fileDigest(_ path: String, stat: FileStat) throws -> Digest {
        if let digest = cache.digest(of: path, stat: stat) { return digest }
        let absolute = layout.absolute(path)
        let (digest, _) = try FileHasher.hash(absolute)
        // Re-stat: if the file changed while being read, do not remember a digest for the new stat.
        if FileStat.at(rootFD, path, followingSymlinks: true) == stat { cache.remember(path, stat: stat, digest: digest) }
        return digest
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
        memo.withLock { $0[output.path] = output.digest }
        guard !output.isDirectory else {
            for entry in manifest?.entries ?? [] {
                let file = output.path + "/" + entry.path
                if let st = FileStat.at(rootFD, file, followingSymlinks: true) { cache.remember(file, stat: st, digest: entry.digest) }
            }
            return
        }
        if let st = FileStat.at(rootFD, output.path, followingSymlinks: true) { cache.remember(output.path, stat: st, digest: output.digest) }
    }
}
