/// A table of the report: a header, rows of already-formatted cells and a note, rendered as an HTML
/// `<table>` or a Markdown table. Numeric columns align right so digits line up.
public struct ReportTable: Equatable, Sendable {
    /// One column: its header and whether its cells are numbers.
    public struct Column: Equatable, Sendable {
        /// Heading or figure title.
        public var title: String
        /// Right-aligned with tabular digits.
        public var numeric: Bool

        /// Creates a column.
        public init(_ title: String, numeric: Bool = false) {
            self.title = title
            self.numeric = numeric
        }
    }

    /// Heading or figure title.
    public var title: String
    /// Columns in order.
    public var columns: [Column]
    /// Cells, already formatted, one array per row.
    public var rows: [[String]]
    /// A note under the table (abbreviations, tests used).
    public var note: String?

    /// Creates a table.
    public init(title: String, columns: [Column], rows: [[String]], note: String? = nil) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.note = note
    }

    /// The `<table>` element (caption inside it carries the numbered title).
    public func html(number: Int) -> String {
        var out = "<table>\n<caption><span class=\"label\">Table \(number).</span> \(TextFormat.escape(title))</caption>\n<thead><tr>"
        for column in columns {
            out += column.numeric ? "<th class=\"num\">" : "<th>"
            out += TextFormat.escape(column.title) + "</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                out += i < columns.count && columns[i].numeric ? "<td class=\"num\">" : "<td>"
                out += TextFormat.escape(cell) + "</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        if let note { out += "<p class=\"note\">\(TextFormat.escape(note))</p>\n" }
        return out
    }

    /// A GitHub-flavoured Markdown table with its numbered title above.
    public func markdown(number: Int) -> String {
        var out = "**Table \(number).** \(TextFormat.markdownCell(title))\n\n"
        out += "| " + columns.map { TextFormat.markdownCell($0.title) }.joined(separator: " | ") + " |\n"
        out += "|" + columns.map { $0.numeric ? "---:|" : "---|" }.joined() + "\n"
        for row in rows { out += "| " + row.map(TextFormat.markdownCell).joined(separator: " | ") + " |\n" }
        if let note { out += "\n" + note + "\n" }
        return out
    }
}

extension ReportTable {
    /// The cohort as ingested: rows read and kept, then each column with its type, missing values
    /// and category levels, so a reader sees what the analysis stood on.
    public static func cohort(_ summary: CohortSummary, title: String? = nil) -> ReportTable {
        var rows: [[String]] = []
        for column in summary.columns {
            rows.append([column.name, column.type, TextFormat.count(column.missing),
                         column.levels.map { $0.joined(separator: ", ") } ?? ""])
        }
        let dropped = summary.rowsRead - summary.rowsKept
        return ReportTable(
            title: title ?? "Cohort: \(summary.file)",
            columns: [Column("Column"), Column("Type"), Column("Missing", numeric: true), Column("Levels")],
            rows: rows,
            note: "\(TextFormat.count(summary.rowsRead)) rows read, \(TextFormat.count(summary.rowsKept)) kept, "
                + "\(TextFormat.count(dropped)) dropped.")
    }

    /// Observed against expected events per group and the test statistic.
    public static func logRank(_ result: LogRankResult, title: String? = nil) -> ReportTable {
        let rows = result.groups.map { g in
            [g.group, TextFormat.count(g.n), TextFormat.value(g.observed), TextFormat.fixed(g.expected, 1),
             TextFormat.fixed(g.observed / g.expected, 2)]
        }
        let test = result.rho == 0 ? "Log-rank" : "Peto-Peto"
        return ReportTable(
            title: title ?? "\(test) test",
            columns: [Column("Group"), Column("N", numeric: true), Column("Observed", numeric: true),
                      Column("Expected", numeric: true), Column("O/E", numeric: true)],
            rows: rows,
            note: "Chi-square \(TextFormat.fixed(result.statistic, 2)) on \(result.df) df, \(TextFormat.pEquals(result.p)).")
    }

    /// Simulated power per design cell with its Monte Carlo error and Schoenfeld's approximation.
    public static func power(_ result: TrialPowerResult, title: String? = nil) -> ReportTable {
        let rows = result.cells.map { cell in
            [TextFormat.coordinate(cell.hazardRatio), TextFormat.count(cell.sampleSize),
             TextFormat.fixed(cell.power * 100, 1) + " %", TextFormat.fixed(cell.mcSE * 100, 1),
             cell.meanEvents.map { TextFormat.fixed($0, 1) } ?? "",
             cell.schoenfeldPower.map { TextFormat.fixed($0 * 100, 1) + " %" } ?? ""]
        }
        return ReportTable(
            title: title ?? "Simulated trial power",
            columns: [Column("HR", numeric: true), Column("Sample size", numeric: true), Column("Power", numeric: true),
                      Column("MC SE (%)", numeric: true), Column("Mean events", numeric: true),
                      Column("Schoenfeld", numeric: true)],
            rows: rows)
    }

    /// Digits after the decimal point of a number as printed (`0.588` → 3, `310` → 0).
    static func decimals(_ printed: String) -> Int {
        let lower = printed.lowercased()
        guard !lower.contains("e"), let dot = lower.firstIndex(of: ".") else { return 0 }
        return lower[lower.index(after: dot)...].prefix { $0.isNumber }.count
    }

    /// Published figures beside the values this run computed, with the source of each.
    public static func published(_ comparisons: [PublishedComparison], title: String? = nil) -> ReportTable {
        let rows = comparisons.map { row -> [String] in
            let unit = row.unit.map { " " + $0 } ?? ""
            // Shown to the precision the paper printed, so 0.588 sits beside 0.588, not 0.59.
            let reproduced = row.reproduced.map { value in
                (row.publishedValue != nil ? TextFormat.fixed(value, decimals(row.published)) : TextFormat.value(value)) + unit
            } ?? "NA"
            var difference = ""
            if let p = row.publishedValue, let r = row.reproduced, p != 0 {
                let relative = (r - p) / abs(p) * 100
                difference = (relative >= 0.05 ? "+" : "") + TextFormat.fixed(relative, 1) + " %"
            }
            return [row.quantity, row.published + (row.publishedValue != nil ? unit : ""), reproduced, difference,
                    row.citation, row.source]
        }
        return ReportTable(
            title: title ?? "Published versus reproduced",
            columns: [Column("Quantity"), Column("Published", numeric: true), Column("Reproduced", numeric: true),
                      Column("Difference", numeric: true), Column("Source"), Column("Computed from")],
            rows: rows)
    }
}
