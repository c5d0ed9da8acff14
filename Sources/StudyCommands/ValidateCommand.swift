import ArgumentParser
import StudyCore
import StudyEngine
import StudyStore

/// `studyflow validate`: check workflow files without running anything (exit 2 on any mistake).
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check workflow files and report every mistake as file:line:column.",
        discussion: """
        Examples:
          studyflow validate                      # the workflow in Workflows/
          studyflow validate Workflows/study.yaml
          studyflow validate --all                # every Workflows/*.yaml
          studyflow validate --profile cluster --params-file params/full.yaml
        """
    )

    @OptionGroup var workspace: WorkspaceOptions

    @OptionGroup var settingsOptions: WorkflowSettingsOptions

    @Flag(name: .long, help: "Validate every *.yaml in Workflows/.")
    var all = false

    func run() throws {
        let layout = try workspace.layout()
        let source = WorkflowSource(layout: layout, registry: StudyflowCommand.registry)
        let settings = try settingsOptions.resolve(workspace, layout: layout)
        var files: [String?] = [workspace.workflow]
        if all {
            let names = ((try? FileIO.listDirectory(layout.root + "/Workflows")) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            guard !names.isEmpty else { throw CommandError.usage("no *.yaml in '\(layout.root)/Workflows'") }
            files = names.map { "Workflows/" + $0 }
        }
        var failed = false
        for file in files {
            do {
                let compiled = try source.load(try source.read(file), useCache: false, settings: settings)
                let params = try settings.parameters(for: compiled.workflow)
                try source.checkSettings(Workspace(layout: layout, compiled: compiled, registry: source.registry, params: params))
                let included = compiled.workflow.includes.files.count
                let note = included == 0 ? "" : " (\(included) included file\(included == 1 ? "" : "s"))"
                Console.out("ok: \(compiled.workflow.file): \(compiled.workflow.stages.count) stages\(note)\n")
            } catch let error as CommandError {
                // Every file is checked: its mistakes are shown and the next file follows.
                guard case .invalidWorkflow = error else { throw error }
                ExitStatus(for: error).print()
                failed = true
            }
        }
        if failed { throw CommandError.exit(2) }
    }
}
