import StudyCore
import StudyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The workspace's `.gitignore`, which should keep `.studyflow/` (the store, logs and caches) out
/// of git. `studyflow init` always makes sure of it; a first `run` only inside a git work tree
/// that does not ignore `.studyflow/` already. The line is appended, so the user's own lines are
/// never rewritten.
enum GitIgnoreFile {
    /// The line added.
    static let stateLine = ".studyflow/"

    /// What `ensureStateIgnored` did.
    enum Change: Equatable {
        case created, appended, unchanged
    }

    /// Adds `.studyflow/` to `ROOT/.gitignore` unless a line already ignores it (`.studyflow`,
    /// `.studyflow/`, `/.studyflow`, `/.studyflow/`), creating the file when missing.
    static func ensureStateIgnored(root: String) throws -> Change {
        let path = root + "/.gitignore"
        let existing = FileIO.read(path)
        if let existing {
            let lines = String(decoding: existing, as: UTF8.self).split(whereSeparator: \.isNewline)
            let ignoring: Set<String> = [".studyflow", ".studyflow/", "/.studyflow", "/.studyflow/"]
            if lines.contains(where: { ignoring.contains($0.trimmingCharacters(in: " \t\r")) }) { return .unchanged }
        } else if FileStat.of(path) != nil {
            return .unchanged   // a directory or something else unreadable: not ours to touch
        }
        let separator = existing.map { !$0.isEmpty && $0.last != UInt8(ascii: "\n") } == true ? "\n" : ""
        let text = Array((separator + stateLine + "\n").utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CommandError.failure("cannot write '\(path)': \(String(cString: strerror(errno))); add the line '\(stateLine)' to it yourself") }
        defer { close(fd) }
        try text.withUnsafeBytes { try FileIO.writeAll(fd, $0, path: path) }
        return existing == nil ? .created : .appended
    }

    /// True when `root` lies in a git work tree: it or an ancestor holds `.git` (a directory, or
    /// a file as in linked worktrees and submodules). Used when the ledger is off.
    static func inGitWorkTree(_ root: String) -> Bool {
        var directory = root
        while true {
            if FileStat.of((directory == "/" ? "" : directory) + "/.git") != nil { return true }
            guard directory != "/", let parent = WorkspacePath.directory(of: directory) else { return false }
            directory = parent.isEmpty ? "/" : parent
        }
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var s = self[...]
        while let first = s.first, characters.contains(first) { s.removeFirst() }
        while let last = s.last, characters.contains(last) { s.removeLast() }
        return String(s)
    }
}
