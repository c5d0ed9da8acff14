#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one clock of studyflow: monotonic time for durations, wall-clock time for records and
/// stat-cache raciness, and CPU time (of the calling thread, the process, or its finished
/// children) for `--timings` and the stages' `timing (thread cpu): …` log lines.
///
/// Every clock read in the code goes through here, so its platform calls sit in one place.
public enum SystemClock {
    /// Monotonic seconds (never jumps with the wall clock), for elapsed times.
    public static func monotonicSeconds() -> Double {
        seconds(of: CLOCK_MONOTONIC)
    }

    /// Wall-clock seconds since 1970, with sub-second precision, for run records.
    public static func wallSeconds() -> Double {
        seconds(of: CLOCK_REALTIME)
    }

    /// Wall-clock nanoseconds since 1970, for comparing with file modification times.
    public static func wallNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// CPU seconds of the calling thread: a stage's own work even on a shared machine.
    /// `CLOCK_THREAD_CPUTIME_ID` exists on Linux and on macOS (10.12 and later).
    public static func threadCPUSeconds() -> Double {
        seconds(of: CLOCK_THREAD_CPUTIME_ID)
    }

    /// User plus system CPU seconds of this process, or (with `children`) of its waited-for
    /// children: the engine's own overhead beside its stages'.
    public static func processCPUSeconds(children: Bool = false) -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }

    private static func seconds(of clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
