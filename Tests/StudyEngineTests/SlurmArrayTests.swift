#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import StudyCore
@testable import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport

/// Job arrays (issue 17 item 1): chunking at MaxArraySize, the manifest and wrapper, the mapping
/// of SLURM_ARRAY_TASK_ID to an instance, squeue's compressed array ids, and whole fan-outs going
/// out as one `sbatch --array` through the runner, against fake SLURM tools.
@Suite("SLURM job arrays")
struct SlurmArrayTests {
    private func fanout(_ n: Int, extra: String = "") -> String {
        let items = (0..<n).map { "k\($0)" }.joined(separator: ", ")
        return """
        name: fan
        stages:
          fan:
            foreach: [\(items)]
            run: echo ${each.key} > ${outputs.out}
            outputs:
              out: out/${each.key}.txt
        \(extra)
        """
    }

    @Test("instances are chunked at MaxArraySize, in order")
    func chunking() {
        #expect(SlurmArray.chunks(2500, maxArraySize: 1001) == [0..<1001, 1001..<2002, 2002..<2500])
        #expect(SlurmArray.chunks(1001, maxArraySize: 1001) == [0..<1001])
        #expect(SlurmArray.chunks(3, maxArraySize: 1) == [0..<1, 1..<2, 2..<3])
        #expect(SlurmArray.chunks(0, maxArraySize: 1001).isEmpty)
    }

