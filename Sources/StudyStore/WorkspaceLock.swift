#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// One run per workspace: an exclusive `flock` on `.studyflow/lock`, which also holds the holder's
/// pid for messages. The kernel drops the lock when its holder dies, so a lock left by a killed
/// process is simply taken over.
public final class WorkspaceLock: Sendable {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// The locked descriptor (close-on-exec). The local executor keeps it open in every stage, so
    /// the lock, shared by all copies of the descriptor, is released only when studyflow and the
    /// last process it started are gone.
    public var descriptor: Int32 { fd }

    deinit { close(fd) }

    /// Takes the lock. When another process holds it, calls `waiting` with a description of the
    /// holder and then blocks, or with `wait == false` throws `StoreError.locked`.
    public static func acquire(_ layout: StoreLayout, wait: Bool, waiting: (String) -> Void) throws -> WorkspaceLock {
        try FileIO.createDirectories(layout.stateDirectory)
        let fd = open(layout.lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.io(FileIO.Failure("open", layout.lockFile)) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = describeHolder(layout)
            guard wait else {
                close(fd)
                throw StoreError.locked(holder: holder)
            }
            waiting(holder)
            while flock(fd, LOCK_EX) != 0 {
                if errno != EINTR { close(fd); throw StoreError.io(FileIO.Failure("lock", layout.lockFile)) }
            }
        }
        let text = Array("\(getpid())\n".utf8)
        ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        return WorkspaceLock(fd: fd)
    }

    /// `another studyflow process (pid N)` when a run holds the lock now, `nil` when none does.
    /// Read-only commands use it to tell a run in progress from one that died.
    public static func holder(_ layout: StoreLayout) -> String? {
        let fd = open(layout.lockFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // A shared lock taken and dropped at once: refused only while a run holds it exclusively.
        guard flock(fd, LOCK_SH | LOCK_NB) != 0 else {
            flock(fd, LOCK_UN)
            return nil
        }
        return describeHolder(layout)
    }

    /// `pid N` as written by the holder; when that process is gone, the lock is still held by
    /// stage processes it started, which are being stopped.
    static func describeHolder(_ layout: StoreLayout) -> String {
        let pid = FileIO.readText(layout.lockFile)?.split(separator: "\n").first.map(String.init) ?? "?"
        if let number = pid_t(pid), number > 0, kill(number, 0) != 0, errno == ESRCH {
            return "stage processes left by studyflow (pid \(pid), which has exited)"
        }
        return "another studyflow process (pid \(pid))"
    }
}

/// Numbers runs 1, 2, 3… per workspace; the number names the run's log directory.
public enum RunCounter {
    /// Reserves and returns the next run number. Without a counter file (a new or deleted
    /// `.studyflow/`), numbering continues after `floor`: the newest number the run ledger, which
    /// outlives `.studyflow/`, holds for this workspace. It is read only then, as it may walk history.
    public static func next(_ layout: StoreLayout, after floor: @autoclosure () -> Int = 0) throws -> Int {
        let counted = FileIO.readText(layout.runCounter).flatMap { Int($0.split(separator: "\n").first ?? "") }
        let last = counted ?? floor()
        try FileIO.writeAtomically(layout.runCounter, Array("\(last + 1)\n".utf8))
        return last + 1
    }
}
