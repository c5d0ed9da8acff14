#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Testing

/// The one clock: monotonic and wall time advance with real time, thread CPU time only with work.
@Suite("System clock")
struct SystemClockTests {
    @Test("monotonic and wall-clock time advance across a 50 ms sleep; the wall clock is near now")
    func advances() {
        let monotonic = SystemClock.monotonicSeconds()
        let wall = SystemClock.wallSeconds()
        let wallNanos = SystemClock.wallNanoseconds()
        usleep(50_000)
        #expect(SystemClock.monotonicSeconds() - monotonic >= 0.045)
        #expect(SystemClock.wallSeconds() - wall >= 0.045)
        #expect(SystemClock.wallNanoseconds() - wallNanos >= 45_000_000)
        // 2026-01-01 < now < 2100-01-01, and the two wall readings agree.
        #expect(wall > 1_767_225_600 && wall < 4_102_444_800)
        #expect(abs(Double(wallNanos) / 1e9 - wall) < 1)
    }

    @Test("thread CPU time grows with work on this thread and not while it sleeps")
    func threadCPU() {
        let before = SystemClock.threadCPUSeconds()
        usleep(100_000)
        let slept = SystemClock.threadCPUSeconds() - before
        #expect(slept < 0.05)
        let start = SystemClock.threadCPUSeconds()
        var x = 0.0
        while SystemClock.threadCPUSeconds() - start < 0.02 { x += 1 }
        #expect(x > 0)
        #expect(SystemClock.processCPUSeconds() >= SystemClock.threadCPUSeconds() - 1e-3)
        #expect(SystemClock.processCPUSeconds(children: true) >= 0)
    }
}
