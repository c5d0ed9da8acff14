#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number and text formatting for SVG, HTML and Markdown output, written without Foundation so the
/// bytes depend on nothing but the values (no locale, no platform `printf`).
public enum TextFormat {
    /// `x` rounded to `digits` decimals, always showing them (`fixed(0.5, 2)` is `0.50`).
    /// Negative zero prints as `0`; non-finite values print as `NA`, as R does.
    public static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "NA" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(x) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return JSONNumberText.shortest(x) }
        let n = Int64(scaled)
        var text = String(n)
        if digits > 0 {
            if text.count <= digits { text = String(repeating: "0", count: digits - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
        }
        return (x < 0 && n != 0 ? "-" : "") + text
    }

    /// A coordinate for SVG: at most two decimals, trailing zeros dropped (`12.5`, `3`, `-0.25`).
    public static func coordinate(_ x: Double) -> String {
        var text = fixed(x, 2)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// A p-value as NEJM and the Lancet print it: `< 0.001` below a thousandth, three decimals from
    /// 0.001 to 0.01, two above, `> 0.99` above 0.99 — and never rounded across 0.05: a p below 0.05
    /// gets the decimals it needs to stay below (`0.046` not `0.05`, `0.0496` not `0.050`).
    public static func pValue(_ p: Double) -> String {
        guard p.isFinite, p >= 0 else { return "NA" }
        if p < 0.001 { return "< 0.001" }
        if p > 0.99 { return "> 0.99" }
        var digits = p < 0.01 ? 3 : 2
        var text = fixed(p, digits)
        while p < 0.05, digits < 6, let shown = Double(text), shown >= 0.05 {
            digits += 1
            text = fixed(p, digits)
        }
        return text
    }

    /// `p = 0.04`, `p < 0.001` or `p > 0.99`, for legends and captions.
    public static func pEquals(_ p: Double) -> String {
        let text = pValue(p)
        return text.hasPrefix("<") || text.hasPrefix(">") ? "p \(text)" : "p = \(text)"
    }

    /// `1 event`, `112 events`, `1,523 events`: a count of events with its noun in the right number.
    public static func events(_ n: Int) -> String { count(n) + (n == 1 ? " event" : " events") }

    /// An integer with thin-space-free thousands separators (`100,000`), as tables print counts.
    public static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A value with a sensible number of significant digits for a table cell: three significant
    /// digits, at least two decimals below 10, integers shown whole.
    public static func value(_ x: Double) -> String {
        guard x.isFinite else { return "NA" }
        if x == x.rounded() && abs(x) < 1e15 { return count(Int(x)) }
        let magnitude = abs(x)
        if magnitude >= 100 { return fixed(x, 1) }
        if magnitude >= 0.01 { return fixed(x, 2) }
        if magnitude >= 0.0001 || magnitude == 0 { return fixed(x, 4) }
        // Below 0.0001 four decimals would print 0.0000 (a p of 6e-6 beside a published
        // "< 0.0001"): two significant digits with an exponent instead, e.g. 6.2e-6.
        var exponent = Int((log10(magnitude)).rounded(.down))
        var mantissa = x / pow(10, Double(exponent))
        if abs(mantissa) >= 9.95 { mantissa /= 10; exponent += 1 }
        return fixed(mantissa, 1) + "e" + String(exponent)
    }

    /// Escapes `&`, `<`, `>`, `"` and `'` for HTML and SVG text and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Escapes the characters that would break a Markdown table cell or start markup.
    public static func markdownCell(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "|": out += "\\|"
            case "\n": out += " "
            default: out.append(c)
            }
        }
        return out
    }
}

/// Shortest round-trip spelling of a double, as result files use.
enum JSONNumberText {
    static func shortest(_ d: Double) -> String {
        if d == d.rounded(), abs(d) <= 9_007_199_254_740_992 { return String(Int64(d)) }
        return "\(d)"
    }
}
