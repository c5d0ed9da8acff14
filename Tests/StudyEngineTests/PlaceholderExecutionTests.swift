import StudyCore
import StudyEngine
import Testing
import _StudyTestSupport

/// Expanded commands with hostile values run through the real executors: the local one
/// (`/bin/sh -c`) and the SLURM one, whose job script re-quotes the command.
@Suite("placeholder values through the executors")
struct PlaceholderExecutionTests {
    static let template = CommandTemplate("""
    printf '%s|' ${params.x} "${params.x}" 'q${params.x}q' "$(printf '%s' "${params.x}")" > ${outputs.o} # ${params.x}
    printf '%s|' "`printf '%s' ${params.x}`" "${UNSET:-${params.x}}" >> ${outputs.o}
    """)
    static let values = ["$(touch pwned)", "`touch pwned`", "'; touch pwned; '", "\"; touch pwned; \"",
                         "a\nb", "\\", "$HOME", "*", "", "é ü", "%s"]

    private func job(_ value: String, in directory: TemporaryDirectory) -> StageJob {
        try? FileIO.createDirectories(directory.path + "/logs")
        let command = Self.template.expand { $0.scope == .outputs ? ["out put.txt"] : [value] }
        return StageJob(stage: "s", action: .shell(command), root: directory.path, environment: [:],
                        logPath: directory.path + "/logs/s.log")
    }

    private func expected(_ value: String) -> String {
        [value, value, "q" + value + "q", value, value, value].map { $0 + "|" }.joined()
    }

    @Test("the local executor's /bin/sh prints every value back and runs nothing")
    func local() throws {
        let dir = TemporaryDirectory()
        for value in Self.values {
            #expect(LocalExecutor().execute(job(value, in: dir)) == .succeeded)
            #expect(dir.read("out put.txt") == expected(value), "\(value.debugDescription)")
        }
        #expect(!dir.exists("pwned"))
    }

    @Test("a SLURM job script runs the same expanded command with the same result")
    func slurm() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        let executor = try SlurmExecutor(settings: slurm.settings())
        for value in Self.values {
            #expect(executor.submit(job(value, in: dir)).outcome == .succeeded)
            #expect(dir.read("out put.txt") == expected(value), "\(value.debugDescription)")
        }
        #expect(!dir.exists("pwned"))
    }
}
