#if canImport(Glibc)
import Glibc
#endif

/// Where this `studyflow` binary is, so SLURM jobs run the very binary that planned the run, and
/// the `PATH` it was started with, where SLURM's tools are looked up.
enum ExecutablePath {
    /// The running executable (`/proc/self/exe`), else `argv[0]` as given.
    static var current: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return CommandLine.arguments.first ?? "studyflow"
    }

    /// `$PATH`, or the POSIX default when unset.
    static var searchPath: String {
        getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
    }
}
