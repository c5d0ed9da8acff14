import ArgumentParser
import StudyCore
import StudyStore

/// Options every workspace command shares: where the workspace is and which workflow file.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Use DIR as the workspace root (default: found upward from the current directory).", valueName: "DIR"))
    var directory: String?

    @Argument(help: ArgumentHelp("The workflow file; default: the single *.yaml in Workflows/.", valueName: "WORKFLOW"))
    var workflowArgument: String?

    /// The workspace root and where relative paths start (see `WorkspaceLocator`).
    func locator() throws -> WorkspaceLocator { try WorkspaceLocator(directory: directory) }

    /// The absolute, symlink-free workspace root.
    func root() throws -> String { try locator().root }

    /// The store layout of the workspace.
    func layout() throws -> StoreLayout { StoreLayout(root: try root()) }

    /// The workflow file named on the command line, relative to the workspace root when typed in
    /// a subdirectory of it (see `WorkspaceLocator.map`); nil when none was named.
    var workflow: String? {
        guard let given = workflowArgument, let locator = try? locator() else { return workflowArgument }
        return locator.map(given)
    }
}
