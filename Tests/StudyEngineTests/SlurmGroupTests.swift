import StudyCore
@testable import StudyEngine
import Testing
import _StudyTestSupport

/// `group: NAME` (issue 17 item 1, as Snakemake's groups): ready stages of one group run one after
/// another inside one job, `group_components` stages at most per job, all group jobs of one
/// collection in one `sbatch --array`; a failure mid-job leaves the stages after it unrun; the
/// local executor ignores groups, and a group never enters a stage key.
@Suite("SLURM stage groups")
struct SlurmGroupTests {
    private func fanout(_ n: Int, group: String = "tiny", run: String = "echo ${each.key} > ${outputs.out}", extra: String = "") -> String {
        let items = (0..<n).map { "k\($0)" }.joined(separator: ", ")
        return """
        name: fan
        stages:
          fan:
            foreach: [\(items)]
            run: \(run)
            outputs:
              out: out/${each.key}.txt
            group: \(group)
        \(extra)
        """
    }

    @Test("group jobs, manifest, wrapper and --array range are exact")
    func files() {
        let group = SlurmGroup(name: "tiny", directory: "/w s/.studyflow/logs/3", jobs: [["a", "fan@k0"], ["fan@k1"]], number: 2)
        #expect(group.manifestText == "0 a\n0 fan@k0\n1 fan@k1\n")
        #expect(group.range(throttle: 8) == "0-1%8")
        #expect(group.script == "/w s/.studyflow/logs/3/tiny.group-2.sbatch")
        #expect(group.statusFile(task: 1) == "/w s/.studyflow/logs/3/tiny.group-2-1.status")
        #expect(group.scriptText == """
        #!/bin/sh
        # studyflow: group 'tiny', 2 group jobs of 3 stages; written by the submitting process, do not edit
        set -f
        dir='/w s/.studyflow/logs/3'
        task="${SLURM_ARRAY_TASK_ID:-0}"
        status=1
        ran=0
        for base in $(awk -v t="$task" '$1 == t { print $2 }' "$dir"/tiny.group-2.manifest); do
          ran=1
          /bin/sh "$dir/$base.sbatch" >> "$dir/$base.log" 2>&1 < /dev/null
          status=$?
          [ "$status" -eq 0 ] || break
        done
        if [ "$ran" -eq 0 ]; then echo "studyflow: group task '$task' is not in the manifest" >&2; fi
        echo "$status" > "$dir/tiny.group-2-$task.status.tmp" && mv -f "$dir/tiny.group-2-$task.status.tmp" "$dir/tiny.group-2-$task.status"
        exit "$status"
        """ + "\n")
    }

    @Test("stages split into jobs of group_components, and those into arrays of MaxArraySize jobs")
    func plan() {
        #expect(SlurmGroup.plan(1000, components: 50, maxArraySize: 1001).map { $0.count } == [20])
        #expect(SlurmGroup.plan(10, components: 4, maxArraySize: 2) == [[0..<4, 4..<8], [8..<10]])
        #expect(SlurmGroup.plan(7, components: nil, maxArraySize: 1001) == [[0..<7]])
        #expect(SlurmGroup.plan(3, components: 1, maxArraySize: 1001) == [[0..<1, 1..<2, 2..<3]])
    }

    @Test("a group job asks the most threads and memory of its stages and the longest job's summed time")
    func resources() {
        let a = StageResources(threads: 2, memory: "1G", time: "10m"), b = StageResources(threads: 4, memory: "512M", time: "1h")
        #expect(SlurmGroup.resources([[a, b], [a]]) == StageResources(threads: 4, memory: "1024M", time: "70m"))
        #expect(SlurmGroup.resources([[a], [b]]) == StageResources(threads: 4, memory: "1024M", time: "60m"))
        // A job with a stage of no time limit gets none of its own; neither does its array.
        #expect(SlurmGroup.resources([[a, StageResources()], [a]]) == StageResources(threads: 2, memory: "1024M", time: nil))
        #expect(SlurmGroup.resources([[StageResources()]]) == StageResources())
    }

    @Test("the wrapper runs its task's stages in order, each into its own log, and stops at the first failure")
    func wrapperStops() throws {
        let dir = TemporaryDirectory(prefix: "studyflow groups")
        for (base, code) in [("a", 0), ("b", 3), ("c", 0), ("d", 0)] {
            dir.write(base + ".sbatch", "echo \"ran \(base) as task $SLURM_ARRAY_TASK_ID\"\necho \(code) > '\(dir.path)/\(base).status'\nexit \(code)\n")
        }
        let group = SlurmGroup(name: "g", directory: dir.path, jobs: [["a", "b", "c"], ["d"]], number: 1)
        dir.write("g.group-1.manifest", group.manifestText)
        dir.write("g.group-1.sbatch", group.scriptText)
        func task(_ id: String) -> CapturedProcess {
            CapturedProcess.run("/usr/bin/env", ["SLURM_ARRAY_TASK_ID=" + id, "/bin/sh", group.script], directory: "/tmp")
        }
        #expect(task("0").status == 3)
        #expect(dir.read("a.log") == "ran a as task 0\n")
        #expect(dir.read("b.log") == "ran b as task 0\n")
        #expect(!dir.exists("c.log") && !dir.exists("c.status") && !dir.exists("d.log"))
        #expect(dir.read("g.group-1-0.status") == "3\n")
        #expect(task("1").status == 0)
        #expect(dir.read("d.log") == "ran d as task 1\n")
        #expect(dir.read("g.group-1-1.status") == "0\n")
        let unknown = task("2")
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "studyflow: group task '2' is not in the manifest\n")
        #expect(dir.read("g.group-1-2.status") == "1\n")
    }

    @Test("each stage's end in a group job: its own status; the first failure's reason; 'not run' for the rest")
    func executions() {
        let stages = [("a", "a.status"), ("b", "b.status"), ("c", "c.status")].map { (stage: $0.0, statusFile: $0.1) }
        func ends(_ end: JobEnd, _ statuses: [String: Int32]) -> [StageExecution] {
            GroupSubmitter.executions(end, task: "9_1", group: "tiny", stages: stages, status: { statuses[$0] })
        }
        let notRun = StageOutcome.failed(status: 1, message: "not run: stage 'b' before it in job 9_1 of group 'tiny' did not succeed; the next run runs it")
        #expect(ends(.exited(3), ["a.status": 0, "b.status": 3]).map(\.outcome) ==
                [.succeeded, .failed(status: 3, message: "job 9_1 exited with status 3"), notRun])
        #expect(ends(.exited(0), ["a.status": 0, "b.status": 0, "c.status": 0]).map(\.outcome) == [.succeeded, .succeeded, .succeeded])
        #expect(ends(.exited(0), ["a.status": 0, "b.status": 0, "c.status": 0]).map(\.jobID) == ["9_1", "9_1", "9_1"])
        #expect(ends(.vanished(state: "TIMEOUT"), ["a.status": 0]).map(\.outcome) ==
                [.succeeded, .failed(status: 1, message: "job 9_1 of stage 'b' hit its time limit (TIMEOUT); raise 'resources.time'"), notRun])
        #expect(ends(.vanished(state: "CANCELLED"), ["a.status": 0, "b.status": 143]).map(\.outcome)[1] ==
                .failed(status: 1, message: "job 9_1 of stage 'b' was cancelled (scancel from outside studyflow, or by the cluster)"))
        #expect(ends(.cancelled, ["a.status": 0]).map(\.outcome) == [.succeeded, .cancelled, .cancelled])
    }

    @Test("a 12-instance group with group_components 5 goes out as ONE sbatch --array=0-2 of group jobs; a local run finds it cached")
    func oneArrayOfGroupJobs() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: fanout(12))
        var settings = slurm.settings()
        settings.groupComponents = ["tiny": 5]
        let summary = try ws.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: settings)).summary
        #expect(summary.ids(.ran).count == 12, "\(summary.results.compactMap(\.failure))")
        let calls = slurm.calls("sbatch")
        let logs = ws.directory.path + "/.studyflow/logs/1"
        #expect(calls == ["--parsable --job-name=studyflow-group-tiny --chdir=\(ws.directory.path) --output=\(logs)/tiny.group-1.out --error=\(logs)/tiny.group-1.out --open-mode=append --no-requeue --ntasks=1 --cpus-per-task=1 --array=0-2%2 \(logs)/tiny.group-1.sbatch"])
        let manifest = try #require(ws.directory.read(".studyflow/logs/1/tiny.group-1.manifest"))
        let lines = manifest.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.map { $0[0] } == ["0", "0", "0", "0", "0", "1", "1", "1", "1", "1", "2", "2"])
        #expect(Set(lines.map { $0[1] }) == Set((0..<12).map { "fan@k\($0)" }))
        for line in lines { #expect(summary.results.first { $0.stage == line[1] }?.jobID == "1_" + line[0]) }
        for i in 0..<12 { #expect(ws.directory.read("out/k\(i).txt") == "k\(i)\n") }
        let local = try ws.run(RunOptions(jobs: 2), executor: LocalExecutor()).summary
        #expect(local.ids(.cached).count == 12)
    }

    @Test("different stages of one group ready together share one job; a dependent one joins the next wave's job")
    func mixedStagesAndWaves() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: """
        name: mixed
        stages:
          a:
            run: echo a > ${outputs}
            outputs: [out/a.txt]
            group: small
            threads: 2
          b:
            run: echo b > ${outputs}
            outputs: [out/b.txt]
            group: small
            resources: {memory: 3G}
          c:
            run: cat ${inputs} > ${outputs}
            inputs: [out/a.txt, out/b.txt]
            outputs: [out/c.txt]
            group: small
          d:
            run: echo d > ${outputs}
            outputs: [out/d.txt]
        """)
        let summary = try ws.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(summary.ids(.ran) == ["a", "b", "c", "d"], "\(summary.results.compactMap(\.failure))")
        #expect(ws.directory.read("out/c.txt") == "a\nb\n")
        let calls = slurm.calls("sbatch")
        #expect(calls.count == 3)
        let first = try #require(calls.first { $0.contains("small.group-1.sbatch") })
        #expect(first.contains("--job-name=studyflow-group-small ") && first.contains("--cpus-per-task=2 --mem=3072M --array=0-0%2 "))
        #expect(calls.filter { $0.contains("small.group-2.sbatch") && $0.contains("--array=0-0%2") }.count == 1)
        #expect(calls.filter { $0.contains("--job-name=studyflow-d ") && !$0.contains("--array") }.count == 1)
        #expect(Set(try #require(ws.directory.read(".studyflow/logs/1/small.group-1.manifest")).split(separator: "\n")) == ["0 a", "0 b"])
        #expect(ws.directory.read(".studyflow/logs/1/small.group-2.manifest") == "0 c\n")
    }

    @Test("a failure mid-group: the failing stage says why, the ones after it were not run, and the next run does them")
    func failureMidGroup() throws {
        let slurm = FakeSlurm()
        let flag = TemporaryDirectory(prefix: "studyflow group flag")
        flag.write("fail", "")
        let run = "\"[ ${each.key} != k1 ] || [ ! -e '\(flag.path)/fail' ] || exit 3; echo ${each.key} > ${outputs.out}\""
        let ws = TestWorkspace(yaml: fanout(4, run: run))
        // -j 1: the instances are handed over (and run) in plan order, so k2 and k3 follow k1.
        let summary = try ws.run(RunOptions(jobs: 1, keepGoing: true), executor: try SlurmExecutor(settings: slurm.settings())).summary
        let manifest = try #require(ws.directory.read(".studyflow/logs/1/tiny.group-1.manifest"))
        let order = manifest.split(separator: "\n").map { String($0.split(separator: " ")[1]) }
        #expect(order == ["fan@k0", "fan@k1", "fan@k2", "fan@k3"])
        let position = try #require(order.firstIndex(of: "fan@k1"))
        #expect(summary.ids(.ran) == order[..<position].sorted())
        let failed = try #require(summary.results.first { $0.stage == "fan@k1" })
        #expect(failed.failure?.hasPrefix("stage 'fan@k1' failed: job 1_0 exited with status 3") == true, "\(failed.failure ?? "")")
        for stage in order[(position + 1)...] {
            #expect(summary.results.first { $0.stage == stage }?.failure
                    == "stage '\(stage)' failed: not run: stage 'fan@k1' before it in job 1_0 of group 'tiny' did not succeed; the next run runs it")
        }
        flag.delete("fail")
        let rerun = try ws.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(rerun.ids(.cached) == order[..<position].sorted())
        #expect(rerun.ids(.ran) == order[position...].sorted())
        #expect(slurm.calls("sbatch").count == 2)
        for i in 0..<4 { #expect(ws.directory.read("out/k\(i).txt") == "k\(i)\n") }
    }

    @Test("the local executor ignores group:, and adding group: to a stage changes no stage key")
    func localIgnoresGroupAndKeyUnchanged() throws {
        let ws = TestWorkspace(yaml: fanout(3).replacingOccurrences(of: "    group: tiny\n", with: ""))
        #expect(try ws.run(RunOptions(jobs: 2), executor: LocalExecutor()).summary.ids(.ran).count == 3)
        ws.yaml = fanout(3)
        #expect(try ws.compile().workflow.stages.map(\.resources.group) == ["tiny", "tiny", "tiny"])
        #expect(try ws.run(RunOptions(jobs: 2), executor: LocalExecutor()).summary.ids(.cached).count == 3)
        let fresh = TestWorkspace(yaml: fanout(3))
        #expect(try fresh.run(RunOptions(jobs: 2), executor: LocalExecutor()).summary.ids(.ran).count == 3)
    }
}
