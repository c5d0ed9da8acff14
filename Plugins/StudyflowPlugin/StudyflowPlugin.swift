import Foundation
import PackagePlugin

/// Hands its arguments to the `studyflow` tool, run in the package's directory:
/// `swift package studyflow run -j 4`.
@main
struct StudyflowPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "studyflow")
        let process = Process()
        process.executableURL = tool.url
        process.arguments = arguments
        // The package directory is the workspace root, as if `studyflow` were run there.
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }
}

/// A non-zero exit of the tool, passed on as the plugin's failure.
struct ExitCode: Error, CustomStringConvertible {
    let status: Int32
    init(_ status: Int32) { self.status = status }
    var description: String { "studyflow exited with status \(status)" }
}
