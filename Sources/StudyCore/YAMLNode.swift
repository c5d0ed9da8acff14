import Yams

/// Helpers over composed nodes (`Node`): positions, typed scalars and duplicate-key checks, so the
/// loader can report `file:line:column` for every mistake (a decoder gives only coding paths).
struct YAMLReader {
    let file: String
    private let source: SourceLines
    var diagnostics: [Diagnostic] = []

    init(file: String, text: String) {
        self.file = file
        self.source = SourceLines(text)
    }

    /// The text's lines, split on first use: only diagnostics need them, and a 100,000-stage file
    /// has 400,000.
    var lines: [Substring] { source.lines }

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
    /// `context` is only built for a message: a 100,000-stage file asks for a million pairs.
    mutating func pairs(_ node: Node, context: @autoclosure () -> String) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { return [] }
        // A stage's mapping has a handful of keys: scanning them beats hashing; `stages:` has many.
        var seen: [String: Int]? = mapping.count > 12 ? .init(minimumCapacity: mapping.count) : nil
        var result: [(key: String, keyNode: Node, value: Node)] = []
        result.reserveCapacity(mapping.count)
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error("\(context()): keys must be plain names", at: keyNode)
                continue
            }
            let key = scalar.string
            let first = seen != nil ? seen![key] : result.firstIndex(where: { $0.key == key })
            if let first {
                error("duplicate key '\(key)' \(context()) (first at line \(location(result[first].keyNode).line)); remove one of them", at: keyNode)
                continue
            }
            seen?[key] = result.count
            result.append((key, keyNode, value))
        }
        return result
    }

    /// Reports keys not in `allowed`, with a did-you-mean.
    mutating func checkKeys(_ pairs: [(key: String, keyNode: Node, value: Node)], allowed: [String], context: @autoclosure () -> String) {
        for pair in pairs where !allowed.contains(pair.key) {
            error("unknown key '\(pair.key)' \(context())\(Spelling.hint(for: pair.key, among: allowed))", at: pair.keyNode)
        }
    }

    /// A scalar's text, or an error naming what was expected.
    mutating func string(_ node: Node, what: @autoclosure () -> String) -> String? {
        guard case .scalar(let scalar) = node else {
            error("\(what()) must be a string, got \(kindName(node))", at: node)
            return nil
        }
        return scalar.string
    }

    /// A plain `true` or `false` scalar (YAML 1.2 core schema), or an error naming what was expected.
    mutating func boolean(_ node: Node, what: @autoclosure () -> String) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            switch scalar.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        if case .scalar(let scalar) = node, scalar.style != .plain {
            error("\(what()) must be true or false, got the quoted string '\(scalar.string)'; drop the quotes", at: node)
        } else {
            error("\(what()) must be true or false, got \(describe(node))", at: node)
        }
        return nil
    }

    /// A plain integer scalar within `range`, or an error naming what was expected.
    mutating func integer(_ node: Node, what: @autoclosure () -> String, range: ClosedRange<Int>) -> Int? {
        if case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string), range.contains(value) {
            return value
        }
        error("\(what()) must be an integer from \(range.lowerBound) to \(range.upperBound), got \(describe(node))", at: node)
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

    /// Types a scalar as YAML 1.1's core schema does, but only when it is unquoted: exactly as
    /// Yams' constructors (`NSNull`, `Bool`, `Double`) did, so values and stage keys stay the same.
    static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        guard scalar.style == .plain else { return .string(scalar.string) }
        let text = scalar.string
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        default: break
        }
        // Yams lowercases with full Unicode case mapping; a few non-ASCII letters (the Kelvin sign)
        // map to ASCII ones, so any text of up to 20 bytes can spell "false".
        if text.utf8.count <= 20 {
            switch text.lowercased() {
            case "true", "yes", "on": return .bool(true)
            case "false", "no", "off": return .bool(false)
            default: break
            }
        }
        if let i = Int(text) { return .integer(i) }
        // A ':' keeps the text: YAML 1.1's base-60 numbers made `url: http://x` the number 0 and
        // `at: 12:30` 750 (Yams' constructor reads even 'a:b' as 0); YAML 1.2 has no base 60.
        // Otherwise only a digit can make Yams' constructor return a finite number.
        guard !text.utf8.contains(UInt8(ascii: ":")),
              text.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return .string(text) }
        if let d = Double.construct(from: Yams.Node.Scalar(text, .implicit, .plain)), d.isFinite { return .number(d) }
        return .string(text)
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

/// A text and, once asked for, its lines (shared by the copies of a `YAMLReader`).
final class SourceLines {
    private let text: String
    private(set) lazy var lines: [Substring] = text.split(separator: "\n", omittingEmptySubsequences: false)

    init(_ text: String) { self.text = text }
}

/// A mapping's pairs as `YAMLReader.pairs` returns them (each key once), looked up by key with a
/// scan: a stage has a handful of keys, and a dictionary per stage cost an allocation and a dozen
/// hashes for each of a large workflow's 100,000 stages.
struct KeyedPairs {
    let pairs: [(key: String, keyNode: Node, value: Node)]

    /// The value of `key`, or nil when the mapping has no such key.
    subscript(key: String) -> Node? { pairs.first { $0.key == key }?.value }
}
