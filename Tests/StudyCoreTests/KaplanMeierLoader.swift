import StudyCore

/// Loading a test workflow as `w.yaml` with the one built-in kind the environment tests need
/// (`survival/kaplan-meier`), shared by the container, tools and sandbox loader tests.
enum KaplanMeierLoader {
    /// The workflow `yaml` describes.
    static func load(_ yaml: String) throws(WorkflowDiagnostics) -> Workflow {
        try WorkflowTextLoader.load(yaml, knownKinds: ["survival/kaplan-meier"])
    }

    /// The diagnostics text of loading `yaml`, or `nil` when it loads.
    static func diagnostics(_ yaml: String) -> String? {
        WorkflowTextLoader.diagnostics(yaml, knownKinds: ["survival/kaplan-meier"])
    }
}
