#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
@testable import StudyEngine
import StudyStore
import Synchronization
import Testing
import _StudyTestSupport

/// One stage `make` writing the file `results/out.txt`.
private let oneOutput = """
    name: keep
    stages:
      make:
        run: make it
        outputs: [results/out.txt]
    """

private func moved(_ summary: RunSummary, _ stage: String) -> [MovedAside] {
    summary.results.first { $0.stage == stage }?.movedAside ?? []
}

/// What a run does with something already at an output path: deletes it only when a record says
/// a stage wrote exactly those bytes there; moves anything else into `.studyflow/trash/RUN/`.
@Suite("Clearing outputs never deletes unrecorded data")
struct OutputClearingTests {
    @Test("a user's file at an output path is moved aside with its bytes intact, and the move is explained")
    func userFileMovedAside() throws {
        let ws = TestWorkspace(yaml: oneOutput)
        ws.directory.write("results/out.txt", "precious\n")
        let summary = try ws.runFake().summary
        #expect(summary.ok)
        let expected = MovedAside(path: "results/out.txt", destination: ".studyflow/trash/1/results/out.txt",
                                  trashRun: ".studyflow/trash/1")
        #expect(moved(summary, "make") == [expected])
        #expect(ws.directory.read(".studyflow/trash/1/results/out.txt") == "precious\n")
        #expect(ws.directory.read("results/out.txt")?.hasPrefix("stage make\n") == true)
        #expect(expected.description == "moved 'results/out.txt' to '.studyflow/trash/1/results/out.txt' instead of deleting it: studyflow did not make it, so the store could not give it back; to restore it, move it back (e.g. 'mv .studyflow/trash/1/results/out.txt <path>'); to discard it, 'rm -r .studyflow/trash/1'")
    }

    @Test("a user's directory where a file output is declared is moved aside, never removed as a tree")
    func directoryAtFileOutputMovedAside() throws {
        let ws = TestWorkspace(yaml: oneOutput)
        ws.directory.write("results/out.txt/notes.md", "mine\n")
        ws.directory.write("results/out.txt/deep/data.csv", "1,2\n")
        let summary = try ws.runFake().summary
        #expect(summary.ok)
        #expect(moved(summary, "make").map(\.destination) == [".studyflow/trash/1/results/out.txt"])
        #expect(ws.directory.read(".studyflow/trash/1/results/out.txt/notes.md") == "mine\n")
        #expect(ws.directory.read(".studyflow/trash/1/results/out.txt/deep/data.csv") == "1,2\n")
    }

    @Test("a symbolic link at an output path is moved aside; its target is untouched")
    func symlinkAtOutputMovedAside() throws {
        let ws = TestWorkspace(yaml: oneOutput)
        ws.directory.write("data/target.txt", "target\n")
        ws.directory.write("results/keep.txt", "")
        #expect(symlink(ws.directory.path + "/data/target.txt", ws.directory.path + "/results/out.txt") == 0)
        let summary = try ws.runFake().summary
        #expect(summary.ok)
        #expect(moved(summary, "make").map(\.path) == ["results/out.txt"])
        #expect(ws.directory.read("data/target.txt") == "target\n")
        #expect(FileStat.of(ws.directory.path + "/.studyflow/trash/1/results/out.txt")?.kind == .symlink)
    }

    @Test("a previous run's recorded output is deleted, not moved, when its stage reruns")
    func recordedOutputCleared() throws {
        let ws = TestWorkspace(yaml: oneOutput)
        try #require(try ws.runFake().summary.ok)
        let summary = try ws.runFake(RunOptions(jobs: 2, forceAll: true)).summary
        #expect(summary.ids(.ran) == ["make"])
        #expect(moved(summary, "make").isEmpty)
        #expect(!ws.directory.exists(".studyflow/trash"))
    }

    @Test("an edited output is moved aside before the recorded version is restored")
    func editedOutputMovedAsideBeforeRestore() throws {
        let ws = TestWorkspace(yaml: oneOutput)
        try #require(try ws.runFake().summary.ok)
        let original = try #require(ws.directory.read("results/out.txt"))
        ws.directory.write("results/out.txt", "my edits\n")
        let summary = try ws.runFake().summary
        #expect(summary.ids(.restored) == ["make"])
        #expect(moved(summary, "make").map(\.destination) == [".studyflow/trash/2/results/out.txt"])
        #expect(ws.directory.read(".studyflow/trash/2/results/out.txt") == "my edits\n")
        #expect(ws.directory.read("results/out.txt") == original)
    }

    @Test("a file added to a recorded directory output moves the directory aside with it")
    func strayFileInDirectoryOutput() throws {
        let ws = TestWorkspace(yaml: WorkflowFixtures.directoryOutput, files: WorkflowFixtures.directoryOutputFiles)
        try #require(try ws.runFake().summary.ok)
        ws.directory.write("results/parts/notes.txt", "mine\n")
        ws.directory.write("data/in.txt", "b\n")
        let summary = try ws.runFake().summary
        #expect(summary.ids(.ran) == ["split"])
        #expect(moved(summary, "split").map(\.path) == ["results/parts/"])
        #expect(ws.directory.read(".studyflow/trash/2/results/parts/notes.txt") == "mine\n")
        #expect(!ws.directory.exists("results/parts/notes.txt"))
    }

