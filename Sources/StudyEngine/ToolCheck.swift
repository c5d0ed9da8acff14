import StudyCore

/// Checks before anything runs that every tool `tools:` lists is found through the stages'
/// PATH: a missing one is a positioned diagnostic naming the stage, the tool and PATH (exit 2,
/// nothing runs). One missing tool shared by many stages (a workflow default, a fan-out) is one
/// line, at the entry that names it.
public enum ToolCheck {
    /// The diagnostics for `workspace`; resolving here warms the run's tool cache.
    public static func diagnostics(_ workspace: Workspace) -> [Diagnostic] {
        var order: [SourceLocationKey] = []
        var counts: [SourceLocationKey: (first: ToolError, count: Int)] = [:]
        for stage in workspace.compiled.workflow.stages where !stage.tools.isEmpty {
            // Host stages only: a container stage runs the image's programs.
            guard case .shell = stage.action, stage.container == nil else { continue }
            for (index, name) in stage.tools.enumerated() where workspace.tools.tool(named: name, listed: true) == nil {
                let location = stage.fields.values["tools[\(index)]"] ?? stage.location
                let key = SourceLocationKey(location: location, tool: name)
                if let entry = counts[key] {
                    counts[key] = (entry.first, entry.count + 1)
                } else {
                    counts[key] = (ToolError(stage: stage.id, tool: name, searchPath: workspace.tools.searchPath), 1)
                    order.append(key)
                }
            }
        }
        return order.map { key in
            let entry = counts[key]!
            var message = entry.first.description
            if entry.count > 1 {
                let more = " (and \(entry.count - 1) more stage\(entry.count == 2 ? "" : "s"))"
                message = message.replacingAll("of stage '\(entry.first.stage)'", with: "of stage '\(entry.first.stage)'\(more)")
            }
            return Diagnostic(message, at: key.location)
        }
    }

    private struct SourceLocationKey: Hashable {
        var location: SourceLocation
        var tool: String
    }
}
