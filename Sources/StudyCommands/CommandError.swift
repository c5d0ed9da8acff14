import StudyCore

/// What a command throws when it stops: a user mistake, a failure, an invalid workflow, or an
/// exit status whose explanation is already printed. `ExitStatus` turns it into the exit code and
/// the message the user sees.
enum CommandError: Error, CustomStringConvertible {
    /// Bad usage: exit 2.
    case usage(String)
    /// A failure while doing what was asked: exit 1.
    case failure(String)
    /// Workflow mistakes in `file`, shown together as `file:line:column: error: …`: exit 2.
    case invalidWorkflow(WorkflowDiagnostics, file: String)
    /// The explanation is already printed (failed stages, an interrupted run…); exit with this code.
    case exit(Int32)

    var description: String {
        switch self {
        case .usage(let m), .failure(let m): return m
        case .invalidWorkflow(let diagnostics, _): return diagnostics.description
        case .exit(let code): return "exit \(code)"
        }
    }
}
