/// A strict tokenizer for the XML subset a figure file needs — elements, attributes, text, CDATA,
/// comments, an XML declaration and a DOCTYPE without an internal subset — written without
/// Foundation (the project avoids it). Everything else is an error with its line and column:
/// a DTD with an internal subset (where entity bombs and external entities live), entity
/// references other than the five predefined ones and numeric characters, unbalanced tags,
/// duplicate attributes. Names are case-sensitive, as XML says.
struct XMLTokenizer {
    /// One piece of the document, in order. Text and attribute values have entities decoded.
    enum Token: Equatable {
        case start(name: String, attributes: [Attribute], selfClosing: Bool)
        case end(name: String)
        case text(String)
    }

    struct Attribute: Equatable {
        var name: String
        var value: String
    }

    /// A malformed document: where (1-based line and column of the offending byte) and what.
    struct Failure: Error, Equatable {
        var line: Int
        var column: Int
        var message: String
    }

    /// Deeper nesting than any plotting library writes: refused, so hostile input cannot
    /// exhaust the stack of whatever reads the output.
    static let maxDepth = 256

    private let bytes: [UInt8]
    private var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Every token of the document, checked: one root element, balanced tags, only comments,
    /// whitespace and processing instructions (dropped) outside it.
    static func tokens(_ bytes: [UInt8]) throws(Failure) -> [Token] {
        var tokenizer = XMLTokenizer(bytes)
        return try tokenizer.all()
    }

