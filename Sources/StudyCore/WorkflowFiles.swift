#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files a workflow may include, read through a protocol so the loader's `include:` handling
/// is tested in memory (`MemoryWorkflowFiles`) and runs on disk (`DiskWorkflowFiles`).
///
/// Paths are as the loader names them: workspace-relative (`Workflows/cohorts/msk.yaml`), or
/// absolute when the workflow file itself lies outside the workspace.
public protocol WorkflowFiles: Sendable {
    /// The bytes of a regular file, or nil when `path` is not one or cannot be read.
    func contents(_ path: String) -> [UInt8]?
    /// Whether `path` is a regular file, a directory, or neither (nil: missing or another kind).
    func kind(_ path: String) -> WorkflowFileKind?
    /// The names in directory `path` (`""` is the workspace root), or nil when it is not one.
    func entries(_ path: String) -> [String]?
    /// The size of a regular file in bytes, so an oversized one is refused before it is read.
    func size(_ path: String) -> Int?
    /// What identifies the file behind `path` however it is spelled (through a symbolic link, or a
    /// linked directory), so a cycle or a second inclusion is found by file, not by spelling.
    func identity(_ path: String) -> String
}

extension WorkflowFiles {
    /// Without a cheaper way, the size of the contents.
    public func size(_ path: String) -> Int? { contents(path)?.count }
    /// Without links, a path is its own identity.
    public func identity(_ path: String) -> String { path }
}

/// What a path names, as far as `include:` cares.
public enum WorkflowFileKind: Sendable, Equatable {
    /// A regular file (a symbolic link to one counts).
    case file
    /// A directory.
    case directory
}

/// Workflow files on disk, under a workspace root.
public struct DiskWorkflowFiles: WorkflowFiles {
    /// Absolute path of the workspace root.
    public let root: String

    /// Reads files under `root`.
    public init(root: String) { self.root = root }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : path.isEmpty ? root : root + "/" + path
    }

    public func contents(_ path: String) -> [UInt8]? {
        guard kind(path) == .file else { return nil }
        return FileIO.read(absolute(path))
    }

    public func kind(_ path: String) -> WorkflowFileKind? {
        var st = stat()
        guard stat(absolute(path), &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return nil
        }
    }

    public func entries(_ path: String) -> [String]? {
        guard kind(path) == .directory else { return nil }
        return try? FileIO.listDirectory(absolute(path))
    }

    public func size(_ path: String) -> Int? { FileIO.size(absolute(path)) }

    public func identity(_ path: String) -> String { FileIO.realPath(absolute(path)) ?? path }
}

/// Workflow files held in memory, for tests and for replaying a recorded run's included files.
public struct MemoryWorkflowFiles: WorkflowFiles {
    /// File contents by path.
    public var files: [String: [UInt8]]

    /// Files by path, given as text.
    public init(_ files: [String: String]) {
        self.files = files.mapValues { Array($0.utf8) }
    }

    /// Files by path, given as bytes.
    public init(bytes files: [String: [UInt8]]) { self.files = files }

    public func contents(_ path: String) -> [UInt8]? { files[path] }

    public func kind(_ path: String) -> WorkflowFileKind? {
        if files[path] != nil { return .file }
        let prefix = path.isEmpty ? "" : path + "/"
        return files.keys.contains { $0.hasPrefix(prefix) } ? .directory : nil
    }

    public func entries(_ path: String) -> [String]? {
        guard kind(path) == .directory else { return nil }
        let prefix = path.isEmpty ? "" : path + "/"
        var names: Set<String> = []
        for key in files.keys where key.hasPrefix(prefix) {
            names.insert(String(key.dropFirst(prefix.count).split(separator: "/", maxSplits: 1)[0]))
        }
        return names.sorted()
    }
}
