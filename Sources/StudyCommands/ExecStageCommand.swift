import ArgumentParser
import StudyCore
import StudyEngine

/// `studyflow exec-stage SPEC.json` (hidden): what a SLURM job runs for a built-in stage. It
/// executes exactly the frozen specification the submitting process wrote (kind, version,
/// resolved settings and paths); it never loads the workflow, plans or computes keys. Log lines
/// go to stdout, which SLURM appends to the stage's log.
struct ExecStageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec-stage",
        abstract: "Run one frozen built-in stage (used by --executor slurm jobs).",
        shouldDisplay: false
    )

    @Argument(help: ArgumentHelp("The stage specification written by the submitting studyflow.", valueName: "SPEC.json"))
    var specification: String

    func run() throws {
        guard let text = FileIO.readText(specification) else {
            throw CommandError.failure("cannot read stage specification '\(specification)'; is the workspace on a file system this node shares?")
        }
        let spec: StageSpecification
        do {
            spec = try StageSpecification(json: text)
        } catch {
            throw CommandError.failure("stage specification '\(specification)': \(error)")
        }
        guard let kind = StudyflowCommand.registry.kind(named: spec.kind) else {
            throw CommandError.failure("stage '\(spec.stage)': this studyflow has no stage kind '\(spec.kind)'; run the jobs with the binary that submitted them")
        }
        guard kind.version == spec.version else {
            throw CommandError.failure("stage '\(spec.stage)': kind '\(spec.kind)' is version \(kind.version) here but \(spec.version) at submission; run the jobs with the binary that submitted them")
        }
        switch kind.run(spec.context(log: { Console.out($0 + "\n") })) {
        case .succeeded:
            return
        case .failed(let status, let message):
            Console.err("studyflow: stage '\(spec.stage)' failed: \(message)\n")
            throw CommandError.exit(min(max(status, 1), 255))
        case .cancelled:
            throw CommandError.exit(130)
        }
    }
}
