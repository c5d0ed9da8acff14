extension JSONValue {
    /// Any YAML document as a JSON value, scalars typed as the workflow loader types them (a quoted
    /// scalar stays a string); nil when the text is not YAML or exceeds the workflow limits. For
    /// comparing two versions of a workflow file generically, whatever its schema.
    public init?(yaml text: String) {
        guard let root = try? YAMLComposer(limits: .workflow).compose(text) else { return nil }
        var reader = YAMLReader(file: "", text: text)
        self = reader.value(root, context: "")
    }
}
