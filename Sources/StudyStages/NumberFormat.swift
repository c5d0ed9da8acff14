import StudyCore

/// The one spelling of a number in normalized output: the shortest decimal that reads back to the
/// same double, integral values without a fraction (`2`, not `2.0`), so output is byte-identical.
enum NumberFormat {
    /// `d` as written in a normalized CSV; non-finite values are `NA`.
    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "NA" }
        if d == 0 { return "0" }
        return JSONValue.format(d)
    }

    /// `text` as a number when it is a plain decimal (`-1.5`, `2e3`); hex, `nan` and `inf` are not.
    static func parse(_ text: String) -> Double? {
        if let d = exactDecimal(text) { return d }
        let t = trimmed(text)
        // Bytes, not Characters: an ASCII check over UTF-8 is what decides, and it is many times faster.
        guard !t.isEmpty, t.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E
                                              || $0 == 0x45 || $0 == 0x65 }),
              let d = Double(t), d.isFinite else { return nil }
        return d
    }

    /// `parse(_:)` over UTF-8 bytes (a CSV field in place), with the same answer for the same text:
    /// the common plain decimal is read from the bytes, anything else goes through `parse(_:)`.
    static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        if let d = exactDecimal(bytes: bytes) { return d }
        // Only a decimal with spaces, an exponent or many digits (or not a number) gets here.
        let t = trimmed(bytes: bytes)
        guard !t.isEmpty, t.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E
                                        || $0 == 0x45 || $0 == 0x65 }),
              let d = Double(String(decoding: t, as: UTF8.self)), d.isFinite else { return nil }
        return d
    }

    /// `bytes` without leading and trailing spaces and tabs, as `trimmed(_:)` does for a String.
    static func trimmed(bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return start == 0 && end == bytes.count ? bytes : UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// `text` without leading and trailing spaces and tabs.
    static func trimmed(_ text: String) -> String {
        // Most cells have nothing to trim; look at the two end bytes only (`utf8.last` is slow),
        // through `withUTF8`, which small strings answer from a copy on the stack.
        var copy = text
        let clean = copy.withUTF8 { bytes in
            guard let first = bytes.first, let last = bytes.last else { return true }
            return first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09
        }
        if clean { return text }
        var s = Substring(text)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }

    /// 10^0 ... 10^22, each exactly representable as a Double.
    private static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }

    /// The common cell `-123.45`: at most 15 significant digits, no exponent, no spaces, digits on
    /// both sides of a point. Then mantissa and 10^fraction are exact doubles and one IEEE division
    /// rounds correctly, giving bit for bit what `Double(_:)` gives, several times faster. Anything
    /// else is nil and goes the general way.
    static func exactDecimal(_ text: String) -> Double? {
        // Over the raw bytes: iterating `text.utf8` cell by cell was the costliest step of typing.
        var copy = text
        return copy.withUTF8 { exactDecimal(bytes: $0) }
    }

    static func exactDecimal(bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var mantissa: UInt64 = 0
        var significant = 0, fraction = 0, digitsBefore = 0, index = 0
        var negative = false, sawPoint = false
        for b in bytes {
            switch b {
            case 0x30...0x39:
                if significant > 0 || b != 0x30 { significant += 1 }
                guard significant <= 15 else { return nil }
                mantissa = mantissa &* 10 &+ UInt64(b &- 0x30)
                if sawPoint { fraction += 1 } else { digitsBefore += 1 }
            case 0x2E:
                guard !sawPoint, digitsBefore > 0 else { return nil }
                sawPoint = true
            case 0x2D, 0x2B:
                guard index == 0 else { return nil }
                negative = b == 0x2D
            default:
                return nil
            }
            index += 1
        }
        guard digitsBefore > 0, !sawPoint || fraction > 0, fraction <= 22 else { return nil }
        var d = Double(mantissa)
        if fraction > 0 { d /= powersOfTen[fraction] }
        return negative ? -d : d
    }
}