    private mutating func all() throws(Failure) -> [Token] {
        var out: [Token] = []
        var open: [String] = []
        var sawRoot = false
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < bytes.count {
            if bytes[i] != UInt8(ascii: "<") {
                let start = i
                let text = try readText()
                if open.isEmpty {
                    guard text.allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) else {
                        throw failure(at: start, "text outside the root element")
                    }
                    continue
                }
                out.append(.text(text))
                continue
            }
            let start = i
            if matches("<!--") {
                try skipComment()
            } else if matches("<![CDATA[") {
                guard !open.isEmpty else { throw failure(at: start, "CDATA outside the root element") }
                out.append(.text(try readCDATA()))
            } else if matches("<!DOCTYPE") {
                guard !sawRoot && open.isEmpty else { throw failure(at: start, "a DOCTYPE after the root element starts") }
                try skipDoctype()
            } else if matches("<!") {
                throw failure(at: start, "markup declaration '\(preview(start))' is not allowed in a figure")
            } else if matches("<?") {
                try skipProcessingInstruction()
            } else if matches("</") {
                i += 2
                let name = try readName()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { throw failure(at: i, "expected '>' to end '</\(name)'") }
                i += 1
                guard let last = open.last else { throw failure(at: start, "end tag '</\(name)>' with no open element") }
                guard last == name else { throw failure(at: start, "end tag '</\(name)>' does not match the open '<\(last)>'") }
                open.removeLast()
                out.append(.end(name: name))
            } else {
                guard !(sawRoot && open.isEmpty) else { throw failure(at: start, "a second root element") }
                let (name, attributes, selfClosing) = try readStartTag()
                sawRoot = true
                out.append(.start(name: name, attributes: attributes, selfClosing: selfClosing))
                if !selfClosing {
                    open.append(name)
                    if open.count > Self.maxDepth { throw failure(at: start, "elements nested deeper than \(Self.maxDepth) levels") }
                }
            }
        }
        if let last = open.last { throw failure(at: bytes.count, "the file ends inside '<\(last)>'") }
        guard sawRoot else { throw failure(at: bytes.count, "no root element") }
        return out
    }

    private func matches(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard i + n <= bytes.count else { return false }
        return literal.withUTF8Buffer { buffer in
            for k in 0..<n where bytes[i + k] != buffer[k] { return false }
            return true
        }
    }

    private func find(_ literal: StaticString, from start: Int) -> Int? {
        let n = literal.utf8CodeUnitCount
        return literal.withUTF8Buffer { buffer -> Int? in
            var p = start
            while p + n <= bytes.count {
                if bytes[p] == buffer[0] {
                    var k = 1
                    while k < n && bytes[p + k] == buffer[k] { k += 1 }
                    if k == n { return p }
                }
                p += 1
            }
            return nil
        }
    }

    private mutating func skipComment() throws(Failure) {
        let start = i
        guard let end = find("-->", from: i + 4) else { throw failure(at: start, "a comment that never ends ('-->' missing)") }
        i = end + 3
    }

    private mutating func readCDATA() throws(Failure) -> String {
        let start = i
        guard let end = find("]]>", from: i + 9) else { throw failure(at: start, "a CDATA section that never ends (']]>' missing)") }
        let text = try decodeUTF8(start + 9, end)
        i = end + 3
        return text
    }

    /// A DOCTYPE naming only an external DTD (as matplotlib writes) is skipped: nothing is ever
    /// fetched. An internal subset (`[ … ]`) is refused: it is where entities are declared.
    private mutating func skipDoctype() throws(Failure) {
        let start = i
        var quote: UInt8? = nil
        var p = i + 9
        while p < bytes.count {
            let b = bytes[p]
            if let q = quote {
                if b == q { quote = nil }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
            } else if b == UInt8(ascii: "[") {
                throw failure(at: start, "a DOCTYPE with an internal subset ('[…]': entity declarations) is refused; save the SVG without a DTD")
            } else if b == UInt8(ascii: ">") {
                i = p + 1
                return
            }
            p += 1
        }
        throw failure(at: start, "a DOCTYPE that never ends ('>' missing)")
    }

    private mutating func skipProcessingInstruction() throws(Failure) {
        let start = i
        guard let end = find("?>", from: i + 2) else { throw failure(at: start, "a processing instruction that never ends ('?>' missing)") }
        i = end + 2
    }

    private mutating func readStartTag() throws(Failure) -> (String, [Attribute], Bool) {
        i += 1
        let name = try readName()
        var attributes: [Attribute] = []
        while true {
            let before = i
            skipSpace()
            guard i < bytes.count else { throw failure(at: i, "the file ends inside the tag '<\(name)'") }
            if bytes[i] == UInt8(ascii: ">") { i += 1; return (name, attributes, false) }
            if matches("/>") { i += 2; return (name, attributes, true) }
            guard i > before else { throw failure(at: i, "expected a space before the next attribute of '<\(name)'") }
            let at = i
            let attribute = try readName()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw failure(at: i, "attribute '\(attribute)' of '<\(name)' has no value") }
            i += 1
            skipSpace()
            let value = try readQuoted()
            guard !attributes.contains(where: { $0.name == attribute }) else {
                throw failure(at: at, "attribute '\(attribute)' appears twice in '<\(name)'")
            }
            attributes.append(Attribute(name: attribute, value: value))
        }
    }

    private mutating func readName() throws(Failure) -> String {
        let start = i
        while i < bytes.count {
            let b = bytes[i]
            let ok = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":")
                || (i > start && ((b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")))
            guard ok else { break }
            i += 1
        }
        guard i > start else { throw failure(at: start, "expected a name, found '\(preview(start))'") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    /// A quoted attribute value, entities decoded and white space normalised to spaces (XML's
    /// attribute-value normalisation).
    private mutating func readQuoted() throws(Failure) -> String {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
            throw failure(at: i, "an attribute value must be in quotes")
        }
        let quote = bytes[i], start = i
        i += 1
        var out = ""
        var run = i
        while i < bytes.count, bytes[i] != quote {
            switch bytes[i] {
            case UInt8(ascii: "<"): throw failure(at: i, "'<' inside an attribute value")
            case UInt8(ascii: "&"):
                out += try decodeUTF8(run, i)
                out += try readReference()
                run = i
            case 0x09, 0x0A, 0x0D:
                out += try decodeUTF8(run, i) + " "
                i += 1
                run = i
            default: i += 1
            }
        }
        guard i < bytes.count else { throw failure(at: start, "an attribute value that never ends") }
        out += try decodeUTF8(run, i)
        i += 1
        return out
    }

    private mutating func readText() throws(Failure) -> String {
        var out = ""
        var run = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "<") {
            if bytes[i] == UInt8(ascii: "&") {
                out += try decodeUTF8(run, i)
                out += try readReference()
                run = i
            } else {
                i += 1
            }
        }
        out += try decodeUTF8(run, i)
        return out
    }

    /// `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and `&#N;` / `&#xH;`; any other entity would need a
    /// DTD, which is refused.
    private mutating func readReference() throws(Failure) -> String {
        let start = i
        guard let semicolon = bytes[i...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
            throw failure(at: start, "'&' that starts no entity reference; write '&amp;'")
        }
        let body = String(decoding: bytes[(i + 1)..<semicolon], as: UTF8.self)
        i = semicolon + 1
        switch body {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default: break
        }
        guard body.hasPrefix("#") else { throw failure(at: start, "entity '&\(body);' is not defined (only XML's five and numeric references are allowed)") }
        let hex = body.hasPrefix("#x")
        let digits = body.dropFirst(hex ? 2 : 1)
        guard !digits.isEmpty, let code = UInt32(digits, radix: hex ? 16 : 10), let scalar = Unicode.Scalar(code),
              code == 0x9 || code == 0xA || code == 0xD || code >= 0x20, code != 0xFFFE, code != 0xFFFF else {
            throw failure(at: start, "'&\(body);' is not a valid character reference")
        }
        return String(Character(scalar))
    }

    private func decodeUTF8(_ start: Int, _ end: Int) throws(Failure) -> String {
        guard start < end else { return "" }
        let slice = bytes[start..<end]
        var iterator = slice.makeIterator()
        var decoder = UTF8()
        var out = String.UnicodeScalarView()
        var offset = start
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s):
                guard s.value >= 0x20 || s.value == 0x9 || s.value == 0xA || s.value == 0xD else {
                    throw failure(at: offset, "control character U+\(Self.hex4(s.value)) is not allowed in XML; remove it")
                }
                out.append(s)
                offset += UTF8.width(s)
            case .emptyInput: return String(out)
            case .error: throw failure(at: offset, "bytes that are not UTF-8")
            }
        }
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private func preview(_ start: Int) -> String {
        let end = min(bytes.count, start + 12)
        return String(decoding: bytes[start..<end], as: UTF8.self).filter { $0 != "\n" && $0 != "\r" }
    }

    /// A failure at byte `offset`, with its 1-based line and column (in bytes).
    func failure(at offset: Int, _ message: String) -> Failure {
        var line = 1, column = 1
        for b in bytes[..<min(offset, bytes.count)] {
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return Failure(line: line, column: column, message: message)
    }
}
