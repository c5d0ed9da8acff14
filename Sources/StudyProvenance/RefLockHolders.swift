#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether any running process holds a ref's lock file open. git and libgit2 keep a ref's
/// `.lock` open from its creation until they rename it into place, so a lock file that no process
/// has open was left by a writer that died (a `kill -9` during a run's ledger commit): it can be
/// removed instead of blocking every later run until someone deletes it by hand.
enum RefLockHolders {
    /// `true` when some process has `path` open, `false` when none has, `nil` when this system
    /// cannot tell (no `/proc`): then the lock must be treated as held.
    static func anyHolds(_ path: String) -> Bool? {
        #if os(Linux)
        guard let target = realPath(path), let proc = opendir("/proc") else { return nil }
        defer { closedir(proc) }
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { continue }
            if holds(pid: name, target) { return true }
        }
        return false
        #else
        return nil
        #endif
    }

    #if os(Linux)
    /// Whether process `pid` has a descriptor on `target` (descriptors of other users' processes
    /// cannot be read and count as not holding it).
    private static func holds(pid: String, _ target: String) -> Bool {
        let directory = "/proc/\(pid)/fd"
        guard let fds = opendir(directory) else { return false }
        defer { closedir(fds) }
        var buffer = [CChar](repeating: 0, count: 4096)
        while let entry = readdir(fds) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != ".." else { continue }
            let count = readlink(directory + "/" + name, &buffer, buffer.count - 1)
            guard count > 0 else { continue }
            let link = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link == target { return true }
        }
        return false
    }
    #endif

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
