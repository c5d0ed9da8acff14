#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import StudyCore
import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport

/// `SlurmExecutor` against fake `sbatch`/`squeue`/`scancel`/`sinfo` scripts (`FakeSlurm`): the
/// submission arguments, job scripts, status files, the shared poller, lost and cancelled jobs,
/// and the checks made before anything is submitted.
@Suite("SLURM executor")
struct SlurmExecutorTests {
    private func job(_ command: String, in directory: TemporaryDirectory, stage: String = "s", threads: Int = 1,
                     memory: String? = nil, time: String? = nil) -> StageJob {
        try? FileIO.createDirectories(directory.path + "/logs")
        return StageJob(stage: stage, action: .shell(command), root: directory.path,
                        environment: ["STUDYFLOW_STAGE": stage, "STUDYFLOW_PARAM_N": "it's 3"],
                        resources: StageResources(threads: threads, memory: memory, time: time),
                        logPath: directory.path + "/logs/\(stage).log")
    }

    /// A serial queue of its own for a worker that blocks in `submit`, as the scheduler's lanes are:
    /// serial queues overcommit, so blocked workers never starve the others of threads.
    private func worker(_ name: String) -> DispatchQueue { DispatchQueue(label: "test.worker.\(name)") }

    @Test("sbatch gets --cpus-per-task, --mem, --time, partition, account and extra arguments, in that order")
    func submissionArguments() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        let executor = try SlurmExecutor(settings: slurm.settings(partition: "short", account: "lab", extra: ["--qos=low", "--exclusive"]))
        let execution = executor.submit(job("true", in: dir, stage: "km", threads: 2, memory: "1.5G", time: "90s"))
        #expect(execution == StageExecution(outcome: .succeeded, jobID: "1"))
        let log = dir.path + "/logs/km.log"
        #expect(slurm.calls("sbatch") == ["--parsable --job-name=studyflow-km --chdir=\(dir.path) --output=\(log) --error=\(log) --open-mode=append --no-requeue --ntasks=1 --cpus-per-task=2 --mem=1536M --time=2 --partition=short --account=lab --qos=low --exclusive \(dir.path)/logs/km.sbatch"])
    }

    @Test("a shell job runs in the workspace root with the stage's environment, output appended to its log")
    func shellJob() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        dir.write("logs/s.log", "earlier\n")
        let executor = try SlurmExecutor(settings: slurm.settings())
        let execution = executor.submit(job("pwd; echo \"$STUDYFLOW_STAGE $STUDYFLOW_PARAM_N\"; echo err >&2", in: dir))
        #expect(execution.outcome == .succeeded)
        #expect(dir.read("logs/s.log") == "earlier\n\(dir.path)\ns it's 3\nerr\n")
        #expect(dir.read("logs/s.status") == "0\n")
    }

    @Test("a failing job fails with its exit status; a retry clears the old status file first")
    func failingJob() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        let executor = try SlurmExecutor(settings: slurm.settings())
        #expect(executor.submit(job("exit 3", in: dir)) ==
                StageExecution(outcome: .failed(status: 3, message: "job 1 exited with status 3"), jobID: "1"))
        slurm.set("hold")
        // Held jobs never run; the stale status 3 must not be taken for this job's end.
        let group = DispatchGroup()
        let second = Mutex<StageOutcome?>(nil)
        worker("second").async(group: group) {
            let outcome = executor.submit(job("true", in: dir)).outcome
            second.withLock { $0 = outcome }
        }
        for _ in 0..<250 where slurm.queued.isEmpty { usleep(20_000) }
        usleep(200_000)
        #expect(group.wait(timeout: .now()) == .timedOut)
        #expect(slurm.queued == ["2"], "\(slurm.calls("sbatch")) \(dir.read("logs/s.log") ?? "") \(dir.read("logs/s.status") ?? "-")")
        #expect(!dir.exists("logs/s.status"))
        executor.cancelAll()
        #expect(group.wait(timeout: .now() + 5) == .success)
        #expect(second.withLock { $0 } == .cancelled)
    }

    @Test("a job that leaves squeue without an exit status is reported as cancelled or lost, not waited on")
    func lostJob() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("lose")
        let executor = try SlurmExecutor(settings: slurm.settings())
        let start = SystemClock.monotonicSeconds()
        let execution = executor.submit(job("true", in: dir, stage: "km"))
        #expect(execution == StageExecution(
            outcome: .failed(status: 1, message: "job 1 of stage 'km' was cancelled or lost (not in squeue, no exit status)"),
            jobID: "1"))
        #expect(SystemClock.monotonicSeconds() - start < 5)
    }

    @Test("a job SLURM ended (scancel from outside, time limit) is reported with SLURM's reason, even if the wrapper wrote 143")
    func cancelledFromOutside() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("lose")
        slurm.set("states", "1 CANCELLED\n2 TIMEOUT\n3 COMPLETED\n")
        let executor = try SlurmExecutor(settings: slurm.settings())
        #expect(executor.submit(job("true", in: dir, stage: "a")).outcome == .failed(
            status: 1, message: "job 1 of stage 'a' was cancelled (scancel from outside studyflow, or by the cluster)"))
        dir.write("logs/b.status", "143\n")
        // The stale file is removed before submission, so write the signal status while it waits.
        let group = DispatchGroup()
        let outcome = Mutex<StageOutcome?>(nil)
        worker("b").async(group: group) {
            let o = executor.submit(job("true", in: dir, stage: "b")).outcome
            outcome.withLock { $0 = o }
        }
        for _ in 0..<250 where slurm.calls("sbatch").count < 2 { usleep(20_000) }
        dir.write("logs/b.status", "143\n")
        #expect(group.wait(timeout: .now() + 5) == .success)
        #expect(outcome.withLock { $0 } == .failed(status: 1, message: "job 2 of stage 'b' hit its time limit (TIMEOUT); raise 'resources.time'"))
        // A signal death SLURM did not cause is the command's own failure.
        let group3 = DispatchGroup()
        worker("c").async(group: group3) {
            let o = executor.submit(job("true", in: dir, stage: "c")).outcome
            outcome.withLock { $0 = o }
        }
        for _ in 0..<250 where slurm.calls("sbatch").count < 3 { usleep(20_000) }
        dir.write("logs/c.status", "137\n")
        #expect(group3.wait(timeout: .now() + 5) == .success)
        #expect(outcome.withLock { $0 } == .failed(status: 137, message: "job 3 exited with status 137"))
    }

    @Test("cancelAll scancels every outstanding job (the waiting ones in one call) and the workers return cancelled")
    func cancelAll() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("hold")
        let executor = try SlurmExecutor(settings: slurm.settings())
        let outcomes = Mutex<[String: StageOutcome]>([:])
        let group = DispatchGroup()
        for stage in ["a", "b"] {
            worker(stage).async(group: group) {
                let execution = executor.submit(job("true", in: dir, stage: stage))
                outcomes.withLock { $0[stage] = execution.outcome }
            }
        }
        for _ in 0..<250 where slurm.queued.count < 2 { usleep(20_000) }
        #expect(slurm.queued == ["1", "2"])
        executor.cancelAll()
        #expect(group.wait(timeout: .now() + 5) == .success)
        #expect(outcomes.withLock { $0 } == ["a": .cancelled, "b": .cancelled])
        // Jobs already waiting go in one scancel; a job whose worker had submitted it but not yet
        // begun to wait (possible under load) is cancelled by that worker itself, right after.
        let scancels = slurm.calls("scancel")
        #expect(scancels.flatMap { $0.split(separator: " ").map(String.init) }.sorted() == ["1", "2"])
        #expect(scancels.count <= 2)
        #expect(slurm.queued.isEmpty)
        // Nothing more is submitted after Ctrl-C.
        #expect(executor.submit(job("true", in: dir, stage: "c")).outcome == .cancelled)
        #expect(slurm.calls("sbatch").count == 2)
    }

    @Test("one squeue call per interval serves every waiting job; a job ends when its status file appears, even while squeue still lists it")
    func sharedPoller() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("hold")
        let executor = try SlurmExecutor(settings: slurm.settings())
        let group = DispatchGroup()
        let stages = (0..<6).map { "w\($0)" }
        let outcomes = Mutex<[String: StageOutcome]>([:])
        for stage in stages {
            worker(stage).async(group: group) {
                let execution = executor.submit(job("true", in: dir, stage: stage))
                outcomes.withLock { $0[stage] = execution.outcome }
            }
        }
        for _ in 0..<250 where slurm.queued.count < 6 { usleep(20_000) }
        #expect(slurm.queued.count == 6)
        let before = slurm.calls("squeue").count
        usleep(500_000)
        let polls = slurm.calls("squeue").count - before
        // 0.5 s at 0.05 s per interval: about 10 calls for six jobs (not 60).
        #expect(polls >= 3 && polls <= 14, "squeue called \(polls) times")
        #expect(slurm.calls("squeue").allSatisfy { $0 == "--noheader --me --states=all --format=%i|%T|%r" })
        // Completion comes from the status files (issue 17): the jobs are still listed by squeue.
        for (i, stage) in stages.enumerated() { dir.write("logs/\(stage).status", i == 0 ? "4\n" : "0\n") }
        #expect(group.wait(timeout: .now() + 5) == .success)
        #expect(slurm.queued.count == 6)
        guard case .failed(4, let message)? = outcomes.withLock({ $0["w0"] }) else {
            Issue.record("w0 should fail with status 4")
            return
        }
        #expect(message.hasPrefix("job ") && message.hasSuffix(" exited with status 4"))
        #expect(outcomes.withLock { $0.values.filter { $0 == .succeeded }.count } == 5)
    }

    @Test("sbatch's rejection fails the stage with sbatch's own message")
    func rejected() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("reject", "sbatch: error: Batch job submission failed: Requested node configuration is not available\n")
        let executor = try SlurmExecutor(settings: slurm.settings())
        #expect(executor.submit(job("true", in: dir, stage: "big")) == StageExecution(outcome: .failed(
            status: 1,
            message: "sbatch rejected the job of stage 'big': sbatch: error: Batch job submission failed: Requested node configuration is not available")))
    }

    @Test("missing sbatch is an error before anything is submitted")
    func missingSbatch() {
        let empty = TemporaryDirectory()
        #expect(throws: SlurmError.missingTool("sbatch")) {
            try SlurmExecutor(settings: SlurmSettings(studyflowBinary: "/bin/false", searchPath: empty.path))
        }
        #expect(SlurmError.missingTool("sbatch").description.hasPrefix("'sbatch' is not on PATH; --executor slurm needs"))
    }

    @Test("a controller that does not answer is an error before anything is submitted")
    func controllerDown() throws {
        let slurm = FakeSlurm()
        slurm.set("down")
        let executor = try SlurmExecutor(settings: slurm.settings())
        #expect(throws: SlurmError.controllerDown("sinfo: error: Unable to contact slurm controller (connect failure)")) {
            try executor.check(stages: [("a", 1)])
        }
        #expect(slurm.calls("sbatch").isEmpty)
    }

    @Test("a stage asking for more CPUs than the largest node is an error naming the stage")
    func tooManyCPUs() throws {
        let slurm = FakeSlurm()
        slurm.set("cpus", "2\n4\n")
        let executor = try SlurmExecutor(settings: slurm.settings(partition: "short"))
        try executor.check(stages: [("a", 1), ("b", 4)])
        #expect(throws: SlurmError.tooManyCPUs(stage: "fit", asked: 8, largest: 4)) {
            try executor.check(stages: [("a", 1), ("fit", 8)])
        }
        #expect(slurm.calls("sinfo").last == "--noheader --Node --format=%c --partition=short")
        #expect(SlurmError.tooManyCPUs(stage: "fit", asked: 8, largest: 4).description ==
                "stage 'fit' asks for 8 CPUs (threads: 8) but the largest SLURM node has 4; lower its 'threads'")
    }

    @Test("a workflow run on SLURM records job ids, and a local run finds every stage cached")
    func cacheSharedWithLocal() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: wideWorkflow(3), files: ["data/in.txt": "x\n"])
        let executor = try SlurmExecutor(settings: slurm.settings())
        let summary = try ws.run(RunOptions(jobs: 2), executor: executor).summary
        #expect(summary.ids(.ran) == ["w0", "w1", "w2"])
        #expect(Set(summary.results.compactMap(\.jobID)) == ["1", "2", "3"])
        #expect(ws.directory.read("out/w1.txt") == "x\n")
        let local = try ws.run(RunOptions(jobs: 2, forceAll: false), executor: LocalExecutor()).summary
        #expect(local.ids(.cached) == ["w0", "w1", "w2"])
        #expect(local.results.allSatisfy { $0.jobID == nil })
    }

    @Test("retries resubmit a failing job; keep-going runs the independent branch")
    func retriesAndKeepGoing() throws {
        let slurm = FakeSlurm()
        let yaml = """
        name: r
        stages:
          flaky:
            run: "n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; [ $n -ge 1 ] && echo ok > ${outputs.out}"
            outputs: {out: out/flaky.txt}
            retries: 2
          broken:
            run: echo failing >&2; exit 5
            outputs: {out: out/broken.txt}
          after:
            run: cat ${inputs} > ${outputs.out}
            inputs: [out/broken.txt]
            outputs: {out: out/after.txt}
        """
        let ws = TestWorkspace(yaml: yaml)
        let executor = try SlurmExecutor(settings: slurm.settings())
        let summary = try ws.run(RunOptions(jobs: 2, keepGoing: true), executor: executor).summary
        #expect(summary.ids(.ran) == ["flaky"])
        #expect(summary.ids(.failed) == ["broken"])
        #expect(summary.ids(.skipped) == ["after"])
        let flaky = try #require(summary.results.first { $0.stage == "flaky" })
        #expect(flaky.attempts == 2)
        let broken = try #require(summary.results.first { $0.stage == "broken" })
        #expect(broken.exitStatus == 5)
        #expect(broken.failure?.contains("exited with status 5") == true)
        #expect(broken.failure?.hasSuffix("failing") == true)
    }
}

