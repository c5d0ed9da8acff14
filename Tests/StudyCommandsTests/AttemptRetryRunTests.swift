import Foundation
import Testing
import _StudyTestSupport

/// `studyflow run` with `resources: {memory: "50M * attempt"}` against fake SLURM tools that kill
/// jobs asking too little (issue 17 item 3): every retry is shown, on stderr and in `--json`, with
/// SLURM's reason and the next attempt's resources; the expression does not enter the stage key.
@Suite("studyflow run: retries after OUT_OF_MEMORY show the reason and the next resources")
struct AttemptRetryRunTests {
    private let yaml = """
    name: t
    stages:
      a:
        run: echo a > ${outputs.o}
        outputs: {o: out/a.txt}
        resources: {memory: "50M * attempt"}
        retries: 2
    """

    private func environment(_ slurm: FakeSlurm) -> [String: String] {
        ["PATH": slurm.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    @Test("--json has one retry event per failed attempt: reason, job, the resources it had and the next one gets")
    func json() throws {
        let slurm = FakeSlurm()
        slurm.set("memory-needed", "100")
        let dir = TemporaryDirectory()
        dir.write("w.yaml", yaml)
        let result = try CLI.run(["run", "-C", dir.path, "w.yaml", "--executor", "slurm", "--json", "--poll-interval", "0.05"],
                                 environment: environment(slurm))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == #"{"attempt":1,"attempts":3,"error":"job 1 of stage 'a' ran out of memory (OUT_OF_MEMORY, memory 50M); raise 'resources.memory'","event":"retry","job":"1","message":"stage 'a' attempt 1 of 3: OUT_OF_MEMORY (memory 50M); retrying with memory 100M","next_resources":{"memory":"100M"},"reason":"OUT_OF_MEMORY","resources":{"memory":"50M"},"stage":"a"}"#)
        #expect(lines.count == 3 && lines[1].contains(#""stage":"a","status":"ran""#), "\(lines)")
        #expect(slurm.calls("sbatch").count == 2)
    }

    @Test("the progress output says why an attempt failed and what the next one asks for")
    func progress() throws {
        let slurm = FakeSlurm()
        slurm.set("memory-needed", "1000")
        let dir = TemporaryDirectory()
        dir.write("w.yaml", yaml)
        let result = try CLI.run(["run", "-C", dir.path, "w.yaml", "--executor", "slurm", "--poll-interval", "0.05"],
                                 environment: environment(slurm))
        #expect(result.status == 1)
        let retries = result.stderr.split(separator: "\n").filter { $0.hasPrefix("studyflow: stage 'a' attempt") }
        #expect(retries == [
            "studyflow: stage 'a' attempt 1 of 3: OUT_OF_MEMORY (memory 50M); retrying with memory 100M",
            "studyflow: stage 'a' attempt 2 of 3: OUT_OF_MEMORY (memory 100M); retrying with memory 150M",
        ])
        #expect(result.stderr.contains("studyflow: error: stage 'a' failed: job 3 of stage 'a' ran out of memory (OUT_OF_MEMORY, memory 150M); raise 'resources.memory'\n"),
                "\(result.stderr)")
    }

    @Test("changing a value to an expression in attempt leaves the stage key, and the cache, as they were")
    func keyUnchanged() throws {
        let dir = TemporaryDirectory()
        dir.write("w.yaml", yaml.replacing("\"50M * attempt\"", with: "50M"))
        #expect(try CLI.run(["run", "-C", dir.path, "w.yaml", "--json"]).stdout.contains(#""ran":["a"]"#))
        dir.write("w.yaml", yaml)
        let rerun = try CLI.run(["run", "-C", dir.path, "w.yaml", "--json"])
        #expect(rerun.stdout.contains(#""cached":["a"]"#) && rerun.stdout.contains(#""ran":[]"#), "\(rerun.stdout)")
    }
}
