import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// What a run keeps once its stages are done (issue 15, item 8: a cold run of 10,000 stages must
/// not hold per-stage data it no longer needs while provenance is recorded).
@Suite("Run memory")
struct RunMemoryTests {
    @Test("after a run its hasher remembers no digest: a file changed since is read again")
    func hasherForgetsAfterRun() throws {
        let t = TestWorkspace.diamond()
        let ws = try t.workspace()
        let executor = FakeExecutor(workflow: ws.compiled.workflow, root: t.directory.path)
        let summary = try Runner(workspace: ws, executor: executor, options: RunOptions(jobs: 2), observers: [], run: 1).execute()
        #expect(summary.ok)
        t.directory.write("data/x.txt", "x2, longer\n")
        #expect(try ws.hasher.digest(of: "data/x.txt") == Digest.of(string: "x2, longer\n"))
    }

    @Test("a stage without params or env records the shared empty maps, and its key is unchanged by that")
    func emptyRecordedMaps() throws {
        let t = TestWorkspace(yaml: """
            name: plain
            stages:
              a:
                run: cat data/x.txt > ${outputs.out}
                outputs: {out: out/a.txt}
              b:
                run: cat data/x.txt > ${outputs.out}
                outputs: {out: out/b.txt}
                params: {k: 1}
                env: [HOME]
            """, files: ["data/x.txt": "x\n"])
        let summary = try t.runFake().summary
        let a = try #require(summary.results.first { $0.stage == "a" }?.record)
        let b = try #require(summary.results.first { $0.stage == "b" }?.record)
        #expect(a.params.isEmpty && a.env.isEmpty)
        #expect(b.params == ["k": "1"])
        #expect(b.env.keys.sorted() == ["HOME"])
        #expect(try t.runFake().summary.ids(.cached) == ["a", "b"])
    }

    @Test("a stage's result and the action log's latest record share one allocation of the record's facts")
    func resultAndLogShareRecord() throws {
        let t = TestWorkspace.diamond()
        let ws = try t.workspace()
        let executor = FakeExecutor(workflow: ws.compiled.workflow, root: t.directory.path)
        let summary = try Runner(workspace: ws, executor: executor, options: RunOptions(jobs: 2), observers: [], run: 1).execute()
        #expect(summary.ok)
        #expect(summary.results.count == ws.compiled.workflow.stages.count)
        for result in summary.results {
            let record = try #require(result.record)
            let logged = try #require(ws.log.latest(result.stage))
            #expect(record.sharesStorage(with: logged), "stage '\(result.stage)' holds its own copy of its record")
            #expect(record == logged)
        }
    }
}