@Suite("Stage specification")
struct StageSpecificationTests {
    struct Kind: StageKind {
        let name = "test/kind"
        let version = 3
        func run(_ context: StageKindContext) -> StageOutcome { .succeeded }
    }

    @Test("a frozen specification reads back equal, integers and fractional numbers kept apart")
    func roundTrip() throws {
        let with: JSONValue = .object([
            "alpha": .number(2.0), "n": .integer(2), "tiny": .number(1e-300), "neg": .number(-0.5),
            "name": .string("caf\u{e9} \"q\" \\ \n\t\u{1}"), "list": .array([.null, .bool(true), .bool(false), .object([:])]),
        ])
        let context = StageKindContext(stage: "km", root: "/w s", inputs: ["table": "/w s/a.csv"], outputs: ["0": "/w s/o.json"],
                                       with: with, params: ["seed": .integer(7), "p": .number(0.25)],
                                       inputProducers: ["table": "ingest"], log: { _ in })
        let spec = StageSpecification(kind: Kind(), context: context)
        let read = try StageSpecification(json: spec.json)
        #expect(read == spec)
        #expect(read.version == 3 && read.kind == "test/kind")
        #expect(read.with == with)
        #expect(read.context(log: { _ in }).inputProducers == ["table": "ingest"])
        #expect(spec.json.contains("\"alpha\":2.0"))
    }

    @Test("a damaged specification names what is wrong")
    func damaged() {
        #expect(throws: (any Error).self) { try StageSpecification(json: "{\"format\":1,") }
        do {
            _ = try StageSpecification(json: "{\"format\":1,\"kind\":3}")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "field 'kind' must be a string")
        }
        do {
            _ = try StageSpecification(json: "{\"format\":9}")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "format 9 is not 1; submit and run with the same studyflow")
        }
    }
}
