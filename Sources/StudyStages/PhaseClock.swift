#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU time of the calling thread, split into named phases, for one log line such as
/// `timing (thread cpu): read 0.412013 s, compute 0.103552 s`. A stage runs on one thread, so this is its
/// own work even when the machine is shared; the survival benchmark reads these lines.
struct PhaseClock {
    private var last = PhaseClock.now()
    private var phases: [(String, Double)] = []

    /// Ends the current phase under `name`.
    mutating func mark(_ name: String) {
        let t = PhaseClock.now()
        phases.append((name, t - last))
        last = t
    }

    /// The log line.
    var line: String {
        "timing (thread cpu): " + phases.map { "\($0.0) \(Self.format($0.1)) s" }.joined(separator: ", ")
    }

    /// Seconds with six decimals.
    static func format(_ seconds: Double) -> String { String(micro: seconds) }

    /// Monotonic wall-clock seconds, for a stage's own elapsed time (e.g. a simulation on several threads).
    static func wallNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

private extension String {
    /// `x` with six decimals (microseconds: small tables fit in a few).
    init(micro x: Double) {
        let micros = Int((x * 1_000_000).rounded())
        let tail = String(micros % 1_000_000)
        self = "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - tail.count) + tail
    }
}
