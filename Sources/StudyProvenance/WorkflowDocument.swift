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

    /// Adds the params and stages of the files the workflow included (as the run stored them);
    /// the loader refused duplicates, so nothing is replaced.
    mutating func merge(included files: [String: [UInt8]]) {
        for path in files.keys.sorted() {
            guard let document = WorkflowDocument(bytes: files[path]!) else { continue }
            params.merge(document.params) { first, _ in first }
            stages.merge(document.stages) { first, _ in first }
        }
    }
}
