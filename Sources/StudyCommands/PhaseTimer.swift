#if canImport(Glibc)
import Glibc
#endif

/// `--timings`: wall-clock milliseconds per phase, to stderr.
struct PhaseTimer {
    let enabled: Bool
    private var last = monotonicSeconds()
    private var phases: [(String, Double)] = []

    init(enabled: Bool) { self.enabled = enabled }

    /// Seconds since the timer was created.
    var elapsed: Double { monotonicSeconds() - start }
    private let start = monotonicSeconds()

    mutating func mark(_ phase: String) {
        guard enabled else { return }
        let now = monotonicSeconds()
        phases.append((phase, now - last))
        last = now
    }

    func report() {
        guard enabled else { return }
        for (phase, seconds) in phases {
            Console.err("timing: \(phase.padding(to: 14)) \(String(Double(Int(seconds * 10_000)) / 10)) ms\n")
        }
        // CPU of studyflow itself versus its stages' processes: the engine's own overhead.
        for (who, target) in [("studyflow cpu", RUSAGE_SELF.rawValue), ("stages cpu", RUSAGE_CHILDREN.rawValue)] {
            var usage = rusage()
            getrusage(target, &usage)
            let ms = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
            Console.err("timing: \(who.padding(to: 14)) \(Int(ms)) ms\n")
        }
    }
}
