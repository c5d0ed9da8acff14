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

    /// `text` as `exactDecimal(bytes:)` reads it.
    static func exactDecimal(_ text: String) -> Double? {
        // Over the raw bytes: iterating `text.utf8` cell by cell was the costliest step of typing.
        var copy = text
        return copy.withUTF8 { exactDecimal(bytes: $0) }
    }

    /// The common cell, read exactly without a String: `[+-]digits[.digits][(e|E)[+-]digits]`
    /// (digits on at least one side of the point) with at most 19 significant digits, whose
    /// digits m form an integer ≤ 2^53 and whose decimal exponent e (exponent minus fraction
    /// digits) lies in -22...22. Then m and 10^|e| are exact doubles and one IEEE multiplication or
    /// division rounds correctly (Clinger's fast path), giving bit for bit what the correctly
    /// rounded `Double(_:)` gives; zero keeps its sign. Anything else is nil and goes the general
    /// way (`parse`), so the answer never depends on which path read a cell.
    static func exactDecimal(bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let p = bytes.baseAddress, !bytes.isEmpty else { return nil }
        let n = bytes.count
        var i = 0
        let negative = p[0] == 0x2D
        if negative || p[0] == 0x2B { i = 1 }
        var mantissa: UInt64 = 0
        var significant = 0, fraction = 0, digits = 0
        // One loop for both sides of the point: `fraction` counts the digits after it.
        var sawPoint = false
        while i < n {
            let d = p[i] &- 0x30
            if d < 10 {
                if significant > 0 || d != 0 { significant += 1 }
                mantissa = mantissa &* 10 &+ UInt64(d)
                digits += 1
                if sawPoint { fraction += 1 }
            } else if p[i] == 0x2E && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        guard digits > 0, significant <= 19 else { return nil }
        var exponent = 0
        if i < n {
            guard p[i] | 0x20 == 0x65, i + 1 < n else { return nil }
            i += 1
            let negativeExponent = p[i] == 0x2D
            if negativeExponent || p[i] == 0x2B { i += 1 }
            let first = i
            while i < n, p[i] &- 0x30 < 10 {
                // Saturated: a longer exponent is out of range anyway and goes the general way.
                if exponent < 100_000 { exponent = exponent * 10 + Int(p[i] &- 0x30) }
                i += 1
            }
            guard i == n, i > first else { return nil }
            if negativeExponent { exponent = -exponent }
        }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        let scale = exponent - fraction
        guard mantissa <= 1 << 53, scale >= -22, scale <= 22 else { return nil }
        var value = Double(mantissa)
        value = scale < 0 ? value / powersOfTen[-scale] : value * powersOfTen[scale]
        return negative ? -value : value
    }
}
