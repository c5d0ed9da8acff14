#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Thin POSIX file primitives used across modules. Everything goes through file descriptors opened
/// close-on-exec, so no descriptor of studyflow leaks into a stage's process.
public enum FileIO {
    /// A failed system call: what was attempted, on which path, and `strerror(errno)`.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var operation: String
        public var path: String
        public var code: Int32
        /// Captures `errno` now.
        public init(_ operation: String, _ path: String, code: Int32 = errno) {
            self.operation = operation
            self.path = path
            self.code = code
        }
        public var description: String { "cannot \(operation) '\(path)': \(String(cString: strerror(code)))" }
    }

    /// The whole file, or `nil` when it does not exist or cannot be read.
    public static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return read(descriptor: fd, sizeHint: Int(st.st_size))
    }

    /// Everything left to read from the open descriptor `fd`, or `nil` on a read error; for a
    /// caller that must `fstat` the very file it reads (`sizeHint` is its size then).
    public static func read(descriptor fd: Int32, sizeHint: Int) -> [UInt8]? {
        // One byte more than the size, so a file that did not grow is read without reallocating.
        var result = [UInt8](repeating: 0, count: max(0, sizeHint) + 1)
        var filled = 0
        while true {
            if filled == result.count { result.append(contentsOf: [UInt8](repeating: 0, count: result.count)) }
            let n = result.withUnsafeMutableBytes { buffer in
                readSome(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            filled += n
        }
        result.removeSubrange(filled...)
        return result
    }

    /// The size in bytes of the file at `path` (following symlinks), or nil when it cannot be
    /// examined; lets a reader refuse an oversized file before reading it.
    public static func size(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    /// The file as UTF-8 text.
    public static func readText(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes all of `bytes` to `fd`, retrying short writes.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("write", path)
            }
            done += n
        }
    }

    /// Replaces `path` atomically: a temp file in the same directory, written, fsynced when
    /// `durable`, then renamed over `path`. A crash leaves the old or the new file, never a mix.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], durable: Bool = true) throws {
        let temp = temporaryName(for: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("create", temp) }
        do {
            try bytes.withUnsafeBytes { try writeAll(fd, $0, path: temp) }
            if durable, fsync(fd) != 0 { throw Failure("sync", temp) }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let failure = Failure("rename into", path)
            unlink(temp)
            throw failure
        }
    }

    private static let counter = Atomic<Int>(0)

    /// A name for a temp file beside `path` that no other process or thread uses.
    public static func temporaryName(for path: String) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        let directory = WorkspacePath.directory(of: path).map { $0 + "/" } ?? ""
        return directory + ".tmp-\(getpid())-\(n)-" + WorkspacePath.lastComponent(of: path)
    }

    /// `mkdir -p`.
    public static func createDirectories(_ path: String) throws {
        if path.isEmpty || path == "/" { return }
        var st = stat()
        if stat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw Failure("create directory", path, code: ENOTDIR)
        }
        if let parent = WorkspacePath.directory(of: path), !parent.isEmpty {
            try createDirectories(parent)
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw Failure("create directory", path) }
    }

    /// `rm -rf`: removes a file, a symlink or a directory tree; a missing path is not an error.
    public static func removeTree(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw Failure("inspect", path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            if rmdir(path) != 0 && errno != ENOENT { throw Failure("remove directory", path) }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw Failure("remove", path)
        }
    }

    /// Entry names of a directory, sorted bytewise, without `.` and `..`.
    public static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw Failure("list directory", path) }
        defer { closedir(dir) }
        return entryNames(dir).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Entry names read from an open directory stream, in directory order, without `.` and `..`.
    public static func entryNames(_ dir: DirectoryStream) -> [String] {
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The absolute, symlink-free form of an existing path.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The current working directory.
    public static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "." }
        defer { free(cwd) }
        return String(cString: cwd)
    }
}

/// `read(2)`, named apart from `FileIO.read(_:)`, which shadows it inside the type.
private func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

#if canImport(Glibc)
/// An open directory stream (`DIR *`) as each platform's C module imports it.
public typealias DirectoryStream = OpaquePointer
#elseif canImport(Darwin)
/// An open directory stream (`DIR *`) as each platform's C module imports it.
public typealias DirectoryStream = UnsafeMutablePointer<DIR>
#endif
