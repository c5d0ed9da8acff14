#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Testing

@Suite("ResourceFormat")
struct ResourceFormatTests {
    @Test("memory sizes in SLURM's units convert to megabytes, rounding up")
    func memory() {
        #expect(ResourceFormat.memoryMegabytes("512M") == 512)
        #expect(ResourceFormat.memoryMegabytes("2G") == 2048)
        #expect(ResourceFormat.memoryMegabytes("2g") == 2048)
        #expect(ResourceFormat.memoryMegabytes("2GB") == 2048)
        #expect(ResourceFormat.memoryMegabytes("1.5T") == 1_572_864)
        #expect(ResourceFormat.memoryMegabytes("100") == 100)
        #expect(ResourceFormat.memoryMegabytes("1K") == 1)
        #expect(ResourceFormat.memoryMegabytes("2049K") == 3)
        #expect(ResourceFormat.memoryMegabytes("0.1M") == 1)
    }

    @Test("memory that is not a positive size is rejected")
    func badMemory() {
        for text in ["", "G", "0", "0G", "-1G", "lots", "2 G", "2GiB", "nanG"] {
            #expect(ResourceFormat.memoryMegabytes(text) == nil, "\(text)")
        }
    }

    @Test("a memory size with an unknown unit letter is rejected")
    func unknownMemoryUnit() {
        #expect(ResourceFormat.memoryMegabytes("2X") == nil)
        #expect(ResourceFormat.memoryMegabytes("4Q") == nil)
    }

    @Test("durations in s, m, h, d, bare minutes and clock forms convert to minutes, rounding up")
    func time() {
        #expect(ResourceFormat.timeMinutes("90s") == 2)
        #expect(ResourceFormat.timeMinutes("1s") == 1)
        #expect(ResourceFormat.timeMinutes("30m") == 30)
        #expect(ResourceFormat.timeMinutes("1.5h") == 90)
        #expect(ResourceFormat.timeMinutes("2h") == 120)
        #expect(ResourceFormat.timeMinutes("1d") == 1440)
        #expect(ResourceFormat.timeMinutes("45") == 45)
        #expect(ResourceFormat.timeMinutes("1:30") == 2)
        #expect(ResourceFormat.timeMinutes("01:00:00") == 60)
        #expect(ResourceFormat.timeMinutes("1-00:00:00") == 1440)
        #expect(ResourceFormat.timeMinutes("2-12:30:01") == 3631)
        #expect(ResourceFormat.timeMinutes("1-0") == 1440)
    }

    @Test("durations that are not positive or not in a known form are rejected")
    func badTime() {
        for text in ["", "s", "0m", "-1h", "soon", "10x", "90S", "1:2:3:4", "0:00", "1-", "-5", "1-2-3", "1:-5", "a:b", "nanh"] {
            #expect(ResourceFormat.timeMinutes(text) == nil, "\(text)")
        }
    }

    @Test("an infinite memory size is rejected instead of trapping")
    func infiniteMemory() async {
        // Run in child processes, so a regression that traps fails this test, not the whole run.
        await #expect(processExitsWith: .success) {
            exit(ResourceFormat.memoryMegabytes("infM") == nil ? 0 : 1)
        }
        await #expect(processExitsWith: .success) {
            exit(ResourceFormat.memoryMegabytes("1e300G") == nil ? 0 : 1)
        }
    }

    @Test("an enormous duration is rejected instead of trapping")
    func enormousTime() async {
        await #expect(processExitsWith: .success) {
            exit(ResourceFormat.timeMinutes("infh") == nil ? 0 : 1)
        }
        await #expect(processExitsWith: .success) {
            exit(ResourceFormat.timeMinutes("999999999999999999-00:00:00") == nil ? 0 : 1)
        }
    }

    @Test("a workflow with 'memory: infM' gets a diagnostic instead of crashing the loader")
    func loaderSurvivesInfiniteMemory() {
        let yaml = "name: t\nstages:\n  a:\n    run: x\n    resources: {memory: infM}\n"
        let error = #expect(throws: WorkflowDiagnostics.self) { try WorkflowLoader().load(text: yaml, file: "w.yaml") }
        #expect(error?.description == "w.yaml:5:25: error: 'memory' of stage 'a' must be a size like 512M or 2G, got 'infM'")
    }
}
