import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// DESIGN.md section 6: the same workflow gives byte-identical outputs whatever `jobs` is.
@Suite("Determinism")
struct DeterminismTests {
    /// Eight independent branches of three stages each, joined at the end; every stage's output
    /// depends on its inputs, so a mix-up anywhere shows in `all`.
    private static let lattice: String = {
        var yaml = "name: lattice\nparams: {seed: 7}\nstages:\n"
        var tails: [String] = []
        for b in 0..<8 {
            for s in 0..<3 {
                let input = s == 0 ? "data/b\(b).txt" : "out/b\(b)-\(s - 1).txt"
                yaml += """
                  b\(b)-\(s):
                    run: "{ cat ${inputs}; echo step \(s) seed ${params.seed}; } | sort -r > ${outputs}"
                    inputs: [\(input)]
                    outputs: [out/b\(b)-\(s).txt]
                    params: {branch: \(b)}

                """
            }
            tails.append("out/b\(b)-2.txt")
        }
        yaml += "  all:\n    run: cat ${inputs} > ${outputs}\n    inputs: [\(tails.joined(separator: ", "))]\n    outputs: [out/all.txt]\n"
        return yaml
    }()

    private static let files: [String: String] = {
        var files: [String: String] = [:]
        for b in 0..<8 { files["data/b\(b).txt"] = (0..<5).map { "row \($0 * 7 % 5) of \(b)\n" }.joined() }
        return files
    }()

    /// Runs the lattice in a fresh workspace and returns every file it wrote.
    private func outputs(jobs: Int, local: Bool) throws -> [String: [UInt8]] {
        let ws = TestWorkspace(yaml: Self.lattice, files: Self.files)
        let summary = try local
            ? ws.run(RunOptions(jobs: jobs), executor: LocalExecutor()).summary
            : ws.runFake(RunOptions(jobs: jobs)).summary
        #expect(summary.ok, "\(summary.results.compactMap(\.failure))")
        #expect(summary.ids(.ran).count == 25)
        return try outputFiles(under: ws.directory.path)
    }

    @Test("the fake executor writes byte-identical outputs with jobs 1 and jobs 8")
    func fakeJobs() throws {
        let one = try outputs(jobs: 1, local: false)
        let eight = try outputs(jobs: 8, local: false)
        #expect(one.count == 8 + 25)
        #expect(one == eight)
    }

    @Test("real shell stages write byte-identical outputs with jobs 1 and jobs 8")
    func localJobs() throws {
        let one = try outputs(jobs: 1, local: true)
        let eight = try outputs(jobs: 8, local: true)
        #expect(one.count == 8 + 25)
        #expect(one == eight)
        let all = String(decoding: try #require(one["out/all.txt"]), as: UTF8.self)
        #expect(all.hasPrefix("step 2 seed 7\n"))
    }

    @Test("stage keys and recorded output digests are the same with jobs 1 and jobs 8")
    func recordsMatch() throws {
        func records(jobs: Int) throws -> [String: String] {
            let ws = TestWorkspace(yaml: Self.lattice, files: Self.files)
            let summary = try ws.runFake(RunOptions(jobs: jobs)).summary
            var result: [String: String] = [:]
            for r in summary.results {
                let record = try #require(r.record)
                result[r.stage] = "\(record.key) " + record.outputs.map { "\($0.path)=\($0.digest)" }.joined(separator: ",")
            }
            return result
        }
        let one = try records(jobs: 1)
        #expect(one.count == 25)
        #expect(one == (try records(jobs: 8)))
    }
}
