import StudyCore

/// The options of a `characteristics` table (Table 1), read from its `with` entry.
struct CharacteristicsOptions: Sendable, Equatable {
    /// The grouping column, one result column per level; nil for Overall only.
    var by: String?
    /// The variables in row order; nil for every column but `by`.
    var columns: [String]?
    /// Columns summarised by level even when every value is a number (e.g. a 0/1 flag or a stage 1–4).
    var categorical: [String]
    /// Decimals of medians and quartiles.
    var digits: Int
}

extension ReportSettings.Reader {
    static let characteristicsKeys = ["by", "columns", "categorical", "digits"]

    /// A characteristics table's options; for any other table type, a problem per option given.
    mutating func characteristicsOptions(_ m: [String: JSONValue], _ type: ReportSettings.TableType,
                                         at field: String) -> CharacteristicsOptions? {
        guard type == .characteristics else {
            // (`columns` and `digits` of a non-characteristics table are csvOptions' to judge.)
            for key in ["by", "categorical"] where m[key] != nil {
                settings.problem("\(field).\(key)", "only a characteristics table takes \(key)")
            }
            return nil
        }
        let by = m["by"].flatMap { settings.text($0, "\(field).by", expected: "a column name") }
        let columns = m["columns"] == nil ? nil
            : settings.textList(m["columns"], "\(field).columns", item: "a column name", list: "a list of column names",
                                distinct: "column")
        if let columns, columns.isEmpty { settings.problem("\(field).columns", "must name at least one column; leave it out for all") }
        let categorical = settings.textList(m["categorical"], "\(field).categorical", item: "a column name",
                                            list: "a list of column names", distinct: "column")
        let digits = settings.integer(m["digits"], "\(field).digits", in: 0...6, fallback: 1) ?? 1
        return CharacteristicsOptions(by: by, columns: columns, categorical: categorical, digits: digits)
    }
}

extension ReportSettings.Reader {
    /// A characteristics table's `labels:` checked against its `columns:` and `by:` when it lists
    /// them (the file's own columns, when it does not, are known only when the report runs): a key
    /// is a column or `COLUMN=LEVEL`; a key naming another column is a problem listing those shown.
    mutating func characteristicsLabels(_ labels: [String: String], _ options: CharacteristicsOptions, at field: String) {
        guard let shown = options.columns else { return }
        let columns = (options.by.map { [$0] } ?? []) + shown
        for key in labels.keys.sorted() where !columns.contains(key) && !columns.contains(where: { key.hasPrefix($0 + "=") }) {
            let column = key.split(separator: "=", maxSplits: 1).first.map(String.init) ?? key
            settings.problem(field, "no column '\(column)' in this table for key '\(key)'; its columns are "
                + columns.map { "'\($0)'" }.joined(separator: ", ") + " (a key is COLUMN or COLUMN=LEVEL)"
                + Spelling.hint(for: column, among: columns))
        }
    }

    /// A map of term labels (`{"liver_status=Liver metastasis": "Liver metastasis"}`), each a text.
    mutating func termLabels(_ value: JSONValue?, at field: String) -> [String: String] {
        guard case .object(let members)? = value else {
            settings.problem(field, "must be a map of term labels, e.g. {\"sex=2\": Female}")
            return [:]
        }
        var out: [String: String] = [:]
        for key in members.keys.sorted() {
            if let text = settings.text(members[key], "\(field).\(key)", expected: "text", missing: "missing; give the term's label") {
                out[key] = text
            }
        }
        return out
    }

    /// A forest figure's `terms:`, the terms to draw in order; nil when absent.
    mutating func forestTerms(_ value: JSONValue?, _ type: ReportSettings.FigureType?, at field: String) -> [String]? {
        guard let value else { return nil }
        if type != .forest && type != nil { settings.problem(field, "only a forest figure takes terms") }
        let terms = settings.textList(value, field, item: "a term name", list: "a list of term names", distinct: "term")
        if terms.isEmpty { settings.problem(field, "must name at least one term; leave it out for all") }
        return terms
    }
}
