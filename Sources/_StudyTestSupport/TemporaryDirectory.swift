#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// A fresh directory under the system temp directory, removed by `remove()`; each test gets its own.
public final class TemporaryDirectory: @unchecked Sendable {
    /// Absolute, symlink-free path.
    public let path: String

    /// Creates the directory.
    public init(prefix: String = "studyflow-test") {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = FileIO.realPath(String(cString: made!))!
    }

    deinit { remove() }

    /// Deletes the directory and everything in it.
    public func remove() { try? FileIO.removeTree(path) }

    /// Writes `text` to the relative `file`, creating parent directories.
    public func write(_ file: String, _ text: String) {
        let full = path + "/" + file
        if let parent = WorkspacePath.directory(of: full) { try? FileIO.createDirectories(parent) }
        try! FileIO.writeAtomically(full, Array(text.utf8), durable: false)
    }

    /// Reads the relative `file` as text, or `nil`.
    public func read(_ file: String) -> String? { FileIO.readText(path + "/" + file) }

    /// Whether the relative `file` exists.
    public func exists(_ file: String) -> Bool { access(path + "/" + file, F_OK) == 0 }

    /// Deletes the relative `file`.
    public func delete(_ file: String) { try? FileIO.removeTree(path + "/" + file) }

    /// Sets the relative `file`'s modification time to now without changing its bytes (`touch`).
    public func touch(_ file: String) {
        utimensat(AT_FDCWD, path + "/" + file, nil, 0)
    }
}
