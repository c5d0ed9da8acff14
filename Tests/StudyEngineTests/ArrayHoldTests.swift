#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
@testable import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport

/// Issue 17 item 6's strict bound: the ready instances of a fan-out are held until every instance
/// of its template is ready (or settled without a job), so one template costs one `sbatch`
/// however far apart its instances' upstreams finish; an upstream failure releases or withdraws
/// the held ones, a full array goes out early, and instances that wait on each other are not held.
@Suite("SLURM arrays held for a template's last instance")
struct ArrayHoldTests {
    /// `km@a`, `km@b` (and more `items`) each read `data/KEY.csv`, written by `ingest_KEY`; `runs`
    /// gives an ingest's command (default: writes at once).
    private func workflow(_ items: [String], runs: [String: String] = [:]) -> String {
        var yaml = "name: hold\nstages:\n"
        for item in items {
            let run = runs[item] ?? "echo \(item) > ${outputs.out}"
            yaml += "  ingest_\(item):\n    run: \"\(run)\"\n    outputs: {out: data/\(item).csv}\n"
        }
        yaml += """
          km:
            foreach: [\(items.joined(separator: ", "))]
            run: cat ${inputs.table} > ${outputs.out}
            inputs: {table: "data/${each.key}.csv"}
            outputs: {out: "out/${each.key}.txt"}

        """
        return yaml
    }

    private func arrays(_ slurm: FakeSlurm) -> [String] {
        slurm.calls("sbatch").compactMap { $0.split(separator: " ").first { $0.hasPrefix("--array=") }.map(String.init) }
    }

