/// A "Table 1" of baseline characteristics, as R's `tableone::CreateTableOne` or
/// `gtsummary::tbl_summary` print it: per variable, n (%) per level for a categorical one and
/// median (IQR) for a numeric one, a Missing row when any value is missing, an Overall column and
/// one column per level of the grouping variable, each headed with its n.
///
/// Conventions (README "report/html"):
/// - quantiles are R's default, `quantile(type = 7)`;
/// - percentages are of the non-missing values in that column (tableone's and gtsummary's default);
/// - levels are ordered as R's `factor()` orders them: numerically when every level is a number,
///   else by Unicode scalar values (R's sort in the C locale);
/// - a row whose grouping value is missing counts in Overall only, and the note says how many.
public struct CharacteristicsTable: Sendable {
    /// One cell of the source table, already classified by the caller.
    public enum Value: Equatable, Sendable {
        case missing
        case number(Double)
        case text(String)
    }

    /// One variable: its name, values (one per row) and whether to summarise it by level.
    public struct Variable: Sendable {
        /// Column name, shown as the row label.
        public var name: String
        /// One value per row of the table.
        public var values: [Value]
        /// True: n (%) per level; false: median (IQR) over the numbers.
        public var categorical: Bool

        /// Creates a variable.
        public init(name: String, values: [Value], categorical: Bool) {
            self.name = name
            self.values = values
            self.categorical = categorical
        }
    }

    /// Name of the grouping column, nil for an Overall column only.
    public var byName: String?
    /// One group value per row when `byName` is set.
    public var by: [Value]
    /// Variables in the order the rows show them.
    public var variables: [Variable]
    /// Decimals of medians and quartiles.
    public var digits: Int
    /// Display names from the workflow's `labels:`: a column's name by the column (`ecog` →
    /// "ECOG performance status"), a level's by `COLUMN=LEVEL` (`ecog=1`, `liver_status=Liver
    /// metastasis`), as the cox table's `labels:` name terms. Rows and groups without one read as
    /// the data write them.
    public var labels: [String: String] = [:]

    /// Creates a table; `by` is empty when there is no grouping column.
    public init(byName: String?, by: [Value], variables: [Variable], digits: Int = 1, labels: [String: String] = [:]) {
        self.byName = byName
        self.by = by
        self.variables = variables
        self.digits = digits
        self.labels = labels
    }

    /// A `labels:` key that names nothing this table shows.
    public enum LabelProblem: Equatable, Sendable {
        /// The key is neither a column nor `COLUMN=LEVEL` of one (`columns` lists the table's own).
        case noColumn(key: String, columns: [String])
        /// `COLUMN=LEVEL` where the column has no such level (`levels` in row order).
        case noLevel(key: String, column: String, level: String, levels: [String])
        /// `COLUMN=LEVEL` of a column summarised as a number, which has no level rows.
        case numeric(key: String, column: String)
    }

    /// The problem of each `labels:` key that names no column or level of the table, in key order.
    public var labelProblems: [LabelProblem] {
        let columns = (byName.map { [$0] } ?? []) + variables.map(\.name)
        var problems: [LabelProblem] = []
        for key in labels.keys.sorted() where !columns.contains(key) {
            guard let column = columns.filter({ key.hasPrefix($0 + "=") }).max(by: { $0.count < $1.count }) else {
                problems.append(.noColumn(key: key, columns: columns))
                continue
            }
            let level = String(key.dropFirst(column.count + 1))
            let values: [Value]
            if column == byName {
                values = by
            } else {
                let variable = variables.first { $0.name == column }!
                guard variable.categorical else { problems.append(.numeric(key: key, column: column)); continue }
                values = variable.values
            }
            let levels = Self.levels(values).map(Self.label)
            if !levels.contains(level) { problems.append(.noLevel(key: key, column: column, level: level, levels: levels)) }
        }
        return problems
    }

    /// How `column` reads: its label, else its name.
    public func name(_ column: String) -> String { labels[column] ?? column }

    /// How `level` of `column` reads: the label of `COLUMN=LEVEL`, else the level as written.
    public func name(_ level: Value, of column: String) -> String {
        let written = Self.label(level)
        return labels["\(column)=\(written)"] ?? written
    }

