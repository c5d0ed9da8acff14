#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport

/// What the runner does with a stage's declared outputs around an execution: clears them first,
/// insists they exist afterwards, and stores them only when the stage succeeded.
@Suite("Stage outputs")
struct StageOutputTests {
    @Test("declared outputs are removed before the stage starts")
    func outputsRemovedBeforeRun() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        try #require(ws.directory.exists("results/left.txt"))

        let sawOldOutput = Mutex<Bool?>(nil)
        let left: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            sawOldOutput.withLock { $0 = access(job.root + "/results/left.txt", F_OK) == 0 }
            job.write(output: "out", "new left\n")
            return .succeeded
        }
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 2, force: ["left"]), behaviours: ["left": left])
        #expect(summary.ok)
        #expect(executor.executed == ["left", "join"])
        #expect(sawOldOutput.withLock { $0 } == false)
        #expect(ws.directory.read("results/left.txt") == "new left\n")
    }

    @Test("a directory output is removed, with its contents, before the stage starts")
    func directoryOutputRemovedBeforeRun() throws {
        let ws = TestWorkspace(yaml: WorkflowFixtures.directoryOutput, files: WorkflowFixtures.directoryOutputFiles)
        try #require(try ws.runFake().summary.ok)
        ws.directory.write("results/parts/stray.txt", "left over\n")
        ws.directory.write("data/in.txt", "b\n")

        let sawStray = Mutex<Bool?>(nil)
        let split: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            sawStray.withLock { $0 = access(job.root + "/results/parts", F_OK) == 0 }
            try? FileIO.createDirectories(job.root + "/results/parts")
            try? FileIO.writeAtomically(job.root + "/results/parts/p1.txt", Array("b\n".utf8), durable: false)
            return .succeeded
        }
        let summary = try ws.runFake(behaviours: ["split": split]).summary
        #expect(summary.ids(.ran) == ["split"])
        #expect(sawStray.withLock { $0 } == false)
        #expect(!ws.directory.exists("results/parts/stray.txt"))
    }

    @Test("a stage that succeeds without writing a declared output fails, naming the output")
    func missingOutputFails() throws {
        let ws = TestWorkspace.diamond()
        let (summary, _) = try ws.runFake(behaviours: ["left": { _ in .succeeded }])
        #expect(!summary.ok)
        #expect(summary.ids(.failed) == ["left"])
        #expect(summary.ids(.ran) == ["clean", "right"])
        #expect(summary.ids(.skipped) == ["join"])
        let left = try #require(summary.results.first { $0.stage == "left" })
        #expect(left.failure == "stage 'left' exited 0 but did not write output file 'results/left.txt'; check that the command writes to ${outputs…}")
        #expect(left.exitStatus == 0)
        #expect(left.record == nil)
    }

    @Test("a stage that writes a file where a directory output is declared fails, naming the directory")
    func fileInsteadOfDirectoryFails() throws {
        let ws = TestWorkspace(yaml: WorkflowFixtures.directoryOutput, files: WorkflowFixtures.directoryOutputFiles)
        let split: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            try? FileIO.writeAtomically(job.root + "/results/parts", Array("oops\n".utf8), durable: false)
            return .succeeded
        }
        let summary = try ws.runFake(behaviours: ["split": split]).summary
        let result = try #require(summary.results.first)
        #expect(result.status == .failed)
        #expect(result.failure == "stage 'split' exited 0 but did not write output directory 'results/parts/'; check that the command writes to ${outputs…}")
    }

    @Test("a failed stage's outputs are never recorded: the next run reruns it")
    func failedOutputsNotRecorded() throws {
        let ws = TestWorkspace.diamond()
        let writesThenFails: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            job.write(output: "out", "half-written\n")
            return .failed(status: 1, message: "exited with status 1")
        }
        let first = try ws.runFake(behaviours: ["left": writesThenFails]).summary
        #expect(first.ids(.failed) == ["left"])
        let left = try #require(first.results.first { $0.stage == "left" })
        #expect(left.failure == "stage 'left' failed: exited with status 1")
        #expect(left.exitStatus == 1)
        #expect(left.record == nil)

        let (second, executor) = try ws.runFake()
        #expect(second.ok)
        #expect(second.ids(.ran) == ["join", "left"])
        #expect(second.ids(.cached) == ["clean", "right"])
        #expect(second.reasons("left") == [.neverRun])
        #expect(executor.executed == ["left", "join"])
        #expect(ws.directory.read("results/left.txt")?.hasPrefix("stage left\n") == true)
    }

    @Test("a stage that failed after a change reruns next time instead of being cached")
    func failureAfterChangeReruns() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        ws.yaml = ws.yaml.replacing("threshold: 0.5", with: "threshold: 0.6")
        let writesThenFails: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            job.write(output: "out", "half-written\n")
            return .failed(status: 2, message: "exited with status 2")
        }
        #expect(try ws.runFake(behaviours: ["left": writesThenFails]).summary.ids(.failed) == ["left"])

        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["join", "left"])
        #expect(summary.reasons("left") == [.paramChanged(name: "threshold", from: "0.5", to: "0.6")])
        #expect(executor.executed == ["left", "join"])
    }

    @Test("a source input deleted after validation fails its stage with a message naming the path")
    func missingSourceInputFails() throws {
        let ws = TestWorkspace.diamond()
        let executor = try ws.fake()
        let workspace = try ws.workspace()
        ws.directory.delete("data/y.txt")
        let summary = try Runner(workspace: workspace, executor: executor, options: RunOptions(jobs: 1),
                                 observers: [], run: 1).execute()
        let right = try #require(summary.results.first { $0.stage == "right" })
        #expect(right.status == .failed)
        #expect(right.failure == "input 'data/y.txt' of stage 'right' does not exist and no stage writes it; restore the file or fix the path")
        #expect(!executor.executed.contains("right"))
    }

    @Test("each retry starts without the outputs a failed attempt left behind")
    func retryStartsClean() throws {
        let ws = TestWorkspace.diamond()
        let sawPartial = Mutex<[Int: Bool]>([:])
        let left: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            sawPartial.withLock { $0[job.job.attempt] = access(job.root + "/results/left.txt", F_OK) == 0 }
            if job.job.attempt == 1 {
                job.write(output: "out", "partial\n")
                return .failed(status: 1, message: "exited with status 1")
            }
            job.write(output: "out", "complete\n")
            return .succeeded
        }
        let summary = try ws.runFake(RunOptions(jobs: 1, retries: 1), behaviours: ["left": left]).summary
        #expect(summary.ok)
        #expect(sawPartial.withLock { $0[1] } == false)
        #expect(sawPartial.withLock { $0[2] } == false)
    }

    @Test("a retry that writes nothing does not record the output a failed attempt left behind")
    func retryDoesNotRecordPartialOutput() throws {
        let ws = TestWorkspace.diamond()
        let left: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            if job.job.attempt == 1 {
                job.write(output: "out", "partial\n")
                return .failed(status: 1, message: "exited with status 1")
            }
            return .succeeded
        }
        let summary = try ws.runFake(RunOptions(jobs: 1, retries: 1), behaviours: ["left": left]).summary
        let result = try #require(summary.results.first { $0.stage == "left" })
        #expect(result.status == .failed)
        #expect(result.failure?.hasPrefix("stage 'left' exited 0 but did not write output file 'results/left.txt'") == true)
    }
}
