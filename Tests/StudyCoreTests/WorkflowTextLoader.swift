import StudyCore

/// Loads a workflow written inline in a test, so loader tests share one way of turning YAML text
/// into a `Workflow` or its diagnostics text instead of each file writing its own.
enum WorkflowTextLoader {
    /// The workflow `yaml` describes, loaded as `file`.
    static func load(_ yaml: String, knownKinds: [String] = [], overrides: [String: JSONValue] = [:],
                     file: String = "w.yaml") throws(WorkflowDiagnostics) -> Workflow {
        try WorkflowLoader(knownKinds: knownKinds, paramOverrides: overrides).load(text: yaml, file: file)
    }

    /// The diagnostics text of loading `yaml` as `file`, or `nil` when it loads.
    static func diagnostics(_ yaml: String, knownKinds: [String] = [], overrides: [String: JSONValue] = [:],
                            file: String = "w.yaml") -> String? {
        do {
            _ = try load(yaml, knownKinds: knownKinds, overrides: overrides, file: file)
            return nil
        } catch {
            return error.description
        }
    }
}
