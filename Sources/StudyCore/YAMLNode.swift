import Yams

/// Helpers over Yams' composed nodes: positions, typed scalars and duplicate-key checks, so the
/// loader can report `file:line:column` for every mistake (Yams' decoder gives only coding paths).
struct YAMLReader {
    let file: String
    let lines: [Substring]
    var diagnostics: [Diagnostic] = []

    init(file: String, text: String) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func error(_ message: String, at node: Node) {
        diagnostics.append(Diagnostic(message, at: location(node)))
    }

    mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(message, at: location))
    }

    /// The pairs of a mapping with string keys; reports duplicate and non-string keys.
    mutating func pairs(_ node: Node, context: String) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { return [] }
        var seen: [String: Node] = [:]
        var result: [(String, Node, Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error("\(context): keys must be plain names", at: keyNode)
                continue
            }
            let key = scalar.string
            if let first = seen[key] {
                error("duplicate key '\(key)' \(context) (first at line \(location(first).line)); remove one of them", at: keyNode)
                continue
            }
            seen[key] = keyNode
            result.append((key, keyNode, value))
        }
        return result
    }

    /// Reports keys not in `allowed`, with a did-you-mean.
    mutating func checkKeys(_ pairs: [(key: String, keyNode: Node, value: Node)], allowed: [String], context: String) {
        for pair in pairs where !allowed.contains(pair.key) {
            error("unknown key '\(pair.key)' \(context)\(Spelling.hint(for: pair.key, among: allowed))", at: pair.keyNode)
        }
    }

    /// A scalar's text, or an error naming what was expected.
    mutating func string(_ node: Node, what: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error("\(what) must be a string, got \(kindName(node))", at: node)
            return nil
        }
        return scalar.string
    }

    /// A plain `true` or `false` scalar (YAML 1.2 core schema), or an error naming what was expected.
    mutating func boolean(_ node: Node, what: String) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            switch scalar.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        if case .scalar(let scalar) = node, scalar.style != .plain {
            error("\(what) must be true or false, got the quoted string '\(scalar.string)'; drop the quotes", at: node)
        } else {
            error("\(what) must be true or false, got \(describe(node))", at: node)
        }
        return nil
    }

    /// A plain integer scalar within `range`, or an error naming what was expected.
    mutating func integer(_ node: Node, what: String, range: ClosedRange<Int>) -> Int? {
        if case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string), range.contains(value) {
            return value
        }
        error("\(what) must be an integer from \(range.lowerBound) to \(range.upperBound), got \(describe(node))", at: node)
        return nil
    }

    /// Any node as a JSON value (checking nested mappings for duplicate keys too).
    mutating func value(_ node: Node, context: String) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            return YAMLReader.scalarValue(scalar)
        case .sequence(let sequence):
            return .array(sequence.map { value($0, context: context) })
        case .mapping:
            var object: [String: JSONValue] = [:]
            for pair in pairs(node, context: context) { object[pair.key] = value(pair.value, context: context) }
            return .object(object)
        }
    }

    /// Records where `node` and everything inside it are written, under field paths below `path`
    /// (`with.covariates[2]`, `with.columns.age.type`). Duplicate keys are reported elsewhere;
    /// here the first one wins.
    func recordFields(_ node: Node, path: String, into fields: inout FieldLocations) {
        fields.setValue(path, location(node))
        switch node {
        case .scalar:
            break
        case .sequence(let items):
            for (i, item) in items.enumerated() { recordFields(item, path: "\(path)[\(i)]", into: &fields) }
        case .mapping(let mapping):
            for (keyNode, value) in mapping {
                guard case .scalar(let key) = keyNode else { continue }
                let member = path + "." + key.string
                guard fields.keys[member] == nil else { continue }
                fields.setKey(member, location(keyNode))
                recordFields(value, path: member, into: &fields)
            }
        }
    }

    /// Types a scalar as YAML 1.1's core schema does, but only when it is unquoted.
    static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        guard scalar.style == .plain else { return .string(scalar.string) }
        let node = Node.scalar(scalar)
        if scalar.string.isEmpty || node.null != nil { return .null }
        if let b = node.bool { return .bool(b) }
        if let i = Int(scalar.string) { return .integer(i) }
        if let d = node.float, d.isFinite { return .number(d) }
        return .string(scalar.string)
    }

    func kindName(_ node: Node) -> String {
        switch node {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    func describe(_ node: Node) -> String {
        if case .scalar(let scalar) = node { return "'\(scalar.string)'" }
        return kindName(node)
    }

    /// The position of `needle` (a placeholder) inside a scalar that may span lines. Folding and
    /// block indentation change the text, so this finds the placeholder in the source itself: the
    /// k-th occurrence at or after the scalar's start, where k counts earlier ones in the value.
    func location(of needle: String, offset: Int, in node: Node) -> SourceLocation {
        let base = location(node)
        guard case .scalar(let scalar) = node else { return base }
        let before = String(String.UnicodeScalarView(scalar.string.unicodeScalars.prefix(offset)))
        var remaining = before.occurrences(of: needle)
        var line = base.line
        var fromColumn = base.column
        while line - 1 < lines.count {
            let text = lines[line - 1]
            var searchStart = text.unicodeScalars.index(text.startIndex, offsetBy: min(fromColumn - 1, text.unicodeScalars.count))
            while let range = text[searchStart...].firstRange(of: needle) {
                if remaining == 0 {
                    let column = text.unicodeScalars.distance(from: text.startIndex, to: range.lowerBound) + 1
                    return SourceLocation(file: file, line: line, column: column)
                }
                remaining -= 1
                searchStart = range.upperBound
            }
            line += 1
            fromColumn = 1
        }
        return base
    }
}

extension String {
    /// Non-overlapping occurrences of `needle`.
    func occurrences(of needle: String) -> Int {
        var count = 0
        var rest = self[...]
        while let range = rest.firstRange(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}
