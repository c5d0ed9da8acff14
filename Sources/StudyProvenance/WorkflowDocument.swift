import StudyCore

/// A workflow file as a run stored it (`workflow.yaml` of its commit), read generically as YAML:
/// the parameters and each stage's declaration as JSON values. Generic on purpose: an old run's
/// file may use keys this version no longer knows, and `diff` must still show what moved.
struct WorkflowDocument {
    /// `params:` of the file.
    var params: [String: JSONValue]
    /// `stages:` by stage id.
    var stages: [String: JSONValue]

    /// Reads the file; nil when it is not a YAML mapping.
    init?(bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self), case .object(let root)? = JSONValue(yaml: text) else { return nil }
        params = root["params"]?.objectValue ?? [:]
        stages = root["stages"]?.objectValue ?? [:]
    }
}
