import ArgumentParser
import StudyCore
import StudyEngine
import StudyStore

/// `studyflow status`: every stage, up to date or stale, with the exact reasons.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show which stages are up to date or stale, and why.",
        discussion: """
        Examples:
          studyflow status
          studyflow status --json | jq '.stages[] | select(.state == "stale")'
          studyflow status --param threshold=0.6   # what that override would rerun
        """
    )

    @OptionGroup var workspace: WorkspaceOptions

    @OptionGroup var settingsOptions: WorkflowSettingsOptions

    @Flag(name: .long, help: "Print {\"stages\":[{\"stage\",\"state\",\"reasons\"}]} as JSON.")
    var json = false

    func run() throws {
        let layout = try workspace.layout()
        let registry = StudyflowCommand.registry
        let source = WorkflowSource(layout: layout, registry: registry)
        let settings = try settingsOptions.resolve(workspace, layout: layout)
        let compiled = try source.load(try source.read(workspace.workflow), settings: settings)
        let params = try settings.parameters(for: compiled.workflow)
        let ws = Workspace(layout: layout, compiled: compiled, registry: registry, params: params,
                           containers: try ContainerCheck.setup(for: compiled.workflow, root: layout.root))
        try source.checkSettings(ws)
        let preview = try Preview.evaluate(ws, options: RunOptions(params: params))
        let jobs = JournaledJobs(layout)
        PreviewPrinter.printStatus(preview, json: json, notes: ToolNotes.notes(ws, stages: preview.entries.map(\.stage)),
                                   extra: jobs.isEmpty ? [:] : ["slurmJobs": jobs.json])
        if !json, let line = jobs.line { Console.out(line + "\n") }
    }
}

/// The SLURM jobs the journal holds, as `status` tells them: read from the journal and the status
/// files only (no call to the cluster), and said to belong to a run in progress when the
/// workspace lock is held.
struct JournaledJobs {
    var running = 0
    var finished = 0
    var holder: String?

    init(_ layout: StoreLayout) {
        let entries = SlurmJournal.pending(in: layout.slurmJournal)
        guard !entries.isEmpty else { return }
        finished = entries.filter { FileStat.of($0.statusFile) != nil }.count
        running = entries.count - finished
        holder = WorkspaceLock.holder(layout)
    }

    var isEmpty: Bool { running + finished == 0 }

    /// `{"running":N,"finished":M,"earlierRun":true}`.
    var json: JSONValue {
        .object(["running": .integer(running), "finished": .integer(finished), "earlierRun": .bool(holder == nil)])
    }

    /// The line under the table, `nil` when the journal is empty.
    var line: String? {
        guard !isEmpty else { return nil }
        let counts = "\(running) SLURM job\(running == 1 ? "" : "s") still queued or running"
            + (finished > 0 ? " and \(finished) finished, not yet collected" : "")
        if let holder { return "studyflow: \(counts), submitted by the run in progress (\(holder))" }
        return "studyflow: \(counts), from an earlier run; 'studyflow run --executor slurm' reattaches to them instead of submitting them again"
    }
}
