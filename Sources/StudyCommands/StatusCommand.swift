import ArgumentParser
import StudyCore
import StudyEngine

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
        PreviewPrinter.printStatus(preview, json: json, notes: ToolNotes.notes(ws, stages: preview.entries.map(\.stage)))
    }
}
