import StudyCore
import StudyEngine
import StudyStore
import Synchronization
import Testing
import _StudyTestSupport

/// The R targets rhythm on the diamond (clean -> left, right -> join): run, run again and see
/// nothing run, change one thing and see exactly its downstream cone rerun, for the stated reasons.
@Suite("Rerun rhythm")
struct RerunRhythmTests {
    /// A workspace that has been run once, so every stage has a record.
    private func ranDiamond() throws -> TestWorkspace {
        let ws = TestWorkspace.diamond()
        let first = try ws.runFake().summary
        try #require(first.ok)
        return ws
    }

    @Test("a first run runs every stage because it never ran")
    func firstRun() throws {
        let ws = TestWorkspace.diamond()
        let (summary, executor) = try ws.runFake()
        #expect(summary.ok)
        #expect(summary.ids(.ran) == diamondStages)
        for stage in diamondStages { #expect(summary.reasons(stage) == [.neverRun]) }
        #expect(executor.executed.sorted() == diamondStages)
        #expect(summary.results.map(\.stage) == ["clean", "left", "right", "join"])
        #expect(ws.directory.read("results/clean.txt")?.contains("input data/x.txt: x1") == true)
    }

    @Test("a second run caches every stage and executes nothing")
    func secondRunIsCached() throws {
        let ws = try ranDiamond()
        let (summary, executor) = try ws.runFake()
        #expect(summary.ok)
        #expect(summary.ids(.cached) == diamondStages)
        #expect(executor.executed.isEmpty)
        for stage in diamondStages { #expect(summary.reasons(stage).isEmpty) }
    }

    @Test("changing a source input reruns its downstream cone; downstream reasons name the upstream stage")
    func sourceInputChanged() throws {
        let ws = try ranDiamond()
        ws.directory.write("data/x.txt", "x2\n")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == diamondStages)
        #expect(summary.reasons("clean") == [.inputChanged("data/x.txt")])
        #expect(summary.reasons("left") == [.upstreamReran("clean")])
        #expect(summary.reasons("right") == [.upstreamReran("clean")])
        #expect(summary.reasons("join") == [.upstreamReran("left"), .upstreamReran("right")])
        #expect(executor.executed.first == "clean")
        #expect(executor.executed.last == "join")
    }

    @Test("changing the input of one branch reruns only that branch and the join")
    func branchInputChanged() throws {
        let ws = try ranDiamond()
        ws.directory.write("data/y.txt", "y2\n")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["join", "right"])
        #expect(summary.ids(.cached) == ["clean", "left"])
        #expect(summary.reasons("right") == [.inputChanged("data/y.txt")])
        #expect(summary.reasons("join") == [.upstreamReran("right")])
        #expect(executor.executed == ["right", "join"])
    }

