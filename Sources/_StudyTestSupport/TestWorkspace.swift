import StudyCore
import StudyEngine
import StudyStore

/// A workspace in a temp directory with a workflow, run in-process: the "run, run again, change
/// one thing" rhythm in a few lines.
public final class TestWorkspace: @unchecked Sendable {
    /// The directory.
    public let directory = TemporaryDirectory()
    /// Its layout.
    public var layout: StoreLayout { StoreLayout(root: directory.path) }
    /// The workflow text (rewrite it to change the workflow).
    public var yaml: String
    /// Environment seen by stages' `env:` lists.
    public var environment: [String: String] = [:]
    /// The container runtime and image digests runs see (set a fake to test container stages).
    public var containers: ContainerSetup = .none
    private var runs = 0

    /// A workspace with `yaml` as `Workflows/main.yaml` and the given source files.
    public init(yaml: String, files: [String: String] = [:]) {
        self.yaml = yaml
        for (path, text) in files { directory.write(path, text) }
    }

    /// Loads and validates the workflow, or throws its diagnostics.
    public func compile() throws(WorkflowDiagnostics) -> CompiledWorkflow {
        let workflow = try WorkflowLoader().load(text: yaml, file: "Workflows/main.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: directory.path)).validate(workflow)
        return CompiledWorkflow(workflow: workflow, graph: graph)
    }

    /// The workspace's loaded state for a run or a preview.
    public func workspace(params: [String: JSONValue] = [:]) throws -> Workspace {
        let env = environment
        return Workspace(layout: layout, compiled: try compile(), registry: StageKindRegistry(), params: params,
                         environment: { env[$0] }, containers: containers)
    }

    /// Runs the workflow with a fake executor (or `executor`), returning the summary and the executor.
    @discardableResult
    public func run(_ options: RunOptions = RunOptions(jobs: 2), executor: (any Executor)? = nil,
                    failing: Set<String> = [], observers: [any RunObserver] = []) throws -> (summary: RunSummary, executor: any Executor) {
        let ws = try workspace(params: options.params)
        let exec = executor ?? FakeExecutor(workflow: ws.compiled.workflow, root: directory.path, failing: failing)
        runs += 1
        let runner = Runner(workspace: ws, executor: exec, options: options, observers: observers, run: runs)
        return (try runner.execute(), exec)
    }

    /// What `status` would print, as entries.
    public func preview(_ options: RunOptions = RunOptions()) throws -> Preview {
        try Preview.evaluate(try workspace(params: options.params), options: options)
    }
}

extension RunSummary {
    /// Stage ids with `status`, sorted (order of execution is not part of most assertions).
    public func ids(_ status: StageStatus) -> [String] { stages(status).sorted() }

    /// The reasons given for `stage`.
    public func reasons(_ stage: String) -> [Reason] { results.first { $0.stage == stage }?.reasons ?? [] }
}
