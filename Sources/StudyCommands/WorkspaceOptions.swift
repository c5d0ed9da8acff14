import ArgumentParser
import StudyCore
import StudyStore

/// Options every workspace command shares: where the workspace is and which workflow file.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if started in DIR (the workspace root).", valueName: "DIR"))
    var directory: String?

    @Argument(help: ArgumentHelp("The workflow file; default: the single *.yaml in Workflows/.", valueName: "WORKFLOW"))
    var workflow: String?

    /// The absolute, symlink-free workspace root.
    func root() throws -> String {
        let path = directory ?? "."
        guard let real = FileIO.realPath(path) else {
            throw CommandError.usage("directory '\(path)' does not exist")
        }
        return real
    }

    /// The store layout of the workspace.
    func layout() throws -> StoreLayout { StoreLayout(root: try root()) }
}

/// User mistakes (exit 2) and failures (exit 1) raised by commands, printed as `studyflow: error: …`.
enum CommandError: Error, CustomStringConvertible {
    /// Bad usage or an invalid workflow: exit 2.
    case usage(String)
    /// A failure while doing what was asked: exit 1.
    case failure(String)
    /// Diagnostics already printed; exit with this code.
    case exit(Int32)

    var description: String {
        switch self {
        case .usage(let m), .failure(let m): return m
        case .exit(let code): return "exit \(code)"
        }
    }
}
