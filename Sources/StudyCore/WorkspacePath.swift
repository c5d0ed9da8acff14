/// Lexical rules for paths in a workflow: every artifact path is relative to the workspace root.
public enum WorkspacePath {
    /// The result of normalizing a declared path.
    public enum Normalized: Equatable, Sendable {
        /// A clean relative path (no `.`/`..`/empty components) and whether it names a directory.
        case inside(String, isDirectory: Bool)
        /// An absolute path (allowed for inputs only).
        case absolute(String, isDirectory: Bool)
        /// A relative path that climbs out of the workspace with `..` (allowed for inputs only).
        case escapes(String, isDirectory: Bool)
        /// The empty path or the workspace root itself.
        case empty
    }

    /// Normalizes `path` lexically: drops `.` and empty components, resolves inner `..`.
    public static func normalize(_ path: String) -> Normalized {
        if let clean = cleanDirectory(path) { return .inside(clean ? String(Substring(path.utf8.dropLast())) : path, isDirectory: clean) }
        return normalizeFully(path)
    }

    /// `normalize` by the full rules, for any path (tests hold the short cut to it).
    static func normalizeFully(_ path: String) -> Normalized {
        let isDirectory = path.hasSuffix("/")
        let isAbsolute = path.hasPrefix("/")
        var parts: [Substring] = []
        // Split on the byte '/', not the Character: a '/' followed by a combining mark is one
        // Character to Swift but still a separator to the file system.
        for bytes in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            let component = Substring(bytes)
            if component == "." { continue }
            if component == ".." {
                if parts.isEmpty || parts.last == ".." {
                    if isAbsolute { continue }
                    parts.append(component)
                } else {
                    parts.removeLast()
                }
                continue
            }
            parts.append(component)
        }
        let joined = parts.joined(separator: "/")
        if parts.first == ".." { return .escapes(joined, isDirectory: isDirectory) }
        if isAbsolute { return .absolute("/" + joined, isDirectory: isDirectory) }
        if joined.isEmpty { return .empty }
        return .inside(joined, isDirectory: isDirectory)
    }

    /// For a relative path that is already normal (no empty, `.` or `..` component but for one
    /// final '/'), whether it names a directory; nil for any other path. Most declared paths are
    /// normal, and splitting and joining each of a large workflow's 200,000 paths showed in profiles.
    static func cleanDirectory(_ path: String) -> Bool? {
        let bytes = path.utf8, slash = UInt8(ascii: "/")
        guard let first = bytes.first, first != slash else { return nil }
        let isDirectory = bytes.last == slash
        // `hasSuffix("/")` compares characters: after a non-ASCII byte the '/' may belong to the
        // character before it (a prepended mark), which the full rules decide.
        if isDirectory, bytes.count < 2 || bytes[bytes.index(bytes.endIndex, offsetBy: -2)] >= 0x80 { return nil }
        var length = 0, dots = 0
        for byte in bytes.prefix(bytes.count - (isDirectory ? 1 : 0)) {
            if byte == slash {
                if length == 0 || (length == dots && dots <= 2) { return nil }
                length = 0
                dots = 0
            } else {
                length += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        if length == 0 || (length == dots && dots <= 2) { return nil }
        return isDirectory
    }

    /// The parent directories of a relative path, nearest last: `a/b/c` gives `a`, `a/b`.
    public static func parents(of path: String) -> [String] {
        var result: [String] = []
        var index = path.startIndex
        while let slash = path.utf8[index...].firstIndex(of: UInt8(ascii: "/")) {
            result.append(String(path[..<slash]))
            index = path.utf8.index(after: slash)
        }
        return result
    }

    /// The directory part of `path` (`a/b` for `a/b/c`), or `nil` when it has no slash; splits on
    /// the byte '/'.
    public static func directory(of path: String) -> String? {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return String(path[..<slash])
    }

    /// The last component of `path` (`c` for `a/b/c`).
    public static func lastComponent(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return String(path[path.utf8.index(after: slash)...])
    }
}