    @Test("what a failed run left at an output is deleted by the next run, not moved aside; a later edit is moved aside")
    func failedRunLeftovers() throws {
        let ws = TestWorkspace(yaml: oneOutput)
        let partial: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            job.write(output: "0", "half\n")
            return .failed(status: 1, message: "exited with status 1")
        }
        #expect(try !ws.runFake(behaviours: ["make": partial]).summary.ok)
        let second = try ws.runFake(behaviours: ["make": partial]).summary
        #expect(moved(second, "make").isEmpty)
        #expect(!ws.directory.exists(".studyflow/trash"))
        ws.directory.write("results/out.txt", "half, then my fix\n")
        let third = try ws.runFake().summary
        #expect(third.ok)
        #expect(moved(third, "make").map(\.destination) == [".studyflow/trash/3/results/out.txt"])
        #expect(ws.directory.read(".studyflow/trash/3/results/out.txt") == "half, then my fix\n")
    }

    @Test("what a failed attempt wrote is cleared before the retry without being moved aside")
    func retriesClearTheirOwnOutputs() throws {
        let ws = TestWorkspace(yaml: oneOutput)
        let attempts = Counter()
        let flaky: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            job.write(output: "0", "attempt \(attempts.next())\n")
            return attempts.value < 2 ? .failed(status: 1, message: "exited with status 1") : .succeeded
        }
        let summary = try ws.runFake(RunOptions(jobs: 1, retries: 1), behaviours: ["make": flaky]).summary
        #expect(summary.ids(.ran) == ["make"])
        #expect(moved(summary, "make").isEmpty)
        #expect(!ws.directory.exists(".studyflow/trash"))
    }
}

/// A thread-safe counter for fake behaviours.
private final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func next() -> Int { count.withLock { $0 += 1; return $0 } }
}

@Suite("Outputs that would replace a source file another stage reads")
struct SourceFileCheckTests {
    /// `prep` writes `data/`; `use` reads `data/raw.csv` inside it.
    static let dataExample = """
        name: data
        stages:
          prep:
            run: fetch > data/raw.csv
            outputs: [data/]
          use:
            run: wc -l ${inputs.raw}
            inputs: {raw: data/raw.csv}
            outputs: [results/lines.txt]
        """

    @Test("a directory output holding an existing file another stage reads, that studyflow never made, is refused")
    func directoryOutputOverSourceFile() throws {
        let ws = TestWorkspace(yaml: Self.dataExample, files: ["data/raw.csv": "id\n1\n"])
        let diagnostics = SourceFileCheck.diagnostics(try ws.workspace())
        #expect(diagnostics.map(\.description) == ["Workflows/main.yaml:5:15: error: output 'data/' of stage 'prep' would replace the existing 'data/', which holds 'data/raw.csv' that stage 'use' reads and studyflow did not make; write the output to a new directory, e.g. 'results/data/', or move 'data/' away if 'prep' should make it"])
    }

    @Test("a file output equal to a file another stage reads passes at load, and the run moves the unrecorded file aside")
    func fileOutputOverSourceFile() throws {
        let ws = TestWorkspace(yaml: """
            name: data
            stages:
              fetch:
                run: curl -o data/raw.csv example.org
                outputs: [data/raw.csv]
              use:
                run: wc -l data/raw.csv
                inputs: [data/raw.csv]
                outputs: [results/lines.txt]
            """, files: ["data/raw.csv": "id\n1\n"])
        // The ordinary edge between two stages; after 'rm -rf .studyflow' nothing is recorded and
        // the workspace must still run.
        #expect(SourceFileCheck.diagnostics(try ws.workspace()).isEmpty)
        let fetch: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            try? FileIO.writeAtomically(job.root + "/data/raw.csv", Array("id\n2\n".utf8), durable: false)
            return .succeeded
        }
        let run = try ws.runFake(behaviours: ["fetch": fetch])
        #expect(run.summary.ok)
        #expect(ws.directory.read(".studyflow/trash/1/data/raw.csv") == "id\n1\n")
        #expect(ws.directory.read("data/raw.csv") == "id\n2\n")
    }

    @Test("what a stage made before, recorded or left by a failure, is its own and passes")
    func ownOutputsPass() throws {
        let ws = TestWorkspace(yaml: Self.dataExample)
        let prep: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            try? FileIO.createDirectories(job.root + "/data")
            try? FileIO.writeAtomically(job.root + "/data/raw.csv", Array("id\n1\n".utf8), durable: false)
            return .succeeded
        }
        #expect(SourceFileCheck.diagnostics(try ws.workspace()).isEmpty)
        try #require(try ws.runFake(behaviours: ["prep": prep]).summary.ok)
        #expect(SourceFileCheck.diagnostics(try ws.workspace()).isEmpty)

        let failed = TestWorkspace(yaml: Self.dataExample)
        let prepFails: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            _ = prep(job)
            return .failed(status: 1, message: "exited with status 1")
        }
        #expect(try !failed.runFake(behaviours: ["prep": prepFails]).summary.ok)
        #expect(failed.directory.exists("data/raw.csv"))
        #expect(SourceFileCheck.diagnostics(try failed.workspace()).isEmpty)
    }
}

@Suite("Stage ids and the file names made from them")
struct StageIDFileNameTests {
    @Test("every file name made from a stage id at the limit fits in 255 bytes, and the log can be created")
    func longestIDFits() throws {
        let id = String(repeating: "s", count: WorkflowLoader.maximumStageIDBytes)
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        let log = layout.log(run: Int(Int32.max), stage: id)
        let submission = SlurmSubmission(logPath: log)
        for path in [log, submission.script, submission.statusFile, submission.specFile] {
            // The longest temp name beside it: the largest pid (4194304) and counter (Int.max).
            let temp = ".tmp-4194304-\(Int.max)-" + WorkspacePath.lastComponent(of: path)
            #expect(temp.utf8.count <= 255, "\(temp.utf8.count) bytes")
        }
        try FileIO.createDirectories(layout.logDirectory(run: Int(Int32.max)))
        try FileIO.writeAtomically(submission.specFile, Array("{}".utf8), durable: false)
        appendToLog(log, "line\n")
        #expect(FileIO.readText(log) == "line\n")
    }
}
