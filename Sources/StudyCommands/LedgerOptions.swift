import ArgumentParser
import StudyCore
import StudyProvenance
import StudyStore

/// `-C DIR` for the commands that read the run ledger (`log`, `audit`): they need the workspace
/// root but no workflow file, since the ledger holds everything they print.
struct LedgerOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("The workspace root (default: the current directory).", valueName: "DIR"))
    var directory: String?

    /// The workspace's layout.
    func layout() throws -> StoreLayout {
        let path = directory ?? "."
        guard let real = FileIO.realPath(path) else { throw CommandError.usage("directory '\(path)' does not exist") }
        return StoreLayout(root: real)
    }

    /// The workspace's ledger, opened read-only: a workspace without one is an error naming what to do.
    func ledger() throws -> (RunLedger, StoreLayout) {
        let layout = try layout()
        let ledger = try provenance { try RunLedger.open(layout, create: false) }
        if let note = ledger.note { Console.err("studyflow: note: \(note)\n") }
        return (ledger, layout)
    }
}
