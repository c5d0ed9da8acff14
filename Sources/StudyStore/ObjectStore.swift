#if canImport(Glibc)
import Glibc
#endif
import StudyCore

/// What the store remembers of one output: its digest, size and mode; for a directory, the digest
/// of its manifest (itself an object listing each file's digest).
public struct OutputState: Equatable, Sendable {
    /// Workspace-relative path (directories without the trailing slash).
    public var path: String
    /// SHA-256 of the bytes, or of the manifest for a directory.
    public var digest: Digest
    /// Size in bytes (total of all files for a directory).
    public var size: Int64
    /// Whether the output is a directory.
    public var isDirectory: Bool
    /// Whether the file is executable (restored with the same mode).
    public var isExecutable: Bool

    /// Creates an output state.
    public init(path: String, digest: Digest, size: Int64, isDirectory: Bool = false, isExecutable: Bool = false) {
        self.path = path
        self.digest = digest
        self.size = size
        self.isDirectory = isDirectory
        self.isExecutable = isExecutable
    }
}

/// The content-addressed object store under `.studyflow/objects/`. Objects are immutable and named by
/// their digest, so writing one twice is harmless and a half-written temp file is never mistaken
/// for an object.
public struct ObjectStore: Sendable {
    /// Where objects live.
    public let layout: StoreLayout

    /// A store over `layout`.
    public init(layout: StoreLayout) { self.layout = layout }

    /// Creates the objects directory; call once before ingesting.
    public func prepare() throws {
        try FileIO.createDirectories(layout.objectsDirectory)
    }

    /// Whether an object with `digest` exists.
    public func contains(_ digest: Digest) -> Bool {
        access(layout.object(digest), F_OK) == 0
    }

    /// Hashes the file or directory at workspace path `path` and copies its bytes into the store.
    /// The object is renamed into place only once complete.
    public func ingest(path: String, isDirectory: Bool) throws -> OutputState {
        let absolute = layout.absolute(path)
        if isDirectory {
            var manifest = DirectoryManifest()
            try manifest.collect(root: absolute) { (file: String) throws -> (Digest, Int64) in
                let state = try ingestFile(absolute + "/" + file)
                return (state.digest, state.size)
            }
            let bytes = manifest.encoded()
            let digest = Digest.of(bytes)
            if !contains(digest) { try put(bytes: bytes, digest: digest) }
            return OutputState(path: path, digest: digest, size: manifest.totalSize, isDirectory: true)
        }
        let state = try ingestFile(absolute)
        return OutputState(path: path, digest: state.digest, size: state.size, isExecutable: state.executable)
    }

    private func ingestFile(_ absolute: String) throws -> (digest: Digest, size: Int64, executable: Bool) {
        guard let st = FileStat.of(absolute) else { throw StoreError.io(FileIO.Failure("read", absolute)) }
        guard st.kind == .file else {
            throw StoreError.unsupportedOutput(path: absolute, kind: st.kind == .symlink ? "symbolic link" : st.kind == .directory ? "directory" : "special file")
        }
        // Small files are read once into memory, hashed, and written to a temp file in their final
        // directory: a rename within one directory avoids the file system's cross-directory
        // rename lock, which thousands of small outputs otherwise queue on.
        if st.size <= 4 << 20, let bytes = FileIO.read(absolute) {
            let digest = Digest.of(bytes)
            if !contains(digest) { try put(bytes: bytes, digest: digest) }
            return (digest, Int64(bytes.count), st.isExecutable)
        }
        let temp = FileIO.temporaryName(for: layout.objectsDirectory + "/incoming")
        let (digest, size) = try FileHasher.hash(absolute, copyTo: temp)
        let destination = layout.object(digest)
        if access(destination, F_OK) == 0 {
            unlink(temp)
        } else {
            try ensureParent(of: destination)
            chmod(temp, 0o444)
            guard rename(temp, destination) == 0 else {
                let failure = FileIO.Failure("store object", destination)
                unlink(temp)
                throw StoreError.io(failure)
            }
        }
        return (digest, size, st.isExecutable)
    }

    /// Stores `bytes` (already hashed to `digest`) as an object.
    public func put(bytes: [UInt8], digest: Digest) throws {
        let destination = layout.object(digest)
        try ensureParent(of: destination)
        do {
            try FileIO.writeAtomically(destination, bytes, durable: false)
            chmod(destination, 0o444)
        } catch { throw StoreError(error) }
    }

    /// Puts the recorded output back at its path, verifying every byte against its digest.
    public func restore(_ output: OutputState) throws {
        let absolute = layout.absolute(output.path)
        if output.isDirectory {
            // Read and check the manifest before touching what is on disk.
            guard let bytes = FileIO.read(layout.object(output.digest)) else { throw StoreError.missingObject(output.digest) }
            guard Digest.of(bytes) == output.digest, let manifest = DirectoryManifest(decoding: bytes) else {
                throw StoreError.corruptObject(output.digest, path: layout.object(output.digest))
            }
            for entry in manifest.entries where !contains(entry.digest) { throw StoreError.missingObject(entry.digest) }
            do {
                try FileIO.removeTree(absolute)
                try FileIO.createDirectories(absolute)
            } catch { throw StoreError(error) }
            for entry in manifest.entries {
                try restoreFile(digest: entry.digest, executable: entry.isExecutable, to: absolute + "/" + entry.path)
            }
        } else {
            // The file is replaced by a rename, so a failed restore leaves the old one in place.
            if FileStat.of(absolute)?.kind == .directory { do { try FileIO.removeTree(absolute) } catch { throw StoreError(error) } }
            try restoreFile(digest: output.digest, executable: output.isExecutable, to: absolute)
        }
    }

    private func restoreFile(digest: Digest, executable: Bool, to destination: String) throws {
        let object = layout.object(digest)
        guard access(object, F_OK) == 0 else { throw StoreError.missingObject(digest) }
        try ensureParent(of: destination)
        let temp = FileIO.temporaryName(for: destination)
        let (actual, _) = try FileHasher.hash(object, copyTo: temp)
        guard actual == digest else {
            unlink(temp)
            throw StoreError.corruptObject(digest, path: object)
        }
        chmod(temp, executable ? 0o755 : 0o644)
        guard rename(temp, destination) == 0 else {
            let failure = FileIO.Failure("restore", destination)
            unlink(temp)
            throw StoreError.io(failure)
        }
    }

    /// The manifest of a directory object.
    public func manifest(_ digest: Digest) -> DirectoryManifest? {
        FileIO.read(layout.object(digest)).flatMap(DirectoryManifest.init(decoding:))
    }

    private func ensureParent(of path: String) throws {
        guard let parent = WorkspacePath.directory(of: path) else { return }
        do { try FileIO.createDirectories(parent) } catch { throw StoreError(error) }
    }

    /// Every object's digest (for `gc`).
    public func allObjects() -> [Digest] {
        var result: [Digest] = []
        for prefix in (try? FileIO.listDirectory(layout.objectsDirectory)) ?? [] where prefix.utf8.count == 2 {
            for rest in (try? FileIO.listDirectory(layout.objectsDirectory + "/" + prefix)) ?? [] {
                if let digest = Digest(hex: prefix + rest) { result.append(digest) }
            }
        }
        return result
    }

    /// Removes the object with `digest`; returns its size.
    public func remove(_ digest: Digest) -> Int64 {
        let path = layout.object(digest)
        let size = FileStat.of(path)?.size ?? 0
        unlink(path)
        return size
    }
}
