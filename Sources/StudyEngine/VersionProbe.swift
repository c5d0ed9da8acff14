#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// Asks a program for its version: `PROG --version` with no stdin, in `/`, with only PATH and
/// `LC_ALL=C` in its environment, stopped after `timeout` seconds. The answer is the first
/// non-empty line of what it printed (stdout and stderr together), at most 200 characters, when
/// it exited 0.
enum VersionProbe {
    static let timeout = 3.0
    static let maximumLength = 200

    /// The version line of the program at `path`, or "" when it printed nothing in time.
    static func firstLine(of path: String, searchPath: String) -> String {
        var template = Array("/tmp/studyflow-version-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return "" }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        defer { close(fd) }
        let environment = ["PATH=" + searchPath, "LC_ALL=C"]
        guard case .success(let pid) = ProcessSpawner.spawn(path: path, arguments: [path, "--version"], environment: environment,
                                                              directory: "/", stdout: fd, stderr: fd) else { return "" }
        let deadline = SystemClock.monotonicSeconds() + timeout
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if SystemClock.monotonicSeconds() > deadline {
                kill(-pid, SIGKILL)  // its own process group: children it started go too
                waitpid(pid, &status, 0)
                return ""
            }
            usleep(2_000)
        }
        // A program that rejects `--version` (dash: "Illegal option --") has no version line.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else { return "" }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 4096, 0) }
        guard count > 0 else { return "" }
        return line(in: bytes[0..<count])
    }

    /// The first line with something other than white space, trimmed, without control
    /// characters, shortened.
    static func line(in output: ArraySlice<UInt8>) -> String {
        let text = String(decoding: output, as: UTF8.self)
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var scalars = Array(line.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F })
            while scalars.last == " " || scalars.last == "\t" { scalars.removeLast() }
            let start = scalars.firstIndex { $0 != " " && $0 != "\t" } ?? scalars.count
            guard start < scalars.count else { continue }
            var shown = String.UnicodeScalarView()
            shown.append(contentsOf: scalars[start...].prefix(maximumLength))
            return String(shown)
        }
        return ""
    }
}