    /// The groups in R's factor order, each with the indices of its rows; Overall first.
    public var groups: [(label: String, rows: [Int])] {
        let count = variables.first?.values.count ?? by.count
        var out: [(label: String, rows: [Int])] = [("Overall", Array(0..<count))]
        guard byName != nil else { return out }
        for level in Self.levels(by) {
            out.append((name(level, of: byName!), by.indices.filter { by[$0] == level }))
        }
        return out
    }

    /// The distinct non-missing values of `values` in R's `factor()` order.
    public static func levels(_ values: [Value]) -> [Value] {
        var seen: Set<String> = []
        var distinct: [Value] = []
        for value in values where value != .missing {
            if seen.insert(label(value)).inserted { distinct.append(value) }
        }
        let numbers = distinct.compactMap { value -> Double? in if case .number(let d) = value { d } else { nil } }
        if numbers.count == distinct.count {
            return numbers.sorted().map { .number($0) }
        }
        return distinct.sorted { label($0).unicodeScalars.lexicographicallyPrecedes(label($1).unicodeScalars) }
    }

    /// How a value reads in a row label or header.
    public static func label(_ value: Value) -> String {
        switch value {
        case .missing: return "NA"
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        case .text(let s): return s
        }
    }

    /// R's `quantile(x, p, type = 7)` of `sorted` (ascending, non-empty).
    public static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down))
        let hi = Swift.min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Median and quartiles (type 7) of the numbers among `values`, nil when there are none.
    public static func medianIQR(_ values: [Value]) -> (median: Double, q1: Double, q3: Double)? {
        let numbers = values.compactMap { value -> Double? in if case .number(let d) = value { d } else { nil } }.sorted()
        guard !numbers.isEmpty else { return nil }
        return (quantile(numbers, 0.5), quantile(numbers, 0.25), quantile(numbers, 0.75))
    }

    /// The rendered table: a header with n per group, then each variable's rows.
    public func table(title: String?) -> ReportTable {
        let groups = self.groups
        var columns = [ReportTable.Column("Characteristic")]
        for group in groups {
            columns.append(ReportTable.Column("\(group.label) (n = \(TextFormat.count(group.rows.count)))", numeric: true))
        }
        var rows: [[String]] = []
        for variable in variables {
            rows += self.rows(variable, groups)
        }
        var note = "n (%) for categories, percent of non-missing values; median (IQR) for numbers (quartiles as R's quantile type 7)."
        if byName != nil {
            let unknown = by.filter { $0 == .missing }.count
            if unknown > 0 {
                note += " \(TextFormat.count(unknown)) \(unknown == 1 ? "row" : "rows") with no '\(name(byName!))' "
                    + "\(unknown == 1 ? "is" : "are") counted in Overall only."
            }
        }
        let heading = title ?? (byName.map { "Characteristics by \(name($0))" } ?? "Characteristics")
        return ReportTable(title: heading, columns: columns, rows: rows, note: note)
    }

    func rows(_ variable: Variable, _ groups: [(label: String, rows: [Int])]) -> [[String]] {
        let values = variable.values
        var out: [[String]] = []
        if variable.categorical {
            out.append(["\(name(variable.name)), n (%)"] + groups.map { _ in "" })
            for level in Self.levels(values) {
                out.append(["\u{2003}" + name(level, of: variable.name)] + groups.map { group in
                    let present = group.rows.filter { values[$0] != .missing }.count
                    let n = group.rows.filter { values[$0] == level }.count
                    return "\(TextFormat.count(n)) (\(TextFormat.fixed(present == 0 ? .nan : Double(n) / Double(present) * 100, 1)))"
                })
            }
        } else {
            out.append(["\(name(variable.name)), median (IQR)"] + groups.map { group in
                guard let s = Self.medianIQR(group.rows.map { values[$0] }) else { return "NA" }
                return "\(TextFormat.fixed(s.median, digits)) (\(TextFormat.fixed(s.q1, digits))–\(TextFormat.fixed(s.q3, digits)))"
            })
        }
        if values.contains(.missing) {
            out.append(["\u{2003}Missing"] + groups.map { group in
                TextFormat.count(group.rows.filter { values[$0] == .missing }.count)
            })
        }
        return out
    }
}
