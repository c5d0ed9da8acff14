import StudyCore
import StudyEngine
import StudyReport

extension ReportBuilder {
    /// Table 1 over a CSV input: reads it with the ingest CSV reader, classifies each column
    /// (categorical when declared so or when some value is not a number) and summarises it by group.
    /// A column that is not in the file fails the stage, naming the file, the column and those present.
    mutating func characteristics(_ table: ReportSettings.Table, item: String) throws(ReportError) -> ReportTable {
        guard let name = table.input, let path = context.inputs[name], let options = table.characteristics else {
            throw ReportError("\(table.field).input: missing")
        }
        let file: InputBytes
        do { file = try read(name) } catch { throw ReportError("\(table.field).input: cannot read '\(relative(path))'") }
        record(item, name, digest: file.digest)
        let shown = relative(path)
        let delimiter = UInt8(ascii: path.lowercased().hasSuffix(".tsv") ? "\t" : ",")
        let records: [CSVReader.Record]
        do throws(CSVReader.Failure) {
            records = try CSVReader(delimiter: delimiter).records(file.bytes)
        } catch {
            throw ReportError("\(table.field).input: '\(shown)' line \(error.row): \(error.message); a characteristics table reads a CSV file")
        }
        guard let header = records.first?.fields else {
            throw ReportError("\(table.field).input: '\(shown)' is empty; a characteristics table needs a header and rows")
        }
        let present = header.joined(separator: ", ")
        func index(_ column: String, at field: String) throws(ReportError) -> Int {
            guard let i = header.firstIndex(of: column) else {
                throw ReportError("\(field): column '\(column)' is not in '\(shown)'; columns present: \(present)"
                    + Spelling.hint(for: column, among: header))
            }
            return i
        }
        let rows = records.dropFirst()
        for record in rows where record.fields.count != header.count {
            throw ReportError("\(table.field).input: '\(shown)' line \(record.row) has \(record.fields.count) fields, the header \(header.count); fix the file")
        }
        for (k, column) in options.categorical.enumerated() { _ = try index(column, at: "\(table.field).categorical[\(k)]") }
        let byIndex: Int?
        if let by = options.by { byIndex = try index(by, at: "\(table.field).by") } else { byIndex = nil }
        var names: [String] = []
        if let columns = options.columns {
            for (k, column) in columns.enumerated() {
                _ = try index(column, at: "\(table.field).columns[\(k)]")
                names.append(column)
            }
        } else {
            names = header.filter { $0 != options.by }
        }
        // In a file whose quotes carry type (ingest/csv's output, R's write.csv), a quoted number is a
        // category's label ("1" of a stage), as ingest and the survival kinds read it.
        let body = Array(rows)
        let quotesCarryType = CSVReader.quotesCarryType(body)
        let variables = try names.map { (column) throws(ReportError) -> CharacteristicsTable.Variable in
            let i = try index(column, at: "\(table.field).columns")
            let labels = quotesCarryType && CSVReader.hasQuotedNumber(body, column: i, isNA: { Self.cell($0) == .missing })
            let values = rows.map { record in
                let value = Self.cell(record.fields[i])
                guard labels, case .number = value else { return value }
                return .text(Substring(record.fields[i]).trimmingCharacters())
            }
            let numeric = values.allSatisfy { if case .text = $0 { false } else { true } } && values.contains { $0 != .missing }
            return CharacteristicsTable.Variable(name: column, values: values,
                                                 categorical: !numeric || options.categorical.contains(column))
        }
        let by = byIndex.map { i in rows.map { Self.cell($0.fields[i]) } } ?? []
        let summary = CharacteristicsTable(byName: options.by, by: by, variables: variables, digits: options.digits,
                                           labels: table.termLabels)
        if let problem = summary.labelProblems.first {
            throw ReportError("\(table.field).labels: " + Self.message(problem, file: shown))
        }
        return summary.table(title: table.title)
    }

    /// A `labels:` key that names nothing in the table, as the cox table's labels say it: the key,
    /// what the table has instead, and the nearest name when one is close.
    static func message(_ problem: CharacteristicsTable.LabelProblem, file: String) -> String {
        func list(_ names: [String]) -> String { names.map { "'\($0)'" }.joined(separator: ", ") }
        switch problem {
        case .noColumn(let key, let columns):
            let column = key.split(separator: "=", maxSplits: 1).first.map(String.init) ?? key
            return "no column '\(column)' in the table of '\(file)' for key '\(key)'; its columns are \(list(columns)) "
                + "(a key is COLUMN or COLUMN=LEVEL)" + Spelling.hint(for: column, among: columns)
        case .noLevel(let key, let column, let level, let levels):
            // Levels are often one character ('0', '1'), where an edit distance suggests noise: hint
            // only a level that differs in case.
            let near = levels.first { $0.lowercased() == level.lowercased() }
            return "no level '\(level)' of column '\(column)' in '\(file)' for key '\(key)'; its levels are \(list(levels))"
                + (near.map { "; did you mean '\($0)'?" } ?? "")
        case .numeric(let key, let column):
            return "key '\(key)': column '\(column)' is summarised as a number (median, IQR), so it has no level rows; "
                + "label the column as '\(column)', or list it under categorical: to show its levels"
        }
    }

    /// A CSV field as a Table 1 value: empty or `NA` is missing (as ingest/csv writes and R reads
    /// it), a plain decimal is a number, anything else text.
    static func cell(_ field: String) -> CharacteristicsTable.Value {
        let trimmed = Substring(field).trimmingCharacters()
        if trimmed.isEmpty || trimmed == "NA" { return .missing }
        if let d = NumberFormat.parse(trimmed) { return .number(d) }
        return .text(field)
    }
}
