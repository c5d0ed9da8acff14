import Foundation
import PackagePlugin

/// Validates every `Workflows/*.yaml` of the package with `studyflow validate`, running nothing.
@main
struct ValidateWorkflowsPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "studyflow")
        let process = Process()
        process.executableURL = tool.url
        process.arguments = ["validate", "--all"] + arguments
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ValidationFailed(status: process.terminationStatus) }
    }
}

/// The validator found problems; they were printed above as file:line:column diagnostics.
struct ValidationFailed: Error, CustomStringConvertible {
    let status: Int32
    var description: String { "workflow validation failed (exit \(status))" }
}
