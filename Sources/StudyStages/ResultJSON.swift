import StudyCore

/// A JSON value whose object keys keep the order they were given in, for result files written in a
/// fixed schema order. Numbers use `JSONValue.format` (shortest round trip; non-finite as `null`), so the
/// same result always gives the same bytes.
indirect enum ResultJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([ResultJSON])
    case object([(String, ResultJSON)])

    static func == (a: ResultJSON, b: ResultJSON) -> Bool { a.text == b.text }

    /// A number, or `null` when absent.
    static func optional(_ d: Double?) -> ResultJSON { d.map { .number($0) } ?? .null }

    /// A string, or `null` when absent.
    static func optional(_ s: String?) -> ResultJSON { s.map { .string($0) } ?? .null }

    /// The compact JSON text, followed by nothing.
    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// The file contents: the text and a final newline.
    var fileBytes: [UInt8] { Array((text + "\n").utf8) }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d): out += JSONValue.format(d == 0 ? 0 : d)
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.quote(member.0, into: &out)
                out += ":"
                member.1.write(to: &out)
            }
            out += "}"
        }
    }
}
