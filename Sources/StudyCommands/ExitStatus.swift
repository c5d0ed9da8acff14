import ArgumentParser
import StudyCore
import StudyEngine
import StudyProvenance
import StudyStore

/// The one place that maps whatever a command throws to the exit code and the text the user sees:
/// 0 success (also `--help`, `--version`), 1 a stage, a check or the machinery failed, 2 invalid
/// workflow or usage; an interrupted run exits with its signal's status (e.g. 130).
struct ExitStatus: Equatable {
    /// The process exit code.
    var code: Int32
    /// Written to stdout (help and version text).
    var standardOutput = ""
    /// Written to stderr.
    var standardError = ""

    /// The status for `error`, as thrown out of `command`'s `run()` or argument parsing.
    init(for error: any Error, command: any ParsableCommand.Type = StudyflowCommand.self) {
        switch error {
        case let error as CommandError: self.init(error)
        case let error as RunError: self.init(code: 2, standardError: Self.error(error.description))
        case let error as StoreError: self.init(code: 1, standardError: Self.error(error.description))
        case let error as ProvenanceError: self.init(code: error.isUsage ? 2 : 1, standardError: Self.error(error.description))
        case let error as SlurmError: self.init(code: error.isUsage ? 2 : 1, standardError: Self.error(error.description))
        default: self.init(argumentParser: error, command: command)
        }
    }

    init(code: Int32, standardOutput: String = "", standardError: String = "") {
        self.code = code
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    private init(_ error: CommandError) {
        switch error {
        case .usage(let message): self.init(code: 2, standardError: Self.error(message))
        case .failure(let message): self.init(code: 1, standardError: Self.error(message))
        case .exit(let code): self.init(code: code)
        case .invalidWorkflow(let diagnostics, let file):
            let n = diagnostics.diagnostics.count
            self.init(code: 2, standardError: diagnostics.description + "\n"
                      + "studyflow: \(n) error\(n == 1 ? "" : "s") in \(file); nothing was run\n")
        }
    }

    /// ArgumentParser's own errors and requests; its exit code 64 for usage becomes 2.
    private init(argumentParser error: any Error, command: any ParsableCommand.Type) {
        let code = command.exitCode(for: error)
        if code == .success {
            // --help, --version
            self.init(code: 0, standardOutput: command.fullMessage(for: error) + "\n")
        } else if error is ExitCode {
            self.init(code: code.rawValue)
        } else if code == .validationFailure || error is ValidationError {
            self.init(code: 2, standardError: command.fullMessage(for: error) + "\n")
        } else {
            self.init(code: 1, standardError: Self.error(command.fullMessage(for: error)))
        }
    }

    /// `studyflow: error: MESSAGE` and a newline.
    private static func error(_ message: String) -> String { "studyflow: error: \(message)\n" }

    /// Writes the status's text to stdout and stderr.
    func print() {
        if !standardOutput.isEmpty { Console.out(standardOutput) }
        if !standardError.isEmpty { Console.err(standardError) }
    }
}
