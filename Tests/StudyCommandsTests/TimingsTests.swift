import Foundation
import Testing
import _StudyTestSupport

/// `--timings` says how long each phase took and how much memory the process had used by its end,
/// so a large run shows which phase made its peak; the plan it prints stays the same.
@Suite("--timings: per-phase time and peak memory")
struct TimingsTests {
    @Test("a dry run with --timings prints load, plan and print phases with a peak in MiB, and the same plan")
    func dryRunPhases() throws {
        let dir = FanoutCommandTests.workspace()
        let plain = try CLI.run(["run", "-n", "-C", dir.path])
        let timed = try CLI.run(["run", "-n", "--timings", "-C", dir.path])
        #expect(plain.status == 0 && timed.status == 0)
        #expect(timed.stdout == plain.stdout)
        let lines = timed.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("timing: ") }
        var phases: [String] = []
        var peaks: [Int] = []
        for line in lines where line.contains(" ms, peak ") {
            // "timing: load workflow  12.3 ms, peak 31 MiB"
            let fields = line.dropFirst("timing: ".count).components(separatedBy: "  ")
            phases.append(fields[0].trimmingCharacters(in: .whitespaces))
            let peak = try #require(line.components(separatedBy: ", peak ").last?.components(separatedBy: " MiB").first)
            #expect(line.hasSuffix(" MiB"))
            peaks.append(try #require(Int(peak)))
        }
        #expect(Array(phases.suffix(3)) == ["load workflow", "plan", "print"])
        // The peak so far never shrinks, and a running process has used some memory.
        #expect(peaks.allSatisfy { $0 > 0 })
        #expect(peaks == peaks.sorted())
    }
}
