#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
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

    /// Whether every object `output` needs is present: its own, and for a directory each file's
    /// in its manifest. (Their bytes are verified while restoring.)
    public func canRestore(_ output: OutputState) -> Bool {
        guard contains(output.digest) else { return false }
        guard output.isDirectory else { return true }
        guard let manifest = manifest(output.digest) else { return true }  // corrupt: restore says so
        return manifest.entries.allSatisfy { contains($0.digest) }
    }

    /// Whether the object with `digest` exists with `size` bytes. An object of another size
    /// (truncated by a full disk or a crash) is quarantined, so storing the bytes again repairs it.
    func containsIntact(_ digest: Digest, size: Int64) -> Bool {
        guard let st = FileStat.of(layout.object(digest)) else { return false }
        if st.size == size { return true }
        quarantine(digest)
        return false
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
            if !containsIntact(digest, size: Int64(bytes.count)) { try put(bytes: bytes, digest: digest) }
            return (digest, Int64(bytes.count), st.isExecutable)
        }
        let temp = FileIO.temporaryName(for: layout.objectsDirectory + "/incoming")
        let (digest, size) = try FileHasher.hash(absolute, copyTo: temp)
        let destination = layout.object(digest)
        if containsIntact(digest, size: size) {
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
    ///
    /// Every write and delete goes through descriptors of the output's directories
    /// (`WorkspaceDirectory`), so a symbolic link placed on the way since the workflow was checked
    /// cannot lead it outside the workspace; a link at the output itself is replaced, not written through.
    public func restore(_ output: OutputState) throws {
        let display = output.isDirectory ? output.path + "/" : output.path
        let parent = try WorkspaceDirectory.open(WorkspacePath.directory(of: output.path) ?? "", root: layout.root,
                                                 output: display, create: true)
        let name = WorkspacePath.lastComponent(of: output.path)
        if output.isDirectory {
            // Read and check the manifest before touching what is on disk.
            guard let bytes = FileIO.read(layout.object(output.digest)) else {
                if contains(output.digest) { throw StoreError.corruptObject(output.digest, path: layout.object(output.digest)) }
                throw StoreError.missingObject(output.digest)
            }
            guard Digest.of(bytes) == output.digest, let manifest = DirectoryManifest(decoding: bytes) else {
                throw StoreError.corruptObject(output.digest, path: layout.object(output.digest))
            }
            for entry in manifest.entries where !contains(entry.digest) { throw StoreError.missingObject(entry.digest) }
            let directory = try parent.freshSubdirectory(name)
            for entry in manifest.entries {
                let target: WorkspaceDirectory
                if let sub = WorkspacePath.directory(of: entry.path) {
                    target = try WorkspaceDirectory.open(output.path + "/" + sub, root: layout.root, output: display, create: true)
                } else {
                    target = directory
                }
                try restoreFile(digest: entry.digest, executable: entry.isExecutable, to: target,
                                name: WorkspacePath.lastComponent(of: entry.path))
            }
        } else {
            // The file is replaced by a rename, so a failed restore leaves the old one in place.
            var st = stat()
            if fstatat(parent.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                try parent.remove(name)
            }
            try restoreFile(digest: output.digest, executable: output.isExecutable, to: parent, name: name)
        }
    }

    private func restoreFile(digest: Digest, executable: Bool, to directory: WorkspaceDirectory, name: String) throws {
        let object = layout.object(digest)
        guard access(object, F_OK) == 0 else { throw StoreError.missingObject(digest) }
        let temp = FileIO.temporaryName(for: name)
        let shown = directory.path.isEmpty ? name : directory.path + "/" + name
        let out = openat(directory.fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw StoreError.io(FileIO.Failure("create", layout.absolute(shown))) }
        let actual: Digest
        do {
            actual = try FileHasher.hash(object, copyTo: out, named: shown).0
        } catch {
            close(out)
            unlinkat(directory.fd, temp, 0)
            // An object that exists but cannot be read (a directory, no permission) is as unusable as a corrupt one.
            if case StoreError.io(let failure) = error, failure.path == object { throw StoreError.corruptObject(digest, path: object) }
            throw error
        }
        fchmod(out, executable ? 0o755 : 0o644)
        close(out)
        guard actual == digest else {
            unlinkat(directory.fd, temp, 0)
            throw StoreError.corruptObject(digest, path: object)
        }
        // renameat replaces a symbolic link at `name` itself; it never writes through it.
        guard renameat(directory.fd, temp, directory.fd, name) == 0 else {
            let failure = FileIO.Failure("restore", layout.absolute(shown))
            unlinkat(directory.fd, temp, 0)
            throw StoreError.io(failure)
        }
    }

    /// Whether the object with `digest` still hashes to its name; `nil` when it is missing. An
    /// object that exists but cannot be read (a directory, no permission) is not intact.
    public func verify(_ digest: Digest) -> Bool? {
        guard FileStat.of(layout.object(digest)) != nil else { return nil }
        guard let hashed = try? FileHasher.hash(layout.object(digest)) else { return false }
        return hashed.0 == digest
    }

    /// Moves the object with `digest` (found corrupt) out of the store into the quarantine
    /// directory, so no record can use it and the next ingest of those bytes stores them afresh.
    /// Returns where it went; if it cannot be moved it is deleted, and `nil` is returned.
    @discardableResult
    public func quarantine(_ digest: Digest) -> String? {
        let object = layout.object(digest)
        let destination = layout.quarantined(digest)
        if (try? FileIO.createDirectories(layout.quarantineDirectory)) != nil, rename(object, destination) == 0 {
            return destination
        }
        try? FileIO.removeTree(object)
        return nil
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
