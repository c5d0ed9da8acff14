#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore

/// `path` if the file exists (a stage that printed nothing has no log).
func existing(_ path: String) -> String? {
    FileStat.of(path) != nil ? path : nil
}

/// Appends text to a log file.
func appendToLog(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var text = text
    text.withUTF8 { _ = try? FileIO.writeAll(fd, UnsafeRawBufferPointer($0), path: path) }
}

func parentDirectory(_ path: String) -> String {
    WorkspacePath.directory(of: path) ?? "."
}

/// The last lines of a stage's log, for failure messages.
enum LogTail {
    static func render(_ path: String, lines: Int = 10) -> String {
        guard let text = FileIO.readText(path), !text.isEmpty else { return "" }
        let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1)
        let body = tail.joined(separator: "\n").trimmingTrailingNewlines()
        guard !body.isEmpty else { return "" }
        return "\n--- last lines of \(path) ---\n" + body
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
