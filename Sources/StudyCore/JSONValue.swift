/// A parameter or `with:` value: the JSON data model, with a canonical encoding.
///
/// Canonical means sorted object keys, no insignificant whitespace and one spelling per number,
/// so equal values always give equal bytes, equal stage keys and small provenance diffs.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys are unique; the encoding sorts them, whatever order they were declared in.
    case object([String: JSONValue])

    /// The canonical JSON text.
    public var canonicalJSON: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// JSON text that `JSONValue.parse` reads back as this very value: sorted keys like the
    /// canonical form, but a fractional `.number` keeps its fraction (`2.0`, where the canonical
    /// form, made for digests, prints `2`). For handing values to another process.
    public var typedJSON: String {
        var out = ""
        write(to: &out, keepingFractions: true)
        return out
    }

    /// The text a placeholder expands to: scalars as written, arrays joined by spaces.
    public var scalarText: String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let d): return JSONValue.format(d)
        case .string(let s): return s
        case .array(let items): return items.map(\.scalarText).joined(separator: " ")
        case .object: return canonicalJSON
        }
    }

    /// Interprets a command-line `--param` value exactly as the workflow file's YAML would a plain
    /// scalar, so `--param x=yes` and `x: yes` give the same value and the same stage key.
    public init(parsingScalar text: String) {
        self = YAMLReader.scalarValue(Node.Scalar(text))
    }

    func write(to out: inout String, keepingFractions: Bool = false) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d) where keepingFractions && d.isFinite:
            let text = "\(d)"
            out += text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
        case .number(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out, keepingFractions: keepingFractions)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONValue.quote(key, into: &out)
                out += ":"
                members[key]!.write(to: &out, keepingFractions: keepingFractions)
            }
            out += "}"
        }
    }

    /// Shortest round-tripping decimal; integral values that fit exactly print without a fraction
    /// (`2` not `2.0`). JSON has no NaN or infinity: they print as `null`.
    public static func format(_ d: Double) -> String {
        if !d.isFinite { return "null" }
        if d == d.rounded(), abs(d) <= 9_007_199_254_740_992 { return String(Int64(d)) }
        return "\(d)"
    }

    /// Appends `s` as a JSON string literal.
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out = ""
        quote(s, into: &out)
        return out
    }
}
