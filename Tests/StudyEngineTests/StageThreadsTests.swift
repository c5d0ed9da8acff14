import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// A kind that writes the thread count its context gives it.
private struct ThreadsKind: StageKind {
    var name: String { "test/threads" }
    var version: Int { 1 }
    func run(_ context: StageKindContext) -> StageOutcome {
        do {
            try FileIO.writeAtomically(context.outputs["out"]!, Array(String(context.threads).utf8))
            return .succeeded
        } catch {
            return .failed(status: 1, message: "\(error)")
        }
    }
}

@Suite("Built-in stages see their threads")
struct StageThreadsTests {
    private func threads(jobs: Int) throws -> (a: String?, b: String?) {
        let dir = TemporaryDirectory()
        let kinds = StageKindRegistry([ThreadsKind()])
        let yaml = """
            name: t
            stages:
              a: {uses: test/threads, threads: 3, outputs: {out: a.txt}}
              b: {uses: test/threads, outputs: {out: b.txt}}
            """
        let workflow = try WorkflowLoader(knownKinds: kinds.names).load(text: yaml, file: "w.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: dir.path)).validate(workflow)
        let ws = Workspace(layout: StoreLayout(root: dir.path), compiled: CompiledWorkflow(workflow: workflow, graph: graph),
                           registry: kinds, params: [:])
        _ = try Runner(workspace: ws, executor: LocalExecutor(), options: RunOptions(jobs: jobs), observers: [], run: 1).execute()
        return (dir.read("a.txt"), dir.read("b.txt"))
    }

    @Test("StageKindContext.threads is the stage's threads, default 1, capped at --jobs as the scheduler caps its slots")
    func threadsReachTheKind() throws {
        let wide = try threads(jobs: 4)
        #expect(wide.a == "3")
        #expect(wide.b == "1")
        #expect(try threads(jobs: 2).a == "2")
    }
}
