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
        let t = trimmed(text)
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
              let d = Double(t), d.isFinite else { return nil }
        return d
    }

    /// `text` without leading and trailing spaces and tabs.
    static func trimmed(_ text: String) -> String {
        var s = Substring(text)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
