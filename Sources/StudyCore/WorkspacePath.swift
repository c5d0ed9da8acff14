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
        let isDirectory = path.hasSuffix("/")
        let isAbsolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
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

    /// The parent directories of a relative path, nearest last: `a/b/c` gives `a`, `a/b`.
    public static func parents(of path: String) -> [String] {
        var result: [String] = []
        var index = path.startIndex
        while let slash = path[index...].firstIndex(of: "/") {
            result.append(String(path[..<slash]))
            index = path.index(after: slash)
        }
        return result
    }
}
