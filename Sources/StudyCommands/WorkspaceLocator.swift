import StudyCore
import StudyStore

/// Where a command's workspace is, and how paths typed on its command line map into it.
///
/// Without `-C`, the workspace is found upward from the current directory as git finds its
/// repository: the nearest directory, the current one included, that holds a `.studyflow/`
/// directory or a `Workflows/` directory with a `*.yaml` or `*.yml` file; when none does, the
/// current directory. `-C DIR` names the root exactly and is not searched upward (as `make -C`).
/// A relative path typed by the user is relative to where it was typed — the current directory,
/// or DIR under `-C` — and is then mapped into the workspace.
struct WorkspaceLocator {
    /// The workspace root: absolute and symlink-free.
    let root: String
    /// The directory relative paths on the command line start from: absolute and symlink-free.
    let base: String

    /// Locates the workspace for `-C directory`, or upward from the current directory when nil.
    init(directory: String?) throws {
        if let directory {
            guard let real = FileIO.realPath(directory) else { throw CommandError.usage("directory '\(directory)' does not exist") }
            (root, base) = (real, real)
            return
        }
        guard let current = FileIO.realPath(".") else {
            throw CommandError.usage("the current directory no longer exists; change to the workspace or give -C DIR")
        }
        base = current
        root = Self.discover(from: current) ?? current
    }

    /// The nearest directory from `start` upward that is a workspace, or nil.
    static func discover(from start: String) -> String? {
        var directory = start
        while true {
            if isWorkspace(directory) { return directory }
            guard directory != "/", let parent = WorkspacePath.directory(of: directory) else { return nil }
            directory = parent.isEmpty ? "/" : parent
        }
    }

    /// True when `directory` holds `.studyflow/`, or `Workflows/` with a workflow file in it.
    static func isWorkspace(_ directory: String) -> Bool {
        let prefix = directory == "/" ? "" : directory
        if FileStat.of(prefix + "/.studyflow")?.kind == .directory { return true }
        let names = (try? FileIO.listDirectory(prefix + "/Workflows")) ?? []
        return names.contains { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
    }

    /// `path` as typed by the user, for the commands that take it relative to the workspace root:
    /// unchanged when typed at the root or absolute; else relative to the root when it lies inside
    /// (`../data/x.csv` typed in `ROOT/sub` is `data/x.csv`), absolute when it lies outside.
    func map(_ path: String) -> String {
        guard base != root, !path.hasPrefix("/") else { return path }
        let absolute = Self.normalize(base + "/" + path)
        if absolute == root { return "." }
        if absolute.hasPrefix(root == "/" ? "/" : root + "/") { return String(absolute.dropFirst(root == "/" ? 1 : root.count + 1)) }
        return absolute
    }

    /// An absolute path with `.`, `..` and empty components resolved lexically.
    static func normalize(_ absolute: String) -> String {
        var parts: [Substring] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
