import ArgumentParser
import StudyCore
import StudyProvenance
import StudyStore

/// `-C DIR` for the commands that read the run ledger (`log`, `audit`): they need the workspace
/// root but no workflow file, since the ledger holds everything they print.
struct LedgerOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("The workspace root (default: found upward from the current directory).", valueName: "DIR"))
    var directory: String?

    /// The workspace's layout.
    func layout() throws -> StoreLayout { StoreLayout(root: try WorkspaceLocator(directory: directory).root) }

    /// A path typed on the command line, mapped into the workspace (see `WorkspaceLocator.map`).
    func path(_ typed: String) throws -> String { try WorkspaceLocator(directory: directory).map(typed) }

    /// The workspace's ledger, opened read-only: a workspace without one is an error naming what to do.
    func ledger() throws -> (RunLedger, StoreLayout) {
        let layout = try layout()
        let ledger = try RunLedger.open(layout, create: false)
        if let note = ledger.note { Console.err("studyflow: note: \(note)\n") }
        return (ledger, layout)
    }
}
