import StudyCore

/// Reads and writes the ledger's JSON: StudyCore's canonical form (sorted keys, one spelling per
/// number) laid out one member per line, so that `git diff` between two runs shows only the
/// fields that changed. StudyFlow avoids Foundation (its load time counts on every no-op run), so
/// the parser is here too.
public enum JSONText {
    /// Canonical, indented JSON text ending in a newline.
    public static func pretty(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        out += "\n"
        return out
    }

    private static func write(_ value: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        switch value {
        case .array(let items) where !items.isEmpty:
            // Short arrays of scalars stay on one line; anything else gets one element a line.
            if items.allSatisfy({ if case .array = $0 { return false }; if case .object = $0 { return false }; return true }) {
                out += value.canonicalJSON
                return
            }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                write(item, indent: indent + 1, into: &out)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        case .object(let members) where !members.isEmpty:
            out += "{\n"
            let keys = members.keys.sorted()
            for (i, key) in keys.enumerated() {
                out += pad
                JSONValue.quote(key, into: &out)
                out += ": "
                write(members[key]!, indent: indent + 1, into: &out)
                out += i + 1 < keys.count ? ",\n" : "\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        default:
            out += value.canonicalJSON
        }
    }

    /// Parses JSON text (through StudyCore's one reader); nil when it is not valid JSON.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? { try? JSONValue.parse(bytes) }

    /// Parses JSON text; nil when it is not valid JSON.
    public static func parse(_ text: String) -> JSONValue? { parse(Array(text.utf8)) }
}

extension JSONValue {
    /// Member `key` of an object.
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    var intValue: Int? {
        switch self {
        case .integer(let i): return i
        case .number(let d): return Int(exactly: d)
        default: return nil
        }
    }
    var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }
    var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    var arrayValue: [JSONValue] { if case .array(let a) = self { return a }; return [] }
    var objectValue: [String: JSONValue] { if case .object(let o) = self { return o }; return [:] }
}
