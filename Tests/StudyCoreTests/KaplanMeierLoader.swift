import StudyCore

/// Loading a test workflow as `w.yaml` with the one built-in kind the environment tests need
/// (`survival/kaplan-meier`), shared by the container, tools and sandbox loader tests.
enum KaplanMeierLoader {
    /// The workflow `yaml` describes.
    static func load(_ yaml: String) throws(WorkflowDiagnostics) -> Workflow {
        try WorkflowLoader(knownKinds: ["survival/kaplan-meier"]).load(text: yaml, file: "w.yaml")
    }

    /// The diagnostics text of loading `yaml`, or `nil` when it loads.
    static func diagnostics(_ yaml: String) -> String? {
        do {
            _ = try load(yaml)
            return nil
        } catch {
            return error.description
        }
    }
}
