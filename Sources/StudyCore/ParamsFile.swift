/// A `--params-file FILE`: a YAML mapping of workflow parameter to value, overriding the
/// workflow's `params:` (and its profile's) while `--param` overrides it in turn. Values may be
/// any YAML value — a list that `foreach: ${params.items}` fans out over is replaced whole.
///
/// ```yaml
/// seed: 7
/// cohorts: [msk, imvigor]
/// ```
public struct ParamsFile: Sendable, Equatable {
    /// One `NAME: value` line.
    public struct Entry: Sendable, Equatable {
        /// The parameter name.
        public var name: String
        /// Its value.
        public var value: JSONValue
        /// Where the name is written.
        public var location: SourceLocation
    }

    /// The file as the user named it.
    public var file: String
    /// Entries in file order.
    public var entries: [Entry]

    /// The values by name.
    public var values: [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for entry in entries { values[entry.name] = entry.value }
        return values
    }

    /// Parses the bytes of `file`, or throws every diagnostic, positioned in it. An empty file
    /// (or one holding only comments) overrides nothing.
    public static func parse(_ bytes: [UInt8], file: String) throws(WorkflowDiagnostics) -> ParamsFile {
        var text = try WorkflowLoader.text(of: bytes, file: file)
        if text.unicodeScalars.first == "\u{FEFF}" { text = String(text.unicodeScalars.dropFirst()) }
        var reader = YAMLReader(file: file, text: text)
        let root = try WorkflowLoader.compose(text, file: file, lines: reader.lines)
        guard let root else { return ParamsFile(file: file, entries: []) }
        guard case .mapping = root else {
            reader.error("a params file must be a mapping of parameter name to value, like 'seed: 7', got \(reader.kindName(root))", at: root)
            throw WorkflowDiagnostics(reader.diagnostics)
        }
        var entries: [Entry] = []
        for pair in reader.pairs(root, context: "in the params file") {
            if !WorkflowLoader.isName(pair.key) {
                reader.error("bad parameter name '\(pair.key)' in the params file; use letters, digits and '_'", at: pair.keyNode)
                continue
            }
            let what = "parameter '\(pair.key)' of the params file"
            if case .scalar(let scalar) = pair.value,
               WorkflowLoader().reportNotExpanded(scalar.string, node: pair.value, what: what, example: "a literal value", reader: &reader) {
                continue
            }
            entries.append(Entry(name: pair.key, value: reader.value(pair.value, context: "in \(what)"), location: reader.location(pair.keyNode)))
        }
        guard reader.diagnostics.isEmpty else { throw WorkflowDiagnostics(reader.diagnostics) }
        return ParamsFile(file: file, entries: entries)
    }

    /// A diagnostic for each entry naming no parameter of `declared`, with a did-you-mean as
    /// `--param` gives.
    public func unknownNames(declared: [String: JSONValue]) -> [Diagnostic] {
        entries.filter { declared[$0.name] == nil }.map { entry in
            let hint = Spelling.suggestion(for: entry.name, among: declared.keys).map { "; did you mean '\($0)'?" }
                ?? "; declare it under 'params:' in the workflow"
            return Diagnostic("no workflow parameter named '\(entry.name)'\(hint)", at: entry.location)
        }
    }
}
