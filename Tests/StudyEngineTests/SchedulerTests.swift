import StudyCore
import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport

/// The runner's scheduling through `RunOptions`: failure handling, retries, force and targets,
/// and the `jobs` / `threads` bounds on concurrency.
@Suite("Scheduler")
struct SchedulerTests {
    /// Independent stages `a`, `b`, `c` and `d` reading `a`'s output.
    private static let forked = """
        name: forked
        stages:
          a:
            run: cat ${inputs} > ${outputs}
            inputs: [data/in.txt]
            outputs: [out/a.txt]
          b:
            run: cat ${inputs} > ${outputs}
            inputs: [data/in.txt]
            outputs: [out/b.txt]
          c:
            run: cat ${inputs} > ${outputs}
            inputs: [data/in.txt]
            outputs: [out/c.txt]
          d:
            run: cat ${inputs} > ${outputs}
            inputs: [out/a.txt]
            outputs: [out/d.txt]

        """

    /// A behaviour that fails its first `failures` attempts, then writes its outputs.
    private static func flaky(failures: Int) -> @Sendable (FakeExecutor.FakeJob) -> StageOutcome {
        { job in
            if job.job.attempt <= failures { return .failed(status: 1, message: "exited with status 1") }
            for output in job.stage.outputs { job.write(output: output.name ?? "0", "attempt \(job.job.attempt)\n") }
            return .succeeded
        }
    }

    // MARK: - Failures