    @Test("changing a stage param reruns that stage and its downstream only")
    func stageParamChanged() throws {
        let ws = try ranDiamond()
        ws.yaml = ws.yaml.replacing("threshold: 0.5", with: "threshold: 0.6")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["join", "left"])
        #expect(summary.ids(.cached) == ["clean", "right"])
        #expect(summary.reasons("left") == [.paramChanged(name: "threshold", from: "0.5", to: "0.6")])
        #expect(summary.reasons("join") == [.upstreamReran("left")])
        #expect(executor.executed == ["left", "join"])
        #expect(ws.directory.read("results/left.txt")?.contains("STUDYFLOW_PARAM_THRESHOLD=0.6") == true)
    }

    @Test("overriding a workflow param reruns only the stages that refer to it")
    func workflowParamOverridden() throws {
        let ws = try ranDiamond()
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 2, params: ["scale": .integer(3)]))
        #expect(summary.ids(.ran) == ["join", "left"])
        #expect(summary.ids(.cached) == ["clean", "right"])
        #expect(summary.reasons("left") == [.paramChanged(name: "scale", from: "2", to: "3")])
        #expect(summary.reasons("join") == [.upstreamReran("left")])
        #expect(executor.executed == ["left", "join"])

        let again = try ws.runFake(RunOptions(jobs: 2, params: ["scale": .integer(3)]))
        #expect(again.summary.ids(.cached) == diamondStages)
        #expect(again.executor.executed.isEmpty)
    }

    @Test("changing a listed env value reruns the stage; identical output keeps its downstream cached")
    func envChanged() throws {
        let ws = try ranDiamond()
        ws.environment["STUDY_MODE"] = "fast"
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["left"])
        #expect(summary.reasons("left") == [.envChanged("STUDY_MODE")])
        // The fake executor's output does not depend on STUDY_MODE: early cutoff keeps join cached.
        #expect(summary.ids(.cached) == ["clean", "join", "right"])
        #expect(executor.executed == ["left"])

        ws.environment["STUDY_MODE"] = "slow"
        #expect(try ws.runFake().summary.reasons("left") == [.envChanged("STUDY_MODE")])
        #expect(try ws.runFake().executor.executed.isEmpty)
    }

    @Test("an env variable not listed in env: does not enter any key")
    func unlistedEnvIgnored() throws {
        let ws = try ranDiamond()
        ws.environment["OTHER"] = "1"
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.cached) == diamondStages)
        #expect(executor.executed.isEmpty)
    }

    @Test("changing the command text reruns the stage with commandChanged")
    func commandChanged() throws {
        let ws = try ranDiamond()
        ws.yaml = ws.yaml.replacing("cat ${inputs.table} >", with: "cat -- ${inputs.table} >")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["join", "left"])
        #expect(summary.reasons("left") == [.commandChanged])
        #expect(summary.reasons("join") == [.upstreamReran("left")])
        #expect(executor.executed == ["left", "join"])
    }

    @Test("editing a script the command names but does not declare reruns the stage")
    func implicitScriptInput() throws {
        // clean's output depends on the script, as a real `python3 scripts/clean.py` would.
        let cleanReadsScript: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            let script = FileIO.readText(job.root + "/scripts/clean.py") ?? ""
            let raw = FileIO.readText(job.root + "/data/x.txt") ?? ""
            job.write(output: "table", script + raw)
            return .succeeded
        }
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake(behaviours: ["clean": cleanReadsScript]).summary.ok)
        try #require(try ws.runFake(behaviours: ["clean": cleanReadsScript]).executor.executed.isEmpty)

        ws.directory.write("scripts/clean.py", "print('cleaner')\n")
        let (summary, executor) = try ws.runFake(behaviours: ["clean": cleanReadsScript])
        #expect(summary.ids(.ran) == diamondStages)
        #expect(summary.reasons("clean") == [.inputChanged("scripts/clean.py")])
        #expect(summary.reasons("left") == [.upstreamReran("clean")])
        #expect(executor.executed.first == "clean")
    }

    @Test("editing the implicit script with the default fake reruns only clean (same output, early cutoff)")
    func implicitScriptInputEarlyCutoff() throws {
        let ws = try ranDiamond()
        ws.directory.write("scripts/clean.py", "print('cleaner')\n")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["clean"])
        #expect(summary.reasons("clean") == [.inputChanged("scripts/clean.py")])
        #expect(summary.ids(.cached) == ["join", "left", "right"])
        #expect(executor.executed == ["clean"])
    }

    @Test("a touch that changes no bytes reruns nothing")
    func touchRerunsNothing() throws {
        let ws = try ranDiamond()
        for file in ["data/x.txt", "data/y.txt", "scripts/clean.py", "results/clean.txt", "results/join.txt"] {
            ws.directory.touch(file)
        }
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.cached) == diamondStages)
        #expect(executor.executed.isEmpty)
    }

    @Test("an edited output is restored from the store, not rerun")
    func editedOutputRestored() throws {
        let ws = try ranDiamond()
        let original = try #require(ws.directory.read("results/left.txt"))
        ws.directory.write("results/left.txt", "X" + original.dropFirst())
        let (summary, executor) = try ws.runFake()
        #expect(summary.ok)
        #expect(summary.ids(.restored) == ["left"])
        #expect(summary.reasons("left") == [.outputEdited("results/left.txt")])
        #expect(summary.ids(.cached) == ["clean", "join", "right"])
        #expect(executor.executed.isEmpty)
        #expect(ws.directory.read("results/left.txt") == original)
    }

    @Test("a deleted output is restored from the store, not rerun")
    func deletedOutputRestored() throws {
        let ws = try ranDiamond()
        let original = try #require(ws.directory.read("results/right.txt"))
        ws.directory.delete("results/right.txt")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.restored) == ["right"])
        #expect(summary.reasons("right") == [.outputMissing("results/right.txt")])
        #expect(summary.ids(.cached) == ["clean", "join", "left"])
        #expect(executor.executed.isEmpty)
        #expect(ws.directory.read("results/right.txt") == original)

        let again = try ws.runFake()
        #expect(again.summary.ids(.cached) == diamondStages)
    }

    @Test("a stage that reruns but writes identical bytes leaves its downstream cached (early cutoff)")
    func earlyCutoff() throws {
        let constant: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            job.write(output: "table", "always the same\n")
            return .succeeded
        }
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake(behaviours: ["clean": constant]).summary.ok)
        ws.directory.write("data/x.txt", "x2\n")
        let (summary, executor) = try ws.runFake(behaviours: ["clean": constant])
        #expect(summary.ids(.ran) == ["clean"])
        #expect(summary.reasons("clean") == [.inputChanged("data/x.txt")])
        #expect(summary.ids(.cached) == ["join", "left", "right"])
        #expect(executor.executed == ["clean"])
    }

    @Test("switching a param back to an earlier value restores from the store instead of running")
    func paramSwitchedBack() throws {
        let ws = try ranDiamond()
        let firstLeft = ws.directory.read("results/left.txt")
        let firstJoin = ws.directory.read("results/join.txt")
        ws.yaml = ws.yaml.replacing("threshold: 0.5", with: "threshold: 0.6")
        #expect(try ws.runFake().summary.ids(.ran) == ["join", "left"])

        ws.yaml = ws.yaml.replacing("threshold: 0.6", with: "threshold: 0.5")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ok)
        #expect(executor.executed.isEmpty)
        #expect(summary.ids(.ran).isEmpty)
        #expect(summary.ids(.restored) == ["join", "left"])
        // The outputs on disk are the 0.6 version, not edits: the reasons say what changed since it.
        #expect(summary.reasons("left") == [.paramChanged(name: "threshold", from: "0.6", to: "0.5")])
        #expect(summary.reasons("join") == [.inputChanged("results/left.txt")])
        #expect(ws.directory.read("results/left.txt") == firstLeft)
        #expect(ws.directory.read("results/join.txt") == firstJoin)

        let again = try ws.runFake()
        #expect(again.summary.ids(.cached) == diamondStages)
        #expect(again.executor.executed.isEmpty)
    }

    @Test("overriding a workflow param and dropping the override restores the earlier outputs")
    func workflowParamSwitchedBack() throws {
        let ws = try ranDiamond()
        #expect(try ws.runFake(RunOptions(jobs: 2, params: ["scale": .integer(3)])).summary.ids(.ran) == ["join", "left"])
        let (summary, executor) = try ws.runFake()
        #expect(executor.executed.isEmpty)
        #expect(summary.ids(.restored) == ["join", "left"])
        #expect(summary.ids(.cached) == ["clean", "right"])
    }

    @Test("declaring another input reruns the stage with inputAdded; dropping it gives inputRemoved")
    func declaredInputsChanged() throws {
        let ws = try ranDiamond()
        ws.yaml = ws.yaml.replacing("inputs: {raw: data/x.txt}", with: "inputs: {raw: data/x.txt, more: data/y.txt}")
        let added = try ws.runFake().summary
        #expect(added.ids(.ran).contains("clean"))
        #expect(added.reasons("clean") == [.inputAdded("data/y.txt")])

        ws.yaml = ws.yaml.replacing("inputs: {raw: data/x.txt, more: data/y.txt}", with: "inputs: {raw: data/x.txt}")
        let removed = try ws.runFake().summary
        // Back to the first key: the outputs on disk are another version, restored from the store.
        #expect(removed.ids(.restored).contains("clean"))
        #expect(removed.reasons("clean") == [.inputRemoved("data/y.txt")])
        #expect(removed.ids(.ran).isEmpty)
    }

    @Test("creating a file the command names but did not exist before adds it to the key")
    func implicitInputAppears() throws {
        let ws = TestWorkspace(yaml: """
            name: helper
            stages:
              use:
                run: sh scripts/helper.sh ${inputs} > ${outputs}
                inputs: [data/in.txt]
                outputs: [out/use.txt]
            """, files: ["data/in.txt": "1\n"])
        try #require(try ws.runFake().summary.ok)
        ws.directory.write("scripts/helper.sh", "cat \"$1\"\n")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["use"])
        #expect(summary.reasons("use") == [.inputAdded("scripts/helper.sh")])
        #expect(executor.executed == ["use"])
        #expect(try ws.runFake().executor.executed.isEmpty)

        ws.directory.delete("scripts/helper.sh")
        // Back to the first run's key, whose record matches the (identical) output on disk.
        let gone = try ws.runFake()
        #expect(gone.summary.ids(.cached) == ["use"])
        #expect(gone.executor.executed.isEmpty)
    }

    @Test("a damaged output whose object left the store is rerun with outputNotInStore")
    func outputNotInStore() throws {
        let ws = try ranDiamond()
        let record = try #require(try ws.runFake().summary.results.first { $0.stage == "right" }?.record)
        let output = try #require(record.outputs.first)
        try FileIO.removeTree(ws.layout.object(output.digest))
        ws.directory.delete("results/right.txt")
        let (summary, executor) = try ws.runFake()
        #expect(summary.ids(.ran) == ["right"])
        #expect(summary.reasons("right") == [.outputNotInStore("results/right.txt")])
        #expect(executor.executed == ["right"])
        // The rerun writes the same bytes: join stays cached.
        #expect(summary.ids(.cached) == ["clean", "join", "left"])
    }

    @Test("a directory output: an edited or added file inside it is restored; a reader of one file inside reruns only when it changes")
    func directoryOutput() throws {
        let ws = TestWorkspace(yaml: """
            name: parts
            stages:
              split:
                run: split ${inputs} ${outputs}
                inputs: [data/in.txt]
                outputs: [results/parts/]
              use:
                run: cat ${inputs} > ${outputs}
                inputs: [results/parts/part-1.txt]
                outputs: [results/use.txt]
            """, files: ["data/in.txt": "1\n"])
        let first = try ws.runFake().summary
        #expect(first.ids(.ran) == ["split", "use"])
        #expect(first.reasons("use") == [.neverRun])
        let part = try #require(ws.directory.read("results/parts/part-1.txt"))

        ws.directory.write("results/parts/part-1.txt", "edited\n")
        ws.directory.write("results/parts/stray.txt", "stray\n")
        let (restored, executor) = try ws.runFake()
        #expect(restored.ids(.restored) == ["split"])
        #expect(restored.reasons("split") == [.outputEdited("results/parts/")])
        #expect(restored.ids(.cached) == ["use"])
        #expect(executor.executed.isEmpty)
        #expect(ws.directory.read("results/parts/part-1.txt") == part)
        #expect(!ws.directory.exists("results/parts/stray.txt"))

        ws.directory.write("data/in.txt", "2\n")
        let changed = try ws.runFake().summary
        #expect(changed.ids(.ran) == ["split", "use"])
        #expect(changed.reasons("use") == [.upstreamReran("split")])
    }

    @Test("the diamond fixture's left stage refers to ${params.scale}")
    func fixtureRefersToScale() throws {
        let ws = TestWorkspace(yaml: WorkflowFixtures.diamond, files: WorkflowFixtures.diamondFiles)
        let left = try #require(try ws.compile().workflow.stages.first { $0.id == "left" })
        guard case .shell(let template) = left.action else { Issue.record("left is not a shell stage"); return }
        #expect(template.text.contains("${params.scale}"))
    }
}
