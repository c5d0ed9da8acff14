/// The YAML trap of placeholders in flow collections: in `{out: o/${each.key}.txt}` the `{` and
/// `}` of the placeholder are YAML syntax, so libyaml stops with "did not find expected ',' or
/// '}'". The diagnostic says what happened and shows the quoted value at the placeholder.
extension WorkflowLoader {
    /// A diagnostic for a flow-collection syntax error caused by an unquoted `${…}` on the line
    /// libyaml stopped at (`line`, `column`, 1-based), or `nil` when it is another mistake.
    static func flowPlaceholderDiagnostic(problem: String, line: Int, column: Int, lines: [Substring],
                                          file: String) -> Diagnostic? {
        guard problem.contains("did not find expected ','"), line >= 1, line <= lines.count else { return nil }
        let text = Array(lines[line - 1].unicodeScalars)
        guard text.count >= 2 else { return nil }
        // The last `${` that starts before the place libyaml stopped.
        var dollar: Int?
        for i in 0..<min(text.count - 1, max(0, column)) where text[i] == "$" && text[i + 1] == "{" { dollar = i }
        guard let dollar else { return nil }
        let inMapping = problem.contains("'}'")
        var start = dollar
        while start > 0, !",[{".unicodeScalars.contains(text[start - 1]),
              !(text[start - 1] == " " && start >= 2 && text[start - 2] == ":") {
            start -= 1
        }
        while start < dollar, text[start] == " " { start += 1 }
        var end = dollar, depth = 0
        while end < text.count {
            let c = text[end]
            if c == "{" { depth += 1 } else if c == "}" {
                if depth == 0 { break }
                depth -= 1
            } else if depth == 0 && (c == "," || c == "]") { break }
            end += 1
        }
        var value = String(String.UnicodeScalarView(text[start..<end]))
        while value.hasSuffix(" ") { value.removeLast() }
        let close = text[dollar...].firstIndex(of: "}") ?? (text.count - 1)
        let placeholder = String(String.UnicodeScalarView(text[dollar...close]))
        let collection = inMapping ? "flow mapping '{…}'" : "flow sequence '[…]'"
        let quoted = "\"" + value.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
        return Diagnostic("YAML syntax error: the '{' and '}' of placeholder '\(placeholder)' are YAML syntax inside a \(collection), so the value ends early; quote the value, as in \(quoted), or write the \(inMapping ? "mapping" : "list") in block style",
                          at: SourceLocation(file: file, line: line, column: dollar + 1))
    }
}
