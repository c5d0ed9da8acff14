#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One top-level system path recreated inside a sandbox: a directory bound read-only, or a
/// symbolic link made again (Debian's merged `/usr` has `/bin -> usr/bin`, `/lib -> usr/lib`).
public struct SystemEntry: Sendable, Equatable {
    /// What the path is on the host.
    public enum Kind: Sendable, Equatable {
        /// A directory, bound read-only.
        case directory
        /// A symbolic link with this target, recreated as is.
        case symlink(String)
    }

    /// Absolute path, the same inside and outside.
    public var path: String
    /// Directory or link.
    public var kind: Kind

    /// Creates an entry.
    public init(_ path: String, _ kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// The paths a shell, awk, Python or R needs: programs and libraries, `/etc` (the dynamic
    /// linker's cache, `alternatives`, locale and time zone settings) and `/opt` (toolchains
    /// and conda installations live there). `/home`, `/var`, `/srv` and `/mnt` stay out.
    public static let candidates = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"]

    /// Those of `candidates` this host has, as they are here.
    public static func probe(_ paths: [String] = candidates) -> [SystemEntry] {
        paths.compactMap { path in
            var st = stat()
            guard lstat(path, &st) == 0 else { return nil }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: return SystemEntry(path, .directory)
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: 4096)
                let n = readlink(path, &buffer, buffer.count - 1)
                guard n > 0 else { return nil }
                return SystemEntry(path, .symlink(String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)))
            default: return nil
            }
        }
    }
}
