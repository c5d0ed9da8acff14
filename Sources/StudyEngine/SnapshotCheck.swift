import StudyCore
import StudyStore

/// The no-op shortcut (see `Snapshot`): answers "is everything up to date?" from the snapshot of
/// the last run that left every stage up to date, and writes a new one after each such run.
public struct SnapshotCheck: Sendable {
    /// The snapshot header the current invocation must match.
    public var header: Snapshot.Header
    /// Reads environment variables.
    public var environment: @Sendable (String) -> String?
    /// Checks a snapshot's container facts again (see `ContainerSetup.snapshotFactsHold`); tests
    /// give a fake runtime host here.
    public var factsHold: @Sendable ([String: String]) -> Bool = { facts in
        ContainerSetup.snapshotFactsHold(facts, searchPath: Workspace.processEnvironment("PATH") ?? "/usr/local/bin:/usr/bin:/bin",
                                         isExecutable: ContainerRuntime.systemIsExecutable, host: SystemContainerHost())
    }

    /// A check for a workflow whose file has `workflowDigest`, run with `params` overrides.
    public init(stamp: String, workflowDigest: Digest, params: [String: JSONValue],
                environment: @escaping @Sendable (String) -> String? = Workspace.processEnvironment) {
        header = Snapshot.Header(stamp: stamp, workflow: workflowDigest,
                                 context: Digest.of(string: JSONValue.object(params).canonicalJSON))
        self.environment = environment
    }

    /// Stage ids in report order when nothing changed since the snapshot; `nil` means "check fully".
    public func unchangedStages(_ layout: StoreLayout) -> [String]? {
        Snapshot.verify(layout, header: header, digestEnvironment: digestEnvironment, factsHold: factsHold)
    }

    /// The snapshot's stage ids when a run may be answered from it: a plain run of every stage
    /// (no `force`, `forceAll` or `targets`) that is not explaining its decisions, with nothing
    /// changed since. `nil` means "check fully".
    public func shortcut(_ layout: StoreLayout, force: [String], forceAll: Bool, targets: [String], explaining: Bool) -> [String]? {
        guard force.isEmpty, !forceAll, targets.isEmpty, !explaining else { return nil }
        return unchangedStages(layout)
    }

    /// Records the snapshot after `summary` when the run covered every stage and left each one up
    /// to date: cached, restored or run successfully. A run that executed stages snapshots too, so
    /// the first no-op run after it takes the shortcut (its fresh outputs are read once more here,
    /// see `Snapshot`). `runStart` is when the run began, after the workflow files were loaded.
    func record(after summary: RunSummary, workspace: Workspace, options: RunOptions, runStart: Int64) {
        // A `levels:` fan-out's instances come from a table the snapshot does not watch.
        guard summary.ok, workspace.compiled.workflow.levels.isEmpty, options.targets.isEmpty, options.force.isEmpty, !options.forceAll,
              summary.results.count == workspace.compiled.workflow.stages.count,
              summary.results.allSatisfy({ $0.status.hasOutputs }) else { return }
        var paths: [String] = []
        var environment: Set<String> = []
        for (id, stage) in workspace.compiled.workflow.stages.enumerated() {
            paths.append(contentsOf: stage.inputs.map(\.path))
            paths.append(contentsOf: stage.outputs.map(\.path))
            paths.append(contentsOf: workspace.compiled.commandWords[id])
            environment.formUnion(stage.env)
            // Listed tools and the container runtime are found through PATH: another PATH may find other files.
            if !stage.tools.isEmpty || stage.container != nil { environment.insert("PATH") }
        }
        // Container images are re-inspected by every check: a retag must be seen.
        let facts = workspace.resolver.containers.snapshotFacts
        Snapshot.write(workspace.layout, header: header, stages: summary.results.map(\.stage), paths: paths,
                       watched: workspace.compiled.workflow.includes.watchedPaths + workspace.tools.watchedPaths, facts: facts,
                       environment: environment.sorted(), cache: workspace.statCache, runStart: runStart,
                       digestEnvironment: digestEnvironment)
        try? workspace.statCache.save()
    }

    private func digestEnvironment(_ names: [String]) -> Digest {
        var b = DigestBuilder()
        for name in names {
            b.field(name)
            if let value = environment(name) { b.field(1); b.field(value) } else { b.field(0) }
        }
        return b.finalize()
    }

    /// The summary of a run answered from the snapshot: every stage cached.
    public static func summary(run: Int, stages: [String], seconds: Double) -> RunSummary {
        RunSummary(run: run, results: stages.map { StageResult(stage: $0, status: .cached) }, interrupted: false, seconds: seconds)
    }
}
