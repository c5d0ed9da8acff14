import StudyCore

/// A parsed result file (JSON), read by stages that consume other stages' results. Objects keep
/// their members as an ordered list: result objects are small and fixed-schema, so a linear lookup
/// beats building a dictionary per step of a 100,000-step curve.
enum ResultValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ResultValue])
    case object([(String, ResultValue)])
    /// A list of flat objects with the same members, all numbers or null — the steps of a curve —
    /// stored by column: one allocation instead of one per step. `array` turns it back into objects.
    case table(RecordTable)

    /// The member `key` of an object, nil when absent or not an object.
    subscript(key: String) -> ResultValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.0 == key { return member.1 }
        return nil
    }

    var double: Double? { if case .number(let d) = self { return d } else { return nil } }
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var array: [ResultValue]? {
        switch self {
        case .array(let a): return a
        case .table(let t): return t.rows
        default: return nil
        }
    }
    var isNull: Bool { if case .null = self { return true } else { return false } }

    /// An integer value (a number with no fraction).
    var int: Int? {
        guard let d = double, d == d.rounded(), abs(d) < 9e15 else { return nil }
        return Int(d)
    }

    /// The largest result file a stage reads (a 100,000-step curve is about 10 MiB).
    static let maxBytes = 512 << 20
    /// How deeply arrays and objects may nest; results are a few levels deep, and the parser and
    /// every walk of the value recurse once per level.
    static let maxDepth = 256

    /// Reads and parses the file at `path`, refusing one over `maxBytes` before reading it.
    static func read(_ path: String) throws(ResultJSONError) -> ResultValue {
        if let size = FileIO.size(path), size > maxBytes {
            throw ResultJSONError(message: "the file is \(size >> 20) MiB, over the limit of \(maxBytes >> 20) MiB for a result; check that it is the right file")
        }
        guard let bytes = FileIO.read(path) else { throw ResultJSONError(message: "cannot read the file") }
        return try parse(bytes)
    }

    /// Parses JSON text.
    /// - Complexity: O(n) in the bytes.
    static func parse(_ bytes: [UInt8]) throws(ResultJSONError) -> ResultValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var parser = ResultJSONParser(bytes: buffer)
                parser.skipSpace()
                let value = try parser.value(depth: 0)
                parser.skipSpace()
                guard parser.at == buffer.count else { throw parser.failure("unexpected text after the JSON value") }
                return value
            }
        } catch let error as ResultJSONError {
            throw error
        } catch {
            throw ResultJSONError(message: "\(error)")
        }
    }
}

/// Rows of numbers under fixed member names, row-major; NaN stands for `null` (JSON has no NaN).
struct RecordTable: Sendable {
    var keys: [String]
    var values: [Double]

    var count: Int { keys.isEmpty ? 0 : values.count / keys.count }

    /// The column of `key`, nil when absent.
    func column(_ key: String) -> Int? { keys.firstIndex(of: key) }

    /// The value at `row`, `column`; nil for null.
    func value(_ row: Int, _ column: Int) -> Double? {
        let v = values[row * keys.count + column]
        return v.isNaN ? nil : v
    }

    /// The rows as ordinary objects.
    var rows: [ResultValue] {
        (0..<count).map { r in
            .object(keys.enumerated().map { c, key in (key, value(r, c).map(ResultValue.number) ?? .null) })
        }
    }
}

/// A JSON syntax error with the byte offset where it was found.
struct ResultJSONError: Error, Sendable {
    var message: String
}

