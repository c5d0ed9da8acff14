/// A table a user's script wrote (CSV), as the report prints it: the chosen columns in order,
/// number columns right-aligned with at most `digits` digits after the point, missing cells as
/// written, and at most `maxRows` rows with a note saying how many more the file holds.
extension ReportTable {
    /// Rows shown before the table is cut with a note: a report is read, not searched.
    public static let maxRows = 500

    /// Cells read as missing: they neither count against a number column nor are reformatted.
    static let missing: Set<String> = ["", "NA", "N/A", "NaN", "nan", "-", "."]

    /// One block of rows, from one file (or one instance of a gathered input, then labelled).
    public struct CSVBlock: Sendable {
        /// The instance's label, shown in a leading column; nil for a single file.
        public var label: String?
        /// Rows of the chosen columns, as written in the file.
        public var rows: [[String]]

        /// Creates a block.
        public init(label: String?, rows: [[String]]) {
            self.label = label
            self.rows = rows
        }
    }

    /// The table of `blocks` under `header` (the chosen column names); `source` names the file(s)
    /// in the truncation note and `labelColumn` heads the instance labels when blocks have them.
    public static func csv(header: [String], blocks: [CSVBlock], digits: Int?, title: String, source: String,
                           labelColumn: String = "Instance") -> ReportTable {
        let labelled = blocks.contains { $0.label != nil }
        let all = blocks.flatMap { block in block.rows.map { (block.label, $0) } }
        let numeric = header.indices.map { c in
            var any = false
            for (_, row) in all {
                let cell = c < row.count ? row[c].trimmingSpaces : ""
                if missing.contains(cell) { continue }
                guard decimalNumber(cell) != nil else { return false }
                any = true
            }
            return any
        }
        var rows: [[String]] = []
        for (label, row) in all.prefix(maxRows) {
            var cells = header.indices.map { c -> String in
                let cell = c < row.count ? row[c] : ""
                return numeric[c] ? format(cell.trimmingSpaces, digits: digits) : cell
            }
            if labelled { cells.insert(label ?? "", at: 0) }
            rows.append(cells)
        }
        var columns = zip(header, numeric).map { Column($0, numeric: $1) }
        if labelled { columns.insert(Column(labelColumn), at: 0) }
        let note = all.count > maxRows
            ? "Showing the first \(TextFormat.count(maxRows)) of \(TextFormat.count(all.count)) rows; the full table is in \(source)."
            : nil
        return ReportTable(title: title, columns: columns, rows: rows, note: note)
    }

    /// A plain decimal number (`-1.25`, `3e-4`), the spellings a CSV writer uses; not `inf`,
    /// hexadecimal or other spellings Swift's `Double(_:)` would also take.
    static func decimalNumber(_ text: String) -> Double? {
        var sawDigit = false, sawDot = false, sawExponent = false, previous: Character? = nil
        for (i, ch) in text.enumerated() {
            switch ch {
            case "0"..."9": sawDigit = true
            case "+", "-": guard i == 0 || previous == "e" || previous == "E" else { return nil }
            case ".": guard !sawDot && !sawExponent else { return nil }; sawDot = true
            case "e", "E": guard sawDigit && !sawExponent else { return nil }; sawExponent = true
            default: return nil
            }
            previous = ch
        }
        guard sawDigit, let last = text.last, last.isNumber || last == "." else { return nil }
        return Double(text)
    }

    /// `cell` with at most `digits` digits after the point (rounded), else as written.
    static func format(_ cell: String, digits: Int?) -> String {
        guard let digits, let value = decimalNumber(cell), !cell.contains("e"), !cell.contains("E"),
              decimals(cell) > digits else { return cell }
        return TextFormat.fixed(value, digits)
    }
}
