#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CStageSpawn

/// Runs a short-lived tool (`sbatch`, `squeue`, …) to completion and captures what it prints.
///
/// Both streams are drained while the tool runs (with `poll`), so a chatty tool never blocks on a
/// full pipe. A tool that cannot be started is a result with status 127, as the shell reports it.
struct CapturedProcess: Sendable {
    /// Exit status; 128 + signal when killed.
    var status: Int32
    /// Everything written to stdout.
    var stdout: String
    /// Everything written to stderr.
    var stderr: String

    /// The first non-empty line of stderr (else stdout), for one-line error messages.
    var message: String {
        let text = stderr.isEmpty ? stdout : stderr
        return text.split(separator: "\n").first.map(String.init) ?? "exit status \(status)"
    }

    /// Runs `path` with `arguments` (not including argv[0]) in `directory`, with this process's environment.
    static func run(_ path: String, _ arguments: [String], directory: String = "/") -> CapturedProcess {
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0 else { return CapturedProcess(status: 127, stdout: "", stderr: "cannot create a pipe") }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            return CapturedProcess(status: 127, stdout: "", stderr: "cannot create a pipe")
        }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let spawned = ProcessSpawner.spawn(path: path, arguments: [path] + arguments, environment: currentEnvironment(),
                                           directory: directory, stdout: out[1], stderr: err[1])
        close(out[1]); close(err[1])
        defer { close(out[0]); close(err[0]) }
        let pid: pid_t
        switch spawned {
        case .success(let p): pid = p
        case .failure(let error):
            return CapturedProcess(status: 127, stdout: "", stderr: "cannot start \(path): \(String(cString: strerror(error.code)))")
        }
        let (stdout, stderr) = drain(out[0], err[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return CapturedProcess(status: code, stdout: stdout, stderr: stderr)
    }

    /// Reads both descriptors until both reach end of file.
    private static func drain(_ a: Int32, _ b: Int32) -> (String, String) {
        var bytes: [[UInt8]] = [[], []]
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while fds.contains(where: { $0.fd >= 0 }) {
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 { if errno == EINTR { continue }; break }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress!, $0.count) }
                if n > 0 {
                    bytes[i].append(contentsOf: buffer[0..<n])
                } else if n == 0 || errno != EINTR {
                    fds[i].fd = -1
                }
            }
        }
        return (String(decoding: bytes[0], as: UTF8.self), String(decoding: bytes[1], as: UTF8.self))
    }

    /// `NAME=VALUE` entries of this process's environment.
    static func currentEnvironment() -> [String] {
        var entries: [String] = []
        let environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = studyflow_environment()
        var index = 0
        while let entry = environment?[index] {
            entries.append(String(cString: entry))
            index += 1
        }
        return entries
    }
}