    @Test("the manifest lists each task's instance; the wrapper and the --array range are exact")
    func manifestAndWrapper() {
        let array = SlurmArray(template: "cox", directory: "/w s/.studyflow/logs/3", bases: ["cox@a", "cox@b.1", "cox@c"], number: 2)
        #expect(array.manifestText == "0 cox@a\n1 cox@b.1\n2 cox@c\n")
        #expect(array.range(throttle: 8) == "0-2%8")
        #expect(array.script == "/w s/.studyflow/logs/3/cox.array-2.sbatch")
        #expect(array.manifest == "/w s/.studyflow/logs/3/cox.array-2.manifest")
        #expect(array.scriptText == """
        #!/bin/sh
        # studyflow: job array of stage 'cox', 3 instances; written by the submitting process, do not edit
        dir='/w s/.studyflow/logs/3'
        base=$(awk -v t="$SLURM_ARRAY_TASK_ID" '$1 == t { print $2; exit }' "$dir"/cox.array-2.manifest)
        if [ -z "$base" ]; then echo "studyflow: array task '$SLURM_ARRAY_TASK_ID' is not in the manifest" >&2; exit 1; fi
        echo "studyflow: task $SLURM_ARRAY_TASK_ID is job $SLURM_JOB_ID ($base)"
        exec /bin/sh "$dir/$base.sbatch" >> "$dir/$base.log" 2>&1 < /dev/null
        """ + "\n")
        #expect(SlurmArray.taskID("42", 7) == "42_7")
    }

    @Test("the wrapper runs the instance its SLURM_ARRAY_TASK_ID names, output to that instance's log; an unknown task fails")
    func taskMapping() throws {
        let dir = TemporaryDirectory(prefix: "studyflow arrays")
        let bases = ["fan@x", "fan@y", "fan@z"]
        for base in bases { dir.write(base + ".sbatch", "echo \"ran \(base) in $(basename \"$PWD\")\"\n") }
        let array = SlurmArray(template: "fan", directory: dir.path, bases: bases, number: 1)
        dir.write("fan.array-1.manifest", array.manifestText)
        dir.write("fan.array-1.sbatch", array.scriptText)
        func task(_ id: String) -> CapturedProcess {
            CapturedProcess.run("/usr/bin/env", ["SLURM_ARRAY_TASK_ID=" + id, "/bin/sh", array.script], directory: "/tmp")
        }
        #expect(task("1").status == 0)
        #expect(dir.read("fan@y.log") == "ran fan@y in tmp\n")
        #expect(!dir.exists("fan@x.log") && !dir.exists("fan@z.log"))
        #expect(task("2").status == 0)
        #expect(dir.read("fan@z.log") == "ran fan@z in tmp\n")
        let unknown = task("3")
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "studyflow: array task '3' is not in the manifest\n")
    }

    @Test("squeue's compressed ids of pending array tasks expand to one id per task")
    func squeueArrayIDs() {
        #expect(SlurmTools.expand("42_[0-3,7%2]") == ["42_0", "42_1", "42_2", "42_3", "42_7"])
        #expect(SlurmTools.expand("42_[8-9]") == ["42_8", "42_9"])
        #expect(SlurmTools.expand("42_5") == ["42_5"])
        #expect(SlurmTools.expand("17") == ["17"])
        #expect(SlurmTools.expand("42_[x-1]") == ["42_[x-1]"])
    }

    @Test("a 12-instance fan-out goes out as ONE sbatch --array=0-11%2 (-j 2), and a local run then finds it cached")
    func oneArrayPerTemplate() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: fanout(12))
        let executor = try SlurmExecutor(settings: slurm.settings())
        let summary = try ws.run(RunOptions(jobs: 2), executor: executor).summary
        #expect(summary.ids(.ran).count == 12, "\(summary.results.compactMap(\.failure))")
        let calls = slurm.calls("sbatch")
        #expect(calls.count == 1)
        let logs = ws.directory.path + "/.studyflow/logs/1"
        #expect(calls.first == "--parsable --job-name=studyflow-fan --chdir=\(ws.directory.path) --output=\(logs)/fan.array-1.out --error=\(logs)/fan.array-1.out --open-mode=append --no-requeue --ntasks=1 --cpus-per-task=1 --array=0-11%2 \(logs)/fan.array-1.sbatch")
        #expect(Set(summary.results.compactMap(\.jobID)) == Set((0..<12).map { "1_\($0)" }))
        for i in 0..<12 { #expect(ws.directory.read("out/k\(i).txt") == "k\(i)\n") }
        // Task i runs the instance on line i (in the order the scheduler handed them over).
        let manifest = try #require(ws.directory.read(".studyflow/logs/1/fan.array-1.manifest"))
        let lines = manifest.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(lines.map { String($0[0]) } == (0..<12).map(String.init))
        #expect(Set(lines.map { String($0[1]) }) == Set((0..<12).map { "fan@k\($0)" }))
        let k7 = try #require(lines.first { $0[1] == "fan@k7" }.map { String($0[0]) })
        #expect(summary.results.first { $0.stage == "fan@k7" }?.jobID == "1_" + k7)
        #expect(slurm.calls("scontrol") == ["show config"])
        let local = try ws.run(RunOptions(jobs: 2), executor: LocalExecutor()).summary
        #expect(local.ids(.cached).count == 12)
    }

    @Test("instances beyond MaxArraySize go out in chunks; a failing instance fails alone with its status")
    func chunksAndFailures() throws {
        let slurm = FakeSlurm()
        slurm.set("maxarray", "4\n")
        let yaml = fanout(10).replacingOccurrences(of: "run: echo ${each.key} > ${outputs.out}",
                                                   with: "run: \"[ ${each.key} != k5 ] || exit 3; echo ${each.key} > ${outputs.out}\"")
        let ws = TestWorkspace(yaml: yaml)
        let executor = try SlurmExecutor(settings: slurm.settings(throttle: 3))
        let summary = try ws.run(RunOptions(jobs: 3, keepGoing: true), executor: executor).summary
        #expect(summary.ids(.ran).count == 9)
        #expect(summary.ids(.failed) == ["fan@k5"])
        let failed = try #require(summary.results.first { $0.stage == "fan@k5" })
        #expect(failed.exitStatus == 3)
        let id = try #require(failed.jobID)
        #expect(failed.failure?.hasPrefix("stage 'fan@k5' failed: job \(id) exited with status 3") == true, "\(failed.failure ?? "")")
        #expect(id.contains("_"))
        // Three chunks of 4, 4 and 2; which goes out first depends on when each chunk fills.
        #expect(slurm.calls("sbatch").map { $0.split(separator: " ").first { $0.hasPrefix("--array=") } ?? "" }.sorted()
                == ["--array=0-1%3", "--array=0-3%3", "--array=0-3%3"])
    }

    @Test("local: true runs on the submitting host under --executor slurm; plain stages stay single jobs")
    func localStage() throws {
        let slurm = FakeSlurm()
        let extra = """
          report:
            run: cat ${inputs.all} > ${outputs.out}; echo "$STUDYFLOW_STAGE" >> ${outputs.out}
            inputs: {all: {each: fan, output: out}}
            outputs: {out: out/report.txt}
            local: true
          single:
            run: echo one > ${outputs.out}
            outputs: {out: out/single.txt}
        """
        let ws = TestWorkspace(yaml: fanout(3, extra: extra))
        #expect(try ws.compile().workflow.stages.first { $0.id == "report" }?.resources.runsLocally == true)
        let executor = try SlurmExecutor(settings: slurm.settings())
        let summary = try ws.run(RunOptions(jobs: 2), executor: executor).summary
        #expect(summary.ids(.failed).isEmpty, "\(summary.results.compactMap(\.failure))")
        #expect(ws.directory.read("out/report.txt") == "k0\nk1\nk2\nreport\n")
        let report = try #require(summary.results.first { $0.stage == "report" })
        #expect(report.jobID == nil)
        let calls = slurm.calls("sbatch")
        #expect(calls.count == 2)
        #expect(calls.filter { $0.contains("--array=0-2%2") }.count == 1)
        #expect(calls.filter { $0.contains("--job-name=studyflow-single ") && !$0.contains("--array") }.count == 1)
    }

    @Test("Ctrl-C cancels a whole array in one scancel of its job id; every instance returns interrupted")
    func cancelArray() throws {
        let slurm = FakeSlurm()
        slurm.set("hold")
        let ws = TestWorkspace(yaml: fanout(5))
        let executor = try SlurmExecutor(settings: slurm.settings())
        let result = Mutex<RunSummary?>(nil)
        let done = DispatchSemaphore(value: 0)
        let runner = Runner(workspace: try ws.workspace(), executor: executor, options: RunOptions(jobs: 2), observers: [], run: 1)
        DispatchQueue(label: "test.run").async {
            let summary = try? runner.execute()
            result.withLock { $0 = summary }
            done.signal()
        }
        for _ in 0..<250 where slurm.queued.count < 5 { usleep(20_000) }
        #expect(slurm.queued == ["1_0", "1_1", "1_2", "1_3", "1_4"])
        runner.interrupt()
        #expect(done.wait(timeout: .now() + 10) == .success)
        let summary = try #require(result.withLock { $0 })
        #expect(summary.ids(.interrupted).count == 5)
        #expect(slurm.calls("scancel") == ["1"])
        #expect(slurm.queued.isEmpty)
    }
}

/// The gentle poller (issue 17 item 2): completion from status files, squeue at most once per
/// interval and only to find jobs that died without a status, sacct only while it works.
@Suite("SLURM gentle polling")
struct SlurmPollingTests {
    @Test("jobs complete from their status files with no squeue at all inside the interval")
    func statusFilesFirst() throws {
        let dir = TemporaryDirectory()
        let queries = Atomic<Int>(0)
        let poller = SlurmPoller(interval: 30, lostGrace: 2, tick: 0.02) {
            queries.add(1, ordering: .relaxed)
            return [:]
        }
        let ends = Mutex<[String: JobEnd]>([:])
        let group = DispatchGroup()
        for i in 0..<20 {
            group.enter()
            #expect(poller.watch("7_\(i)", statusFile: dir.path + "/s\(i).status") { end in
                ends.withLock { $0["7_\(i)"] = end }
                group.leave()
            })
        }
        for i in 0..<20 { dir.write("s\(i).status", i == 4 ? "2\n" : "0\n") }
        #expect(group.wait(timeout: .now() + 5) == .success)
        #expect(ends.withLock { $0.count } == 20)
        #expect(ends.withLock { $0["7_4"] } == .exited(2))
        #expect(ends.withLock { $0["7_5"] } == .exited(0))
        #expect(queries.load(ordering: .relaxed) == 0)
    }

    @Test("squeue runs at most once per interval while jobs wait, and finds a job that died without a status")
    func squeueAtMostOncePerInterval() throws {
        let dir = TemporaryDirectory()
        let times = Mutex<[Double]>([])
        let poller = SlurmPoller(interval: 0.3, lostGrace: 0.1, tick: 0.01) {
            times.withLock { $0.append(SystemClock.monotonicSeconds()) }
            return ["1": "RUNNING"]
        }
        let start = SystemClock.monotonicSeconds()
        let lost = Mutex<(JobEnd, Double)?>(nil)
        let group = DispatchGroup()
        group.enter()
        _ = poller.watch("2", statusFile: dir.path + "/gone.status") { end in
            lost.withLock { $0 = (end, SystemClock.monotonicSeconds()) }
            group.leave()
        }
        group.enter()
        _ = poller.watch("1", statusFile: dir.path + "/held.status") { _ in group.leave() }
        usleep(1_000_000)
        dir.write("held.status", "0\n")
        #expect(group.wait(timeout: .now() + 5) == .success)
        let calls = times.withLock { $0 }
        #expect(calls.count >= 2 && calls.count <= 4, "\(calls.count) squeue calls in 1 s at 0.3 s")
        for (a, b) in zip(calls, calls.dropFirst()) { #expect(b - a >= 0.29) }
        #expect(calls.first.map { $0 - start >= 0.29 } == true, "the first squeue waits one interval")
        let (end, at) = try #require(lost.withLock { $0 })
        #expect(end == .vanished(state: nil))
        #expect(at - start < 0.9)
    }

    @Test("sacct gives the final state of a vanished job when accounting works, and is asked once when it does not")
    func accounting() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        try? FileIO.createDirectories(dir.path + "/logs")
        slurm.set("lose")
        let job = { (stage: String) in
            StageJob(stage: stage, action: .shell("true"), root: dir.path, environment: [:], logPath: dir.path + "/logs/\(stage).log")
        }
        let disabled = try SlurmExecutor(settings: slurm.settings())
        for stage in ["a", "b"] {
            #expect(disabled.submit(job(stage)).outcome == .failed(
                status: 1, message: "job \(stage == "a" ? 1 : 2) of stage '\(stage)' was cancelled or lost (not in squeue, no exit status)"))
        }
        #expect(slurm.calls("sacct") == ["--noheader --parsable2 --allocations --format=JobID,State --jobs=1"])
        slurm.set("accounting", "3|NODE_FAIL\n")
        let enabled = try SlurmExecutor(settings: slurm.settings())
        #expect(enabled.submit(job("c")).outcome == .failed(
            status: 1, message: "job 3 of stage 'c' was lost with its node (NODE_FAIL: the node failed or was set DOWN while it ran); 'retries:' reruns it"))
    }
}

/// Stages an executor completes later need no thread each: far more than Dispatch's 255 worker
/// threads can be outstanding at once, and `-j` then bounds only the work done in-process.
@Suite("Scheduler with an executor that completes later")
struct DeferredCompletionTests {
    /// Holds every job until `expected` are outstanding (or 10 s passed, so a scheduler that
    /// blocks fails the test instead of hanging it), then completes them all from other threads.
    final class LaterExecutor: Executor, @unchecked Sendable {
        let name = "later"
        let expected: Int
        let held = Mutex<(jobs: [@Sendable (StageExecution) -> Void], released: Bool)>(([], false))
        let most = Atomic<Int>(0)
        init(expected: Int) {
            self.expected = expected
            DispatchQueue.global().asyncAfter(deadline: .now() + 10) { [self] in release(force: true) }
        }
        func execute(_ job: StageJob) -> StageOutcome { .succeeded }
        func cancelAll() {}
        func start(_ job: StageJob, completion: @escaping @Sendable (StageExecution) -> Void) {
            held.withLock { held in
                held.jobs.append(completion)
                if held.jobs.count > most.load(ordering: .relaxed) { most.store(held.jobs.count, ordering: .relaxed) }
            }
            release(force: false)
        }
        private func release(force: Bool) {
            let jobs: [@Sendable (StageExecution) -> Void] = held.withLock { held in
                if force { held.released = true }
                guard held.released || held.jobs.count == expected else { return [] }
                held.released = true
                defer { held.jobs = [] }
                return held.jobs
            }
            for completion in jobs {
                DispatchQueue.global().async { completion(StageExecution(outcome: .failed(status: 1, message: "held"))) }
            }
        }
    }

    @Test("300 instances are all handed over before any completes, with -j 2")
    func manyOutstanding() throws {
        let items = (0..<300).map { "i\($0)" }.joined(separator: ", ")
        let ws = TestWorkspace(yaml: "name: many\nstages:\n  s:\n    foreach: [\(items)]\n    run: \"true\"\n    outputs:\n      - out/${each.key}\n")
        let executor = LaterExecutor(expected: 300)
        let summary = try ws.run(RunOptions(jobs: 2, keepGoing: true), executor: executor).summary
        #expect(executor.most.load(ordering: .relaxed) == 300)
        #expect(summary.ids(.failed).count == 300)
    }
}
