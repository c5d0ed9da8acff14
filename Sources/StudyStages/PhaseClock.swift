import StudyCore

/// CPU time of the calling thread, split into named phases, for one log line such as
/// `timing (thread cpu): read 0.412013 s, compute 0.103552 s`. A stage runs on one thread, so this is its
/// own work even when the machine is shared; the survival benchmark reads these lines. The time
/// comes from `SystemClock.threadCPUSeconds()`.
struct PhaseClock {
    private var last = SystemClock.threadCPUSeconds()
    private var phases: [(String, Double)] = []

    /// Ends the current phase under `name`.
    mutating func mark(_ name: String) {
        let t = SystemClock.threadCPUSeconds()
        phases.append((name, t - last))
        last = t
    }

    /// The log line.
    var line: String {
        "timing (thread cpu): " + phases.map { "\($0.0) \(Self.format($0.1)) s" }.joined(separator: ", ")
    }

    /// Seconds with six decimals.
    static func format(_ seconds: Double) -> String { String(micro: seconds) }
}

private extension String {
    /// `x` with six decimals (microseconds: small tables fit in a few).
    init(micro x: Double) {
        let micros = Int((x * 1_000_000).rounded())
        let tail = String(micros % 1_000_000)
        self = "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - tail.count) + tail
    }
}