    @Test("instances whose upstreams finish 1.5 s apart go out as ONE sbatch --array; without holding, two")
    func farApart() throws {
        let slurm = FakeSlurm()
        let yaml = workflow(["a", "b"], runs: ["b": "sleep 1.5; echo b > ${outputs.out}"])
        let ws = TestWorkspace(yaml: yaml)
        let summary = try ws.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(summary.ids(.ran).count == 4, "\(summary.results.compactMap(\.failure))")
        #expect(arrays(slurm) == ["--array=0-1%2"])
        #expect(slurm.calls("sbatch").count == 3)
        #expect(ws.directory.read("out/a.txt") == "a\n" && ws.directory.read("out/b.txt") == "b\n")

        let unheld = FakeSlurm()
        var settings = unheld.settings()
        settings.holdArrays = false
        let again = TestWorkspace(yaml: yaml)
        let sent = try again.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: settings)).summary
        #expect(sent.ids(.ran).count == 4)
        #expect(arrays(unheld) == ["--array=0-0%2", "--array=0-0%2"])
    }

    @Test("an upstream failure under -k releases the held sibling, which runs; its own instance is skipped")
    func failureKeepGoing() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: workflow(["a", "b"], runs: ["b": "sleep 1; exit 3"]))
        let summary = try ws.run(RunOptions(jobs: 2, keepGoing: true), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(summary.ids(.ran).sorted() == ["ingest_a", "km@a"])
        #expect(summary.ids(.failed) == ["ingest_b"])
        #expect(summary.ids(.skipped) == ["km@b"])
        #expect(arrays(slurm) == ["--array=0-0%2"])
        #expect(ws.directory.read("out/a.txt") == "a\n")
    }

    @Test("an upstream failure without -k withdraws the held sibling: not run, never submitted, no hang")
    func failureStops() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: workflow(["a", "b"], runs: ["b": "sleep 1; exit 3"]))
        let summary = try ws.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(summary.ids(.ran) == ["ingest_a"])
        #expect(summary.ids(.failed) == ["ingest_b"])
        #expect(summary.ids(.skipped).sorted() == ["km@a", "km@b"])
        #expect(arrays(slurm).isEmpty)
        #expect(!ws.directory.exists("out/a.txt"))
    }

    @Test("a held group that fills an array (MaxArraySize) goes out before the slowest sibling is ready")
    func fullArrayGoesEarly() throws {
        let slurm = FakeSlurm()
        slurm.set("maxarray", "2\n")
        // ingest_c finishes only once km@a and km@b wrote their outputs (or fails after 10 s).
        let waits = "for i in $(seq 100); do [ -f out/a.txt ] && [ -f out/b.txt ] && break; sleep 0.1; done; "
            + "[ -f out/b.txt ] || exit 1; echo c > ${outputs.out}"
        let ws = TestWorkspace(yaml: workflow(["a", "b", "c"], runs: ["c": waits]))
        let summary = try ws.run(RunOptions(jobs: 3), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(summary.ids(.failed).isEmpty, "\(summary.results.compactMap(\.failure))")
        #expect(summary.ids(.ran).count == 6)
        #expect(arrays(slurm) == ["--array=0-1%2", "--array=0-0%2"])
    }

    @Test("instances already up to date settle at once: a rerun after one item changed sends one array of that item")
    func upToDateSettle() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: workflow(["a", "b"]))
        _ = try ws.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: slurm.settings()))
        ws.yaml = ws.yaml.replacingOccurrences(of: "echo b > ${outputs.out}", with: "echo B > ${outputs.out}")
        let summary = try ws.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(summary.ids(.ran).sorted() == ["ingest_b", "km@b"])
        #expect(summary.ids(.cached).sorted() == ["ingest_a", "km@a"])
        #expect(arrays(slurm) == ["--array=0-1%2", "--array=0-0%2"])
        #expect(ws.directory.read("out/b.txt") == "B\n")
    }

    @Test("a template with an instance downstream of another instance is not held, and runs to the end")
    func dependentInstances() throws {
        let yaml = """
        name: chain
        stages:
          fan:
            foreach: {a: src.txt, b: out/a.txt}
            run: cat ${inputs.in} > ${outputs.out}
            inputs: {in: "${each.value}"}
            outputs: {out: "out/${each.key}.txt"}
          other:
            foreach: [x, y]
            run: echo ${each.key} > ${outputs.out}
            outputs: {out: "other/${each.key}.txt"}
        """
        let ws = TestWorkspace(yaml: yaml)
        ws.directory.write("src.txt", "source\n")
        let compiled = try ws.compile()
        let all = [Bool](repeating: true, count: compiled.graph.count)
        #expect(TemplateInstances.independent(workflow: compiled.workflow, graph: compiled.graph, selected: all)
                == ["other": ["other@x", "other@y"]])
        let slurm = FakeSlurm()
        let summary = try ws.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(summary.ids(.ran).count == 4, "\(summary.results.compactMap(\.failure))")
        #expect(ws.directory.read("out/b.txt") == "source\n")
    }

    @Test("two templates whose instances wait on each other's (a1 -> b2, b1 -> mid -> a2) are not held, and the run ends")
    func crossTemplateCycle() throws {
        let yaml = """
        name: cross
        stages:
          a:
            foreach: {a1: src.txt, a2: mid.txt}
            run: cat ${inputs.in} > ${outputs.out}
            inputs: {in: "${each.value}"}
            outputs: {out: "a/${each.key}.txt"}
          b:
            foreach: {b1: src.txt, b2: a/a1.txt}
            run: cat ${inputs.in} > ${outputs.out}
            inputs: {in: "${each.value}"}
            outputs: {out: "b/${each.key}.txt"}
          mid:
            run: cat ${inputs.in} > ${outputs.out}
            inputs: {in: b/b1.txt}
            outputs: {out: mid.txt}
          other:
            foreach: [x, y]
            run: cat ${inputs.in} > ${outputs.out}
            inputs: {in: a/a1.txt}
            outputs: {out: "other/${each.key}.txt"}
        """
        let ws = TestWorkspace(yaml: yaml)
        ws.directory.write("src.txt", "source\n")
        let compiled = try ws.compile()
        let all = [Bool](repeating: true, count: compiled.graph.count)
        #expect(TemplateInstances.independent(workflow: compiled.workflow, graph: compiled.graph, selected: all)
                == ["other": ["other@x", "other@y"]])
        let slurm = FakeSlurm()
        let summary = try ws.run(RunOptions(jobs: 2), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(summary.ids(.ran).count == 7, "\(summary.results.compactMap(\.failure))")
        #expect(ws.directory.read("a/a2.txt") == "source\n")
    }

    @Test("nodes on cycles: self-loops and components of two or more; a chain has none")
    func cycles() {
        #expect(TemplateInstances.onCycles([[1], [2], [0], [3], []]) == [true, true, true, true, false])
        #expect(TemplateInstances.onCycles([[1], [2], []]) == [false, false, false])
    }

    @Test("the batcher releases a template on its last arrival or settlement, and withdraw stops holding")
    func batcherUnit() {
        let sent = Mutex<[[String]]>([])
        let batcher = ArrayBatcher(window: 0.05, cap: 30, chunk: { 100 }) { _, entries in
            sent.withLock { $0.append(entries.map(\.job.stage)) }
        }
        func entry(_ stage: String) -> ArrayBatcher.Entry {
            ArrayBatcher.Entry(job: StageJob(stage: stage, action: .shell("true"), root: "/", environment: [:], logPath: "/l/\(stage).log"),
                               submission: SlurmSubmission(logPath: "/l/\(stage).log"), completion: { _ in })
        }
        let key = ArrayBatcher.Key(template: "t", directory: "/l", threads: 1, memory: nil, time: nil)
        batcher.expect(["t": ["t@1", "t@2", "t@3"]])
        #expect(batcher.add(entry("t@1"), key: key))
        usleep(300_000)
        #expect(sent.withLock { $0 }.isEmpty, "held past the window")
        batcher.settle("t@3")
        #expect(batcher.add(entry("t@2"), key: key))
        for _ in 0..<100 where sent.withLock({ $0 }).isEmpty { usleep(10_000) }
        #expect(sent.withLock { $0 } == [["t@1", "t@2"]])
        batcher.expect(["t": ["t@4", "t@5"]])
        #expect(batcher.add(entry("t@4"), key: key))
        #expect(batcher.withdraw().map(\.job.stage) == ["t@4"])
        #expect(batcher.add(entry("t@5"), key: key))
        for _ in 0..<100 where sent.withLock({ $0 }).count < 2 { usleep(10_000) }
        #expect(sent.withLock { $0 } == [["t@1", "t@2"], ["t@5"]])
    }
}
