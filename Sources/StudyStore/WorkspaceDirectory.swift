#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// A directory of the workspace opened by descriptor, one path component at a time, so that
/// writes and deletes made relative to it cannot leave the workspace.
///
/// A symbolic link among the components is followed only when the directory it leads to is
/// inside the workspace root, and that is checked on the opened descriptor itself, not on a path
/// that could be swapped for another link between the check and the write. Every restore and
/// every clearing of an output goes through one of these (DESIGN.md section 2: no symlink escapes).
public final class WorkspaceDirectory {
    /// The open directory.
    public let fd: Int32
    /// Its workspace-relative path ("" for the root).
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Opens the workspace-relative directory `path` below `root`; with `create`, missing
    /// components are made (`mkdir -p`). `output` names the output being written, for the error.
    public static func open(_ path: String, root: String, output: String, create: Bool) throws -> WorkspaceDirectory {
        var fd = openDirectory(root)
        guard fd >= 0 else { throw StoreError.io(FileIO.Failure("open", root)) }
        var walked = ""
        for component in path.split(separator: "/").map(String.init) where component != "." {
            walked += walked.isEmpty ? component : "/" + component
            var next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && create {
                if mkdirat(fd, component, 0o755) != 0 && errno != EEXIST {
                    let failure = FileIO.Failure("create directory", root + "/" + walked)
                    close(fd)
                    throw StoreError.io(failure)
                }
                next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 && (errno == ELOOP || errno == ENOTDIR) && isSymlink(component, in: fd) {
                next = try followInside(component, in: fd, walked: walked, root: root, output: output)
            }
            guard next >= 0 else {
                let failure = FileIO.Failure("open directory", root + "/" + walked)
                close(fd)
                throw StoreError.io(failure)
            }
            close(fd)
            fd = next
        }
        return WorkspaceDirectory(fd: fd, path: path)
    }

    /// Follows the link `name` in `fd` and keeps the directory only if it is inside `root`.
    private static func followInside(_ name: String, in fd: Int32, walked: String, root: String, output: String) throws -> Int32 {
        let next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let target = next >= 0 ? realPath(of: next) : nil
        if let target, target == root || target.hasPrefix(root + "/") { return next }
        if next >= 0 { close(next) }
        let shown = linkText(name, in: fd) ?? target ?? "?"
        close(fd)
        throw StoreError.outsideWorkspace(output: output, link: walked, target: shown)
    }

    private static func isSymlink(_ name: String, in fd: Int32) -> Bool {
        var st = stat()
        return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    private static func linkText(_ name: String, in fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(fd, name, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Where an open descriptor really is, from the kernel (not from a path that may have changed).
    static func realPath(of fd: Int32) -> String? {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        var buffer = [CChar](repeating: 0, count: Int(MAXPATHLEN))
        guard fcntl(fd, F_GETPATH, &buffer) == 0 else { return nil }
        return String(cString: buffer)
        #endif
    }

    /// Removes the entry `name` of this directory: a file or a symbolic link itself (never what a
    /// link points to), or a directory tree whose subdirectories are opened without following links.
    /// A missing entry is not an error.
    public func remove(_ name: String) throws {
        try Self.remove(name, in: fd, display: path.isEmpty ? name : path + "/" + name)
    }

    private static func remove(_ name: String, in fd: Int32, display: String) throws {
        var st = stat()
        guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw StoreError.io(FileIO.Failure("inspect", display))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard sub >= 0 else { throw StoreError.io(FileIO.Failure("open directory", display)) }
            defer { close(sub) }
            for child in try entries(of: sub, display: display) {
                try remove(child, in: sub, display: display + "/" + child)
            }
            if unlinkat(fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT {
                throw StoreError.io(FileIO.Failure("remove directory", display))
            }
        } else if unlinkat(fd, name, 0) != 0 && errno != ENOENT {
            throw StoreError.io(FileIO.Failure("remove", display))
        }
    }

    private static func entries(of fd: Int32, display: String) throws -> [String] {
        let copy = dup(fd)
        guard copy >= 0, let dir = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw StoreError.io(FileIO.Failure("list directory", display))
        }
        defer { closedir(dir) }
        return FileIO.entryNames(dir)
    }

    /// Creates the subdirectory `name` (after removing whatever is there) and opens it.
    public func freshSubdirectory(_ name: String) throws -> WorkspaceDirectory {
        try remove(name)
        let child = path.isEmpty ? name : path + "/" + name
        if mkdirat(fd, name, 0o755) != 0 { throw StoreError.io(FileIO.Failure("create directory", child)) }
        let sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard sub >= 0 else { throw StoreError.io(FileIO.Failure("open directory", child)) }
        return WorkspaceDirectory(fd: sub, path: child)
    }
}

/// `open(2)` of a directory, named apart from `WorkspaceDirectory.open`, which shadows it inside the type.
private func openDirectory(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
}