/// A recursive-descent JSON parser over bytes. Numbers with at most 15 significant digits and a
/// small exponent convert exactly with one multiplication or division (Clinger's fast path).
/// Numbers of 16 to 19 digits (survival probabilities printed in full) take the same path and may
/// land one ulp (~1e-16 relative) from the correctly rounded value: a report prints at most four
/// decimals and draws to a hundredth of a pixel, so that cannot show, and it is five times faster
/// than the standard library's parser on a 100,000-step curve. Longer numbers use that parser.
struct ResultJSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func failure(_ message: String) -> ResultJSONError {
        ResultJSONError(message: "\(message) at byte \(at + 1)")
    }

    mutating func skipSpace() {
        while at < bytes.count {
            let b = bytes[at]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { at += 1 } else { return }
        }
    }

    mutating func value(depth: Int) throws(ResultJSONError) -> ResultValue {
        guard depth < ResultValue.maxDepth else {
            throw failure("arrays and objects nest more than \(ResultValue.maxDepth) levels deep; a result is never that deep: check that it is the right file")
        }
        guard at < bytes.count else { throw failure("unexpected end of file") }
        switch bytes[at] {
        case UInt8(ascii: "{"):
            at += 1
            var members: [(String, ResultValue)] = []
            skipSpace()
            if at < bytes.count && bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                let key = try string()
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                at += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard at < bytes.count else { throw failure("unexpected end of file") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                throw failure("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            at += 1
            var items: [ResultValue] = []
            skipSpace()
            if at < bytes.count && bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            if at < bytes.count && bytes[at] == UInt8(ascii: "{"), let table = try recordTable() { return .table(table) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard at < bytes.count else { throw failure("unexpected end of file") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                throw failure("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            return .number(try number())
        }
    }

    /// Tries to read the rest of an array as a `RecordTable`: every item an object with the first
    /// item's member names in the same order and only number or null values. Returns nil with the
    /// position restored when the array is anything else, so the general path reads it.
    mutating func recordTable() throws(ResultJSONError) -> RecordTable? {
        let start = at
        var keys: [[UInt8]] = []
        var values: [Double] = []
        // First object: learn the member names.
        at += 1
        skipSpace()
        while at < bytes.count && bytes[at] != UInt8(ascii: "}") {
            guard bytes[at] == UInt8(ascii: "\"") else { at = start; return nil }
            let keyStart = at + 1
            var end = keyStart
            while end < bytes.count && bytes[end] != UInt8(ascii: "\"") {
                if bytes[end] == UInt8(ascii: "\\") { at = start; return nil }
                end += 1
            }
            keys.append(Array(bytes[keyStart..<end]))
            at = end + 1
            guard let v = try flatValue() else { at = start; return nil }
            values.append(v)
            skipSpace()
            if at < bytes.count && bytes[at] == UInt8(ascii: ",") { at += 1; skipSpace() }
        }
        guard !keys.isEmpty, at < bytes.count else { at = start; return nil }
        at += 1
        // Later objects: the same names in the same order, compared as bytes.
        while true {
            skipSpace()
            guard at < bytes.count else { throw failure("unexpected end of file") }
            if bytes[at] == UInt8(ascii: "]") { at += 1; break }
            guard bytes[at] == UInt8(ascii: ",") else { throw failure("expected ',' or ']'") }
            at += 1
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "{") else { at = start; return nil }
            at += 1
            for (k, key) in keys.enumerated() {
                skipSpace()
                if k > 0 {
                    guard at < bytes.count, bytes[at] == UInt8(ascii: ",") else { at = start; return nil }
                    at += 1
                    skipSpace()
                }
                guard at + key.count + 1 < bytes.count, bytes[at] == UInt8(ascii: "\""),
                      bytes[at + key.count + 1] == UInt8(ascii: "\"") else { at = start; return nil }
                for i in 0..<key.count where bytes[at + 1 + i] != key[i] { at = start; return nil }
                at += key.count + 2
                guard let v = try flatValue() else { at = start; return nil }
                values.append(v)
            }
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "}") else { at = start; return nil }
            at += 1
        }
        return RecordTable(keys: keys.map { String(decoding: $0, as: UTF8.self) }, values: values)
    }

    /// After a member name: `: number` or `: null` (as NaN); nil for any other value.
    private mutating func flatValue() throws(ResultJSONError) -> Double? {
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return nil }
        at += 1
        skipSpace()
        guard at < bytes.count else { return nil }
        let b = bytes[at]
        if b == UInt8(ascii: "n") { try literal("null"); return .nan }
        guard b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39) else { return nil }
        return try number()
    }

    mutating func literal(_ word: StaticString) throws(ResultJSONError) {
        let count = word.utf8CodeUnitCount
        guard at + count <= bytes.count else { throw failure("unexpected end of file") }
        for i in 0..<count where bytes[at + i] != word.utf8Start[i] { throw failure("unexpected character") }
        at += count
    }

    mutating func string() throws(ResultJSONError) -> String {
        at += 1
        let start = at
        var plain = true
        while at < bytes.count {
            let b = bytes[at]
            if b == UInt8(ascii: "\"") {
                if plain {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
                    at += 1
                    return s
                }
                break
            }
            if b == UInt8(ascii: "\\") { plain = false; at += 2; continue }
            if b < 0x20 { throw failure("control character in a string") }
            at += 1
        }
        guard at < bytes.count else { throw failure("unterminated string") }
        // Escapes present: decode them.
        var out: [UInt8] = []
        var i = start
        while i < at {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard i + 4 <= at, let code = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<(i + 4)]), as: UTF8.self), radix: 16)
                else { throw failure("bad \\u escape") }
                i += 4
                var scalarValue = code
                if (0xD800..<0xDC00).contains(code), i + 6 <= at, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                   let low = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 2)..<(i + 6)]), as: UTF8.self), radix: 16),
                   (0xDC00..<0xE000).contains(low) {
                    scalarValue = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalarValue).map(Character.init) ?? "\u{FFFD}").utf8))
            default: out.append(e)
            }
        }
        at += 1
        return String(decoding: out, as: UTF8.self)
    }

    static let powers: [Double] = (0...22).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }

    mutating func number() throws(ResultJSONError) -> Double {
        let start = at
        var negative = false
        if bytes[at] == UInt8(ascii: "-") { negative = true; at += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, exponent = 0
        var sawDigit = false
        while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 {
            // Wrapping arithmetic: 19 digits fit in a UInt64, so overflow checks only cost time.
            if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[at] &- 0x30); if mantissa > 0 { digits &+= 1 } } else { exponent &+= 1; digits &+= 1 }
            sawDigit = true
            at += 1
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            at += 1
            guard at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 else { throw failure("unexpected character") }
            while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[at] &- 0x30); if mantissa > 0 { digits &+= 1 }; exponent &-= 1 } else { digits &+= 1 }
                sawDigit = true
                at += 1
            }
        }
        guard sawDigit else { throw failure("unexpected character") }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            at += 1
            var sign = 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "-") || bytes[at] == UInt8(ascii: "+") {
                if bytes[at] == UInt8(ascii: "-") { sign = -1 }
                at += 1
            }
            var e = 0
            var sawExponentDigit = false
            while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 {
                if e < 100_000 { e = e * 10 + Int(bytes[at] - 0x30) }
                sawExponentDigit = true
                at += 1
            }
            guard sawExponentDigit else { throw failure("bad exponent") }
            exponent += sign * e
        }
        if digits <= 19 && abs(exponent) <= 22 {
            var d = Double(mantissa)
            d = exponent >= 0 ? d * Self.powers[exponent] : d / Self.powers[-exponent]
            return negative ? -d : d
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        guard let d = Double(text) else { throw failure("bad number '\(text)'") }
        return d
    }
}

extension ResultValue {
    /// The value a result model's encoding reads back as: what parsing its bytes would give, built
    /// without writing them (integers and numbers alike are numbers, non-finite numbers `null`).
    init(_ json: ResultJSON) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .integer(let i): self = .number(Double(i))
        case .number(let d): self = d.isFinite ? .number(d == 0 ? 0 : d) : .null
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map(ResultValue.init))
        case .object(let members): self = .object(members.map { ($0.0, ResultValue($0.1)) })
        }
    }
}
