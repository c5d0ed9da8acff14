#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `include:` merged into a workflow: every included file with the digest of its bytes, and
/// every pattern with the files it matched and the directories it looked in.
///
/// A compiled workflow is reused only while this still holds (`isCurrent(in:)`), and the no-op
/// snapshot watches `watchedPaths`, so editing an included file or adding one that a pattern
/// matches is noticed like an edit of the workflow file.
public struct WorkflowIncludes: Sendable, Equatable {
    /// Included files in load order (depth first, each pattern's matches sorted by bytes).
    public var files: [IncludedFile]
    /// The patterns, as resolved against their including file's directory.
    public var patterns: [IncludePattern]

    /// Nothing included.
    public init(files: [IncludedFile] = [], patterns: [IncludePattern] = []) {
        self.files = files
        self.patterns = patterns
    }

    /// Whether every pattern still matches the same files and every file still has its digest.
    public func isCurrent(in source: any WorkflowFiles) -> Bool {
        for pattern in patterns {
            guard let expansion = try? IncludeGlob.expand(pattern.pattern, in: source),
                  expansion.matches == pattern.matches else { return false }
        }
        for file in files {
            guard let bytes = source.contents(file.path), Digest.of(bytes) == file.digest else { return false }
        }
        return true
    }

    /// Included files and the directories patterns listed: a change to any of them can change
    /// the workflow.
    public var watchedPaths: [String] {
        var seen: Set<String> = []
        let directories = patterns.flatMap(\.directories).map { $0.isEmpty ? "." : $0 }
        return (files.map(\.path) + directories).filter { seen.insert($0).inserted }
    }
}

/// One file merged by `include:`.
public struct IncludedFile: Sendable, Equatable, Hashable {
    /// Workspace-relative path (absolute only under a workflow file outside the workspace).
    public var path: String
    /// SHA-256 of its bytes as loaded.
    public var digest: Digest

    /// Creates an entry.
    public init(path: String, digest: Digest) {
        self.path = path
        self.digest = digest
    }
}

/// One entry of `include:`, resolved against its including file's directory.
public struct IncludePattern: Sendable, Equatable {
    /// The path or glob, e.g. `Workflows/cohorts/*.yaml`.
    public var pattern: String
    /// The files it matched, sorted by bytes.
    public var matches: [String]
    /// The directories whose listing decided the matches.
    public var directories: [String]

    /// Creates an entry.
    public init(pattern: String, matches: [String], directories: [String] = []) {
        self.pattern = pattern
        self.matches = matches
        self.directories = directories
    }
}

/// Expands an `include:` path: `*`, `?` and `[…]` match within one path component (as the shell's
/// glob; a leading `.` must be matched explicitly); matches are regular files, sorted by bytes.
public enum IncludeGlob {
    /// Why a pattern cannot be expanded.
    public enum Problem: Error, Equatable {
        /// `**` was written; only single-component wildcards are supported.
        case recursive
    }

    /// Whether `path` contains a wildcard.
    public static func hasWildcard(_ path: String) -> Bool {
        path.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    /// The regular files `pattern` (a normalized path) names and the directories that were
    /// listed to find them.
    public static func expand(_ pattern: String, in source: any WorkflowFiles) throws(Problem) -> (matches: [String], directories: [String]) {
        let absolute = pattern.hasPrefix("/")
        let components = pattern.split(separator: "/").map(String.init)
        if components.contains(where: { $0.contains("**") }) { throw .recursive }
        var prefixes = [absolute ? "/" : ""]
        var directories: [String] = []
        var listed = false
        for (index, component) in components.enumerated() {
            let last = index == components.count - 1
            var next: [String] = []
            for prefix in prefixes {
                let directory = prefix == "/" ? "/" : prefix
                if !hasWildcard(component) {
                    // Below a wildcard, the file may appear later in any directory matched so far.
                    if listed { directories.append(directory) }
                    next.append(join(prefix, component))
                    continue
                }
                directories.append(directory)
                for name in (source.entries(directory) ?? []) where matches(name, component) {
                    next.append(join(prefix, name))
                }
            }
            if hasWildcard(component) { listed = true }
            prefixes = next.filter { source.kind($0) == (last ? .file : .directory) }
        }
        return (prefixes.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, directories)
    }

    private static func join(_ prefix: String, _ name: String) -> String {
        prefix.isEmpty ? name : prefix == "/" ? "/" + name : prefix + "/" + name
    }

    /// `fnmatch(3)` with `FNM_PERIOD`, so `*.yaml` does not pick up hidden files.
    static func matches(_ name: String, _ pattern: String) -> Bool {
        fnmatch(pattern, name, FNM_PERIOD) == 0
    }
}
