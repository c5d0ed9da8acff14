#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyEngine
import StudyStore
import Synchronization
import Testing
import _StudyTestSupport

/// Scale: a 100,000-stage chain loads, plans and runs in-process without deep recursion.
@Suite("Large workflows")
struct LargeWorkflowTests {
    /// Writes `sI\n` to `out/sI.txt` for stage `sI` of `WorkflowFixtures.chain`, in O(1) per stage
    /// (`FakeExecutor` looks stages up linearly and copies its inputs into its output, which on a
    /// chain grows quadratically).
    final class ChainExecutor: Executor {
        let name = "chain"
        let root: String
        private let count = Atomic<Int>(0)

        init(root: String) { self.root = root }

        /// Stages executed so far.
        var executed: Int { count.load(ordering: .relaxed) }

        func execute(_ job: StageJob) -> StageOutcome {
            count.add(1, ordering: .relaxed)
            do {
                try FileIO.writeAtomically(root + "/out/" + job.stage + ".txt", Array((job.stage + "\n").utf8), durable: false)
                return .succeeded
            } catch {
                return .failed(status: 1, message: "\(error)")
            }
        }

        func cancelAll() {}
    }

    /// The chain of `WorkflowFixtures.chain(n)`, built in memory.
    private func chainInMemory(_ n: Int) throws -> CompiledWorkflow {
        var stages: [Stage] = []
        stages.reserveCapacity(n)
        for i in 0..<n {
            let input = i == 0 ? "data/in.txt" : "out/s\(i - 1).txt"
            stages.append(Stage(id: "s\(i)", action: .shell(CommandTemplate("cat ${inputs} > ${outputs.out}")),
                                inputs: [Artifact(path: input)], outputs: [Artifact(name: "out", path: "out/s\(i).txt")]))
        }
        let workflow = Workflow(file: "Workflows/main.yaml", name: "chain", stages: stages)
        let graph = try StageGraph.build(workflow).get()
        return CompiledWorkflow(workflow: workflow, graph: graph)
    }

    @Test("the YAML of a 10,000-stage chain loads and validates into a chain graph")
    func chainYAMLLoads() throws {
        let n = 10_000
        let ws = TestWorkspace(yaml: WorkflowFixtures.chain(n), files: ["data/in.txt": "in\n"])
        let compiled = try ws.compile()
        #expect(compiled.workflow.stages.count == n)
        #expect(compiled.graph.order == (0..<Int32(n)).map { $0 })
        #expect(compiled.graph.dependencies[n - 1] == [Int32(n - 2)])
        // The in-memory chain used below declares the same stages.
        func shape(_ stages: [Stage]) -> [String] {
            stages.map { "\($0.id) \($0.action) \($0.inputs.map(\.path)) \($0.outputs.map { "\($0.name ?? "-")=\($0.path)" })" }
        }
        #expect(shape(compiled.workflow.stages) == shape(try chainInMemory(n).workflow.stages))
    }

    // 70–120 s in a debug build on an idle 2-core machine, several times that when the machine is
    // shared. The limit only catches a hang or a quadratic slip (which would take hours at this
    // size); the engine's speed at scale is measured by `make bench`, not here.
    @Test("a 100,000-stage chain from YAML loads, plans, previews, runs and reruns cached, in-process",
          .timeLimit(.minutes(10)))
    func hundredThousandChain() throws {
        let n = 100_000
        let loaded = TestWorkspace(yaml: WorkflowFixtures.chain(n), files: ["data/in.txt": "in\n"])
        let compiled = try loaded.compile()
        #expect(compiled.workflow.stages.count == n)
        #expect(compiled.graph.order.count == n)
        #expect(compiled.graph.upstreamClosure(of: [n - 1]).allSatisfy { $0 })
        #expect(compiled.graph.downstreamCone(of: [0]).allSatisfy { $0 })

        // On tmpfs when there is one: this measures the engine, not the disk's inode allocator.
        let root = try Self.scratchDirectory()
        defer { try? FileIO.removeTree(root) }
        try FileIO.createDirectories(root + "/data")
        try FileIO.writeAtomically(root + "/data/in.txt", Array("in\n".utf8), durable: false)
        try FileIO.createDirectories(root + "/out")
        func workspace() -> Workspace {
            Workspace(layout: StoreLayout(root: root), compiled: compiled, registry: StageKindRegistry(), environment: { _ in nil })
        }
        func run(_ number: Int) throws -> (RunSummary, ChainExecutor) {
            let executor = ChainExecutor(root: root)
            let summary = try Runner(workspace: workspace(), executor: executor, options: RunOptions(jobs: 4),
                                     observers: [], run: number).execute()
            return (summary, executor)
        }

        let before = try Preview.evaluate(workspace(), options: RunOptions())
        #expect(before.entries.count == n)
        #expect(before.entries.allSatisfy { $0.action == .run })

        let (first, executor) = try run(1)
        #expect(first.ok)
        #expect(first.results.count == n)
        #expect(first.stages(.ran).count == n)
        #expect(executor.executed == n)
        #expect(FileIO.readText(root + "/out/s\(n - 1).txt") == "s\(n - 1)\n")

        let (second, idle) = try run(2)
        #expect(second.stages(.cached).count == n)
        #expect(idle.executed == 0)

        let after = try Preview.evaluate(workspace(), options: RunOptions())
        #expect(!after.entries.contains { $0.isStale })
    }

    /// A fresh directory under /dev/shm when it is writable, else under /tmp.
    private static func scratchDirectory() throws -> String {
        for base in ["/dev/shm", "/tmp"] where access(base, W_OK) == 0 {
            var template = Array("\(base)/studyflow-chain-XXXXXX".utf8CString)
            if let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) {
                return String(cString: made)
            }
        }
        throw FileIO.Failure("create a temporary directory in", "/tmp")
    }
}
