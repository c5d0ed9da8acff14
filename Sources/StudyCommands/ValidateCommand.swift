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
        """
    )

    @OptionGroup var workspace: WorkspaceOptions

    @Flag(name: .long, help: "Validate every *.yaml in Workflows/.")
    var all = false

    func run() throws {
        let layout = try workspace.layout()
        let source = WorkflowSource(layout: layout, registry: StudyflowCommand.registry)
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
                let compiled = try source.load(file, useCache: false)
                try source.checkSettings(Workspace(layout: layout, compiled: compiled, registry: source.registry))
                Console.out("ok: \(compiled.workflow.file): \(compiled.workflow.stages.count) stages\n")
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
