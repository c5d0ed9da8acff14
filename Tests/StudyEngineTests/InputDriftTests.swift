#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// Inputs edited while their stage runs are never cached under the key computed before the edit
/// (issue 13 item 6): the stage fails with the reason, and a later run with either version of the
/// input gets outputs made from that version.
@Suite("Inputs edited while a stage runs")
struct InputDriftTests {
    static let copy = """
    name: drift
    stages:
      copy:
        run: cat ${inputs} > ${outputs}
        inputs: [in.txt]
        outputs: [out.txt]

    """

    /// A stage body that edits `in.txt` first (as a user saving the file just after the key was
    /// computed), then copies what it reads.
    static let editThenCopy: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
        try! FileIO.writeAtomically(job.root + "/in.txt", Array("version two\n".utf8), durable: false)
        job.write(output: "0", "copied " + (FileIO.readText(job.root + "/in.txt") ?? ""))
        return .succeeded
    }

    @Test("an input edited during the stage fails it with the reason and records nothing")
    func editedInputIsNotCached() throws {
        let ws = TestWorkspace(yaml: Self.copy, files: ["in.txt": "v1\n"])
        let (summary, _) = try ws.runFake(behaviours: ["copy": Self.editThenCopy])
        #expect(summary.ids(.failed) == ["copy"])
        let failure = summary.results.first { $0.stage == "copy" }?.failure
        #expect(failure == "input 'in.txt' changed while stage 'copy' ran, so its outputs were not cached; run again when nothing is editing it")
        #expect(try ws.workspace().log.latest("copy") == nil)
    }

    @Test("undoing the edit reruns the stage instead of serving the output made from the edited input")
    func undoServesTheRightOutput() throws {
        let ws = TestWorkspace(yaml: Self.copy, files: ["in.txt": "v1\n"])
        _ = try ws.runFake(behaviours: ["copy": Self.editThenCopy])
        ws.directory.write("in.txt", "v1\n")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ok)
        #expect(executor.executed == ["copy"])
        #expect(ws.directory.read("out.txt")?.hasSuffix("input in.txt: v1\n") == true)
        // The edited version reruns too: nothing was recorded for it either.
        ws.directory.write("in.txt", "version two\n")
        let (again, _) = try ws.runFake()
        #expect(again.ids(.ran) == ["copy"])
        #expect(ws.directory.read("out.txt")?.hasSuffix("input in.txt: version two\n") == true)
    }

    @Test("a file added to an input directory during the stage is named")
    func directoryInputGrows() throws {
        let yaml = """
        name: drift
        stages:
          merge:
            run: cat ${inputs}* > ${outputs}
            inputs: [data/]
            outputs: [merged.txt]

        """
        let ws = TestWorkspace(yaml: yaml, files: ["data/a.csv": "a\n"])
        let addFile: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            try! FileIO.writeAtomically(job.root + "/data/b.csv", Array("b\n".utf8), durable: false)
            job.write(output: "0", "merged\n")
            return .succeeded
        }
        let (summary, _) = try ws.runFake(behaviours: ["merge": addFile])
        #expect(summary.results.first?.failure
            == "input 'data/b.csv' changed while stage 'merge' ran, so its outputs were not cached; run again when nothing is editing it")
        let (next, _) = try ws.runFake()
        #expect(next.ids(.ran) == ["merge"])
        #expect(try ws.runFake().summary.ids(.cached) == ["merge"])
    }

    @Test("a stage rewriting its own output inside a directory its command names is not an input edit")
    func ownOutputInsideNamedDirectory() throws {
        let yaml = """
        name: drift
        stages:
          km:
            run: ls results/km; cat ${inputs} > ${outputs}
            inputs: [in.txt]
            outputs: [results/km/x.txt]

        """
        let ws = TestWorkspace(yaml: yaml, files: ["in.txt": "v1\n"])
        #expect(try ws.runFake().summary.ok)
        // Now results/km exists, so the command's word `results/km` is an input of the key.
        let (summary, _) = try ws.runFake(RunOptions(jobs: 1, force: ["km"]))
        #expect(summary.ids(.ran) == ["km"], "\(summary.results.map { $0.failure ?? "" })")
    }

    @Test("a SLURM job that edits its input is not cached either: the check runs where records are made")
    func slurmJobEditsInput() throws {
        let yaml = """
        name: drift
        stages:
          edit:
            run: echo x >> in.txt; cat in.txt > ${outputs}
            inputs: [in.txt]
            outputs: [out.txt]

        """
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: yaml, files: ["in.txt": "data\n"])
        let executor = try SlurmExecutor(settings: slurm.settings())
        let summary = try ws.run(RunOptions(jobs: 1), executor: executor).summary
        #expect(summary.results.first?.failure
            == "input 'in.txt' changed while stage 'edit' ran, so its outputs were not cached; run again when nothing is editing it")
        #expect(ws.directory.read("in.txt") == "data\nx\n")
        #expect(try ws.workspace().log.latest("edit") == nil)
    }
}
