import StudyCore

/// `--timings`: wall-clock milliseconds per phase, to stderr, read from `SystemClock`.
struct PhaseTimer {
    let enabled: Bool
    private let start = SystemClock.monotonicSeconds()
    private var last: Double
    private var phases: [(String, Double)] = []

    init(enabled: Bool) {
        self.enabled = enabled
        last = start
    }

    /// Seconds since the timer was created.
    var elapsed: Double { SystemClock.monotonicSeconds() - start }

    mutating func mark(_ phase: String) {
        guard enabled else { return }
        let now = SystemClock.monotonicSeconds()
        phases.append((phase, now - last))
        last = now
    }

    func report() {
        guard enabled else { return }
        for (phase, seconds) in phases {
            Console.err("timing: \(phase.padding(to: 14)) \(String(Double(Int(seconds * 10_000)) / 10)) ms\n")
        }
        // CPU of studyflow itself versus its stages' processes: the engine's own overhead.
        for (who, children) in [("studyflow cpu", false), ("stages cpu", true)] {
            let ms = SystemClock.processCPUSeconds(children: children) * 1000
            Console.err("timing: \(who.padding(to: 14)) \(Int(ms)) ms\n")
        }
    }
}
