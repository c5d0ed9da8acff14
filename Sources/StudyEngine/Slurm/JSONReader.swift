import StudyCore

/// `JSONValue` to JSON text and back (reading through `JSONValue.parse`) without losing the integer/number distinction: fractional
/// numbers are written with a decimal point or exponent (`2.0`), integers without, and read back
/// the same way. Canonical JSON (which prints `2.0` as `2`) is for digests; this is for handing
/// values to another process.
enum JSONReader {
    /// Writes `value` with sorted keys.
    static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .number(let d) where d.isFinite:
            let text = "\(d)"
            out += text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONValue.quote(key, into: &out)
                out += ":"
                write(members[key]!, to: &out)
            }
            out += "}"
        default:
            out += value.canonicalJSON
        }
    }

    /// Parses one JSON value (surrounding whitespace allowed).
    static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try JSONValue.parse(Array(text.utf8))
    }
}
