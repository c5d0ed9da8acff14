#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
import MachO
#endif

/// Where this `studyflow` binary is, so SLURM jobs run the very binary that planned the run, and
/// the `PATH` it was started with, where SLURM's tools are looked up.
enum ExecutablePath {
    /// The running executable (Linux: `/proc/self/exe`; Darwin: dyld's `_NSGetExecutablePath`,
    /// made absolute and free of links), else `argv[0]` as given.
    static var current: String {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        #else
        var size: UInt32 = 4096
        var buffer = [CChar](repeating: 0, count: Int(size))
        if _NSGetExecutablePath(&buffer, &size) == 0, let resolved = realpath(buffer, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        #endif
        return CommandLine.arguments.first ?? "studyflow"
    }

    /// `$PATH`, or the POSIX default when unset.
    static var searchPath: String {
        getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
    }
}
