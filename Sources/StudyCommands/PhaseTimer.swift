#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// `--timings`: wall-clock milliseconds per phase, to stderr, read from `SystemClock`, with the
/// process's peak memory at the end of each phase (which phase made the peak of a large run).
struct PhaseTimer {
    let enabled: Bool
    private let start = SystemClock.monotonicSeconds()
    private var last: Double
    private var phases: [(String, Double, Int)] = []

    init(enabled: Bool) {
        self.enabled = enabled
        last = start
    }

    /// Seconds since the timer was created.
    var elapsed: Double { SystemClock.monotonicSeconds() - start }

    mutating func mark(_ phase: String) {
        guard enabled else { return }
        let now = SystemClock.monotonicSeconds()
        phases.append((phase, now - last, Self.peakMemoryKiB()))
        last = now
    }

    func report() {
        guard enabled else { return }
        for (phase, seconds, peak) in phases {
            Console.err("timing: \(phase.padding(to: 14)) \(String(Double(Int(seconds * 10_000)) / 10)) ms, peak \(peak / 1024) MiB\n")
        }
        // CPU of studyflow itself versus its stages' processes: the engine's own overhead.
        for (who, children) in [("studyflow cpu", false), ("stages cpu", true)] {
            let ms = SystemClock.processCPUSeconds(children: children) * 1000
            Console.err("timing: \(who.padding(to: 14)) \(Int(ms)) ms\n")
        }
    }

    /// The peak resident set so far, in KiB (`ru_maxrss`: KiB on Linux, bytes on Darwin).
    static func peakMemoryKiB() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) / 1024
        #endif
    }
}
