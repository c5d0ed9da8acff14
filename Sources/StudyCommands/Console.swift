#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output and standard error without buffering surprises (lines appear in
/// order even when a run is killed), and knows whether they are terminals.
enum Console {
    /// Writes `text` to stdout.
    static func out(_ text: String) { writeAll(1, text) }
    /// Writes `text` to stderr.
    static func err(_ text: String) { writeAll(2, text) }

    /// Whether stderr is a terminal.
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    private static func writeAll(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 { if errno == EINTR { continue }; return }
                done += n
            }
        }
    }
}

/// Collects stdout lines and writes them in large chunks: a no-op run over 10,000 stages would
/// otherwise spend more on 10,000 `write` calls than on deciding that nothing changed. Lines of
/// stages that did something are flushed at once, so progress in a log file stays live.
final class LineBuffer: @unchecked Sendable {
    private var pending = ""
    private let lock = Mutex<Void>(())

    /// Queues `line`; writes everything queued when `urgent` or when the buffer is large.
    func append(_ line: String, urgent: Bool) {
        lock.withLock { _ in
            pending += line
            if urgent || pending.utf8.count > 64 * 1024 { flushLocked() }
        }
    }

    /// Writes everything queued.
    func flush() { lock.withLock { _ in flushLocked() } }

    private func flushLocked() {
        guard !pending.isEmpty else { return }
        Console.out(pending)
        pending = ""
    }
}

import Synchronization
