#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat(2)` says about a file, reduced to what decides whether its digest can be reused.
public struct FileStat: Equatable, Sendable {
    /// Size in bytes.
    public var size: Int64
    /// Modification time in nanoseconds since the epoch.
    public var mtime: Int64
    /// Status-change time in nanoseconds (catches rewrites that restore the mtime).
    public var ctime: Int64
    /// Inode number.
    public var inode: UInt64
    /// Whether the owner's execute bit is set.
    public var isExecutable: Bool
    /// File type.
    public var kind: Kind

    /// The kinds of file the store distinguishes.
    public enum Kind: UInt8, Sendable {
        case file, directory, symlink, other
    }

    /// `lstat` of `path`, or `nil` when it does not exist.
    public static func of(_ path: String) -> FileStat? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return FileStat(st)
    }

    /// `fstatat` relative to the directory `fd` (absolute paths ignore it); shorter path walks
    /// than absolute paths on the no-op path, where every artifact is stat'ed.
    public static func at(_ fd: Int32, _ path: String, followingSymlinks: Bool) -> FileStat? {
        var st = stat()
        guard fstatat(fd, path, &st, followingSymlinks ? 0 : AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return FileStat(st)
    }

    /// `fstat` of the open descriptor `fd`: the file actually being read, whatever its path
    /// points to by now.
    public static func of(descriptor fd: Int32) -> FileStat? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return FileStat(st)
    }

    /// `stat` following symlinks (for inputs, which may be links to data elsewhere).
    public static func following(_ path: String) -> FileStat? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStat(st)
    }

    init(_ st: stat) {
        size = Int64(st.st_size)
        #if os(Linux)
        let (modified, changed) = (st.st_mtim, st.st_ctim)
        #else
        let (modified, changed) = (st.st_mtimespec, st.st_ctimespec)
        #endif
        mtime = Int64(modified.tv_sec) * 1_000_000_000 + Int64(modified.tv_nsec)
        ctime = Int64(changed.tv_sec) * 1_000_000_000 + Int64(changed.tv_nsec)
        inode = UInt64(st.st_ino)
        isExecutable = st.st_mode & S_IXUSR != 0
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
    }

    /// Creates a stat value directly (tests, decoding).
    public init(size: Int64, mtime: Int64, ctime: Int64, inode: UInt64, isExecutable: Bool, kind: Kind) {
        self.size = size
        self.mtime = mtime
        self.ctime = ctime
        self.inode = inode
        self.isExecutable = isExecutable
        self.kind = kind
    }
}
