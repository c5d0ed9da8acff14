@preconcurrency import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT, SIGTERM and SIGHUP into one call of `handler` (children are stopped by the
/// executor) and remembers the first signal, so the run exits as make and the shells report a
/// death by that signal: 128 + its number (130, 143, 129).
///
/// A closed terminal (SIGHUP) or a `kill` (SIGTERM) is handled like Ctrl-C: stages are stopped,
/// finished ones stay cached, the run is recorded as interrupted.
final class SignalTrap: Sendable {
    /// The signals handled like Ctrl-C.
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]
    private let first = Atomic<Int32>(0)

    init(_ handler: @escaping @Sendable () -> Void) {
        sources = Self.signals.map { sig in
            signal(sig, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: sig, queue: .global())
        }
        for (sig, source) in zip(Self.signals, sources) {
            source.setEventHandler { [self] in
                _ = first.compareExchange(expected: 0, desired: sig, ordering: .relaxed)
                handler()
            }
            source.resume()
        }
    }

    /// The first signal received, if any.
    var received: Int32? {
        let value = first.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// The exit status for an interrupted run: 128 + the signal (130 when none was recorded).
    var exitStatus: Int32 { 128 + (received ?? SIGINT) }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