    @Test("fail-fast: after a failure nothing new starts and the rest is skipped")
    func failFast() throws {
        let ws = TestWorkspace(yaml: Self.forked, files: ["data/in.txt": "1\n"])
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 1), failing: ["a"])
        #expect(!summary.ok)
        #expect(executor.executed == ["a"])
        #expect(summary.ids(.failed) == ["a"])
        #expect(summary.ids(.skipped) == ["b", "c", "d"])
        #expect(summary.results.map(\.stage) == ["a", "b", "c", "d"])
    }

    @Test("fail-fast on the diamond: a failing branch stops the run; a stage already running finishes")
    func failFastDiamond() throws {
        let ws = TestWorkspace.diamond()
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 1), failing: ["left"])
        #expect(executor.executed == ["clean", "left"])
        #expect(summary.ids(.ran) == ["clean"])
        #expect(summary.ids(.failed) == ["left"])
        #expect(summary.ids(.skipped) == ["join", "right"])
        #expect(summary.results.first { $0.stage == "left" }?.failure == "stage 'left' failed: exited with status 1")

        let parallel = TestWorkspace.diamond()
        let (wide, _) = try parallel.runFake(RunOptions(jobs: 2), failing: ["left"])
        #expect(wide.ids(.ran) == ["clean", "right"])
        #expect(wide.ids(.skipped) == ["join"])
    }

    @Test("keep-going runs independent branches and skips only the failed stage's downstream")
    func keepGoing() throws {
        let ws = TestWorkspace(yaml: Self.forked, files: ["data/in.txt": "1\n"])
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 1, keepGoing: true), failing: ["a"])
        #expect(!summary.ok)
        #expect(executor.executed == ["a", "b", "c"])
        #expect(summary.ids(.failed) == ["a"])
        #expect(summary.ids(.ran) == ["b", "c"])
        #expect(summary.ids(.skipped) == ["d"])

        let diamond = TestWorkspace.diamond()
        let (d, _) = try diamond.runFake(RunOptions(jobs: 1, keepGoing: true), failing: ["left"])
        #expect(d.ids(.ran) == ["clean", "right"])
        #expect(d.ids(.skipped) == ["join"])
    }

    @Test("after a failed run, the next run reruns the failed and skipped stages and caches the rest")
    func recoveryAfterFailure() throws {
        let ws = TestWorkspace(yaml: Self.forked, files: ["data/in.txt": "1\n"])
        try ws.runFake(RunOptions(jobs: 1, keepGoing: true), failing: ["a"])
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 1))
        #expect(summary.ok)
        #expect(executor.executed == ["a", "d"])
        #expect(summary.ids(.cached) == ["b", "c"])
        #expect(summary.reasons("a") == [.neverRun])
        #expect(summary.reasons("d") == [.neverRun])
    }

    // MARK: - Retries

    @Test("RunOptions retries: a stage failing its first two attempts succeeds on the third")
    func retriesOption() throws {
        let ws = TestWorkspace.diamond()
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 1, retries: 2), behaviours: ["left": Self.flaky(failures: 2)])
        #expect(summary.ok)
        #expect(executor.executed.filter { $0 == "left" }.count == 3)
        #expect(summary.results.first { $0.stage == "left" }?.attempts == 3)
        #expect(summary.results.first { $0.stage == "right" }?.attempts == 1)
        #expect(ws.directory.read("results/left.txt") == "attempt 3\n")
    }

    @Test("too few retries: the stage fails after 1 + retries attempts")
    func retriesExhausted() throws {
        let ws = TestWorkspace.diamond()
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 1, retries: 1), behaviours: ["left": Self.flaky(failures: 2)])
        #expect(!summary.ok)
        #expect(executor.executed.filter { $0 == "left" }.count == 2)
        let left = try #require(summary.results.first { $0.stage == "left" })
        #expect(left.status == .failed)
        #expect(left.attempts == 2)
    }

    @Test("retries: in the YAML retries that stage; RunOptions retries overrides it")
    func retriesInYAML() throws {
        let ws = TestWorkspace(yaml: diamondYAML.replacing("    env: [STUDY_MODE]\n", with: "    env: [STUDY_MODE]\n    retries: 2\n"),
                               files: WorkflowFixtures.diamondFiles)
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 1), behaviours: ["left": Self.flaky(failures: 2)])
        #expect(summary.ok)
        #expect(executor.executed.filter { $0 == "left" }.count == 3)

        ws.directory.write("data/x.txt", "x2\n")
        let (overridden, again) = try ws.runFake(RunOptions(jobs: 1, retries: 0), behaviours: ["left": Self.flaky(failures: 2)])
        #expect(overridden.ids(.failed) == ["left"])
        #expect(again.executed.filter { $0 == "left" }.count == 1)
    }

    @Test("without retries a failing stage is executed once")
    func noRetries() throws {
        let ws = TestWorkspace.diamond()
        let (_, executor) = try ws.runFake(RunOptions(jobs: 1), behaviours: ["left": Self.flaky(failures: 1)])
        #expect(executor.executed.filter { $0 == "left" }.count == 1)
    }

    // MARK: - Selection

    @Test("force runs the named stage and its downstream only, with reason forced")
    func force() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 2, force: ["left"]))
        #expect(summary.ids(.ran) == ["join", "left"])
        #expect(summary.ids(.cached) == ["clean", "right"])
        #expect(summary.reasons("left") == [.forced])
        #expect(summary.reasons("join") == [.forced])
        #expect(executor.executed == ["left", "join"])
    }

    @Test("force-all runs every stage")
    func forceAll() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 2, forceAll: true))
        #expect(summary.ids(.ran) == diamondStages)
        for stage in diamondStages { #expect(summary.reasons(stage) == [.forced]) }
        #expect(executor.executed.sorted() == diamondStages)
    }

    @Test("targets (until) run the target and its upstream only")
    func targets() throws {
        let ws = TestWorkspace.diamond()
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 2, targets: ["left"]))
        #expect(summary.ok)
        #expect(summary.results.map(\.stage) == ["clean", "left"])
        #expect(executor.executed == ["clean", "left"])
        #expect(!ws.directory.exists("results/right.txt"))

        let (rest, restExecutor) = try ws.runFake()
        #expect(rest.ids(.cached) == ["clean", "left"])
        #expect(restExecutor.executed == ["right", "join"])
    }

    @Test("force within targets runs only the forced stages inside the selection")
    func forceWithTargets() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 2, force: ["clean"], targets: ["right"]))
        #expect(summary.results.map(\.stage) == ["clean", "right"])
        #expect(executor.executed == ["clean", "right"])
    }

    @Test("an unknown stage name throws unknownStage with a did-you-mean", arguments: [
        RunOptions(force: ["lfet"]), RunOptions(targets: ["lfet"]),
    ])
    func unknownStage(options: RunOptions) throws {
        let ws = TestWorkspace.diamond()
        let error = #expect(throws: RunError.self) { try ws.runFake(options) }
        guard case .unknownStage(let name, let suggestion)? = error else {
            Issue.record("expected unknownStage, got \(String(describing: error))")
            return
        }
        #expect(name == "lfet")
        #expect(suggestion == "left")
        #expect(error?.description == "no stage named 'lfet'; did you mean 'left'?")
        #expect(!ws.directory.exists("results/clean.txt"))
    }

    @Test("an unknown stage name with nothing close suggests status")
    func unknownStageWithoutSuggestion() throws {
        let ws = TestWorkspace.diamond()
        let error = #expect(throws: RunError.self) { try ws.runFake(RunOptions(targets: ["zzzzzzzz"])) }
        #expect(error?.description == "no stage named 'zzzzzzzz'; 'studyflow status' lists the stages")
    }

    // MARK: - Concurrency

    /// Runs `wideWorkflow(stages)` under `jobs` with every stage sleeping `milliseconds`; returns the probe.
    private func probeWide(stages: Int, jobs: Int, milliseconds: Int = 100) throws -> ConcurrencyProbe {
        let ws = TestWorkspace(yaml: wideWorkflow(stages), files: ["data/in.txt": "1\n"])
        let probe = ConcurrencyProbe()
        var behaviours: [String: @Sendable (FakeExecutor.FakeJob) -> StageOutcome] = [:]
        for i in 0..<stages { behaviours["w\(i)"] = probe.behaviour(milliseconds: milliseconds) }
        let (summary, executor) = try ws.runFake(RunOptions(jobs: jobs), behaviours: behaviours)
        #expect(summary.ok)
        #expect(executor.executed.count == stages)
        return probe
    }

    @Test("jobs bounds how many stages run at once")
    func jobsBound() throws {
        let probe = try probeWide(stages: 8, jobs: 2)
        #expect(probe.maximum <= 2)
        #expect(probe.maximum >= 1)
        #expect(probe.maximum == 2)
    }

    @Test("jobs 1 runs one stage at a time")
    func jobsOne() throws {
        #expect(try probeWide(stages: 6, jobs: 1, milliseconds: 20).maximum == 1)
    }

    @Test("jobs 4 runs four stages of a wide workflow at once")
    func jobsFour() throws {
        let probe = try probeWide(stages: 12, jobs: 4)
        #expect(probe.maximum <= 4)
        #expect(probe.maximum == 4)
    }

    @Test("a stage with threads 2 under jobs 2 runs alone")
    func threadsTakeSlots() throws {
        let heavy = """
              heavy:
                run: cat ${inputs} > ${outputs}
                inputs: [data/in.txt]
                outputs: [out/heavy.txt]
                threads: 2

            """
        let ws = TestWorkspace(yaml: wideWorkflow(3) + heavy + wideStages(3..<6), files: ["data/in.txt": "1\n"])
        let compiled = try ws.compile()
        try #require(compiled.workflow.stages.map(\.id) == ["w0", "w1", "w2", "heavy", "w3", "w4", "w5"])
        let probe = ConcurrencyProbe()
        var behaviours: [String: @Sendable (FakeExecutor.FakeJob) -> StageOutcome] = [:]
        for stage in compiled.workflow.stages { behaviours[stage.id] = probe.behaviour() }
        let (summary, _) = try ws.runFake(RunOptions(jobs: 2), behaviours: behaviours)
        #expect(summary.ok)
        #expect(probe.overlaps(of: "heavy").isEmpty)
        #expect(probe.maximum <= 2)
    }

    @Test("threads above jobs is capped at jobs, so the stage still runs")
    func threadsCapped() throws {
        let ws = TestWorkspace(yaml: wideWorkflow(2).replacing("outputs: {out: out/w0.txt}\n", with: "outputs: {out: out/w0.txt}\n    threads: 16\n"),
                               files: ["data/in.txt": "1\n"])
        let probe = ConcurrencyProbe()
        let (summary, _) = try ws.runFake(RunOptions(jobs: 2), behaviours: ["w0": probe.behaviour(), "w1": probe.behaviour()])
        #expect(summary.ids(.ran) == ["w0", "w1"])
        #expect(probe.overlaps(of: "w0").isEmpty)
    }

    @Test("a cached run of a wide workflow executes nothing at any jobs value")
    func cachedWide() throws {
        let ws = TestWorkspace(yaml: wideWorkflow(32), files: ["data/in.txt": "1\n"])
        try #require(try ws.runFake(RunOptions(jobs: 8)).summary.ok)
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 8))
        #expect(summary.ids(.cached).count == 32)
        #expect(executor.executed.isEmpty)
    }

    // MARK: - Property

    @Test("on a random DAG with failures under keep-going: exactly the failures' downstream cones are skipped",
          arguments: [1, 2, 3])
    func randomDAG(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let n = 60
        var dependencies: [[Int]] = []
        var yaml = "name: random\nstages:\n"
        for i in 0..<n {
            let deps = i == 0 ? [] : Array(Set((0..<Int(rng.next() % 3)).map { _ in Int(rng.next() % UInt64(i)) })).sorted()
            dependencies.append(deps)
            let inputs = deps.isEmpty ? ["data/in.txt"] : deps.map { "out/n\($0).txt" }
            yaml += "  n\(i):\n    run: cat ${inputs} > ${outputs}\n    inputs: [\(inputs.joined(separator: ", "))]\n    outputs: [out/n\(i).txt]\n"
        }
        let failing = Set((0..<4).map { _ in "n\(rng.next() % UInt64(n))" })
        var skipped = Set<Int>()
        for i in 0..<n where dependencies[i].contains(where: { failing.contains("n\($0)") || skipped.contains($0) }) {
            skipped.insert(i)
        }
        let ws = TestWorkspace(yaml: yaml, files: ["data/in.txt": "1\n"])
        let (summary, executor) = try ws.runFake(RunOptions(jobs: 8, keepGoing: true), failing: failing)
        let expectedSkipped = skipped.map { "n\($0)" }.sorted()
        let expectedFailed = failing.subtracting(expectedSkipped).sorted()
        #expect(summary.ids(.skipped) == expectedSkipped)
        #expect(summary.ids(.failed) == expectedFailed)
        #expect(summary.ids(.ran).count == n - expectedSkipped.count - expectedFailed.count)
        #expect(executor.executed.sorted() == (summary.ids(.ran) + summary.ids(.failed)).sorted())
        #expect(Set(executor.executed).count == executor.executed.count)
        // Every stage started only after all of its dependencies finished.
        let position = Dictionary(uniqueKeysWithValues: executor.executed.enumerated().map { ($1, $0) })
        for i in 0..<n {
            guard let p = position["n\(i)"] else { continue }
            for dep in dependencies[i] { #expect(position["n\(dep)"].map { $0 < p } == true, "n\(i) before n\(dep)") }
        }
    }
}

