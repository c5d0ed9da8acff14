import StudyCore

/// One `ingest/csv` pass over a parsed file: resolve columns, convert cells, derive, drop, filter.
/// Collects every error instead of stopping at the first.
struct Ingest {
    /// The normalized CSV text, the summary and the number of kept rows.
    struct Output {
        var csv: String
        var summary: JSONValue
        var kept: Int
    }

    let file: String
    let settings: IngestSettings
    let header: [String]
    let rows: [CSVReader.Record]
    /// Messages, each naming file and row where there is one.
    private(set) var errors: [String] = []

    init(file: String, settings: IngestSettings, header: [String], rows: [CSVReader.Record]) {
        self.file = file
        self.settings = settings
        self.header = header
        self.rows = rows
    }

    /// The output, or nil with `errors` filled.
    mutating func run() -> Output? {
        for record in rows where record.fields.count != header.count {
            errors.append("\(file):\(record.row): expected \(header.count) fields, found \(record.fields.count)")
        }
        guard errors.isEmpty else { return nil }
        let specs = resolveSpecs()
        guard errors.isEmpty else { return nil }
        var columns = convert(specs)
        guard errors.isEmpty else { return nil }
        deriveColumns(&columns)
        guard errors.isEmpty else { return nil }
        var keep = [Bool](repeating: true, count: rows.count)
        var requireDropped: [String: JSONValue] = [:]
        for name in settings.require {
            guard let column = columns.first(where: { $0.name == name }) else {
                errors.append(missing(name, among: columns.map(\.name), what: "with.require"))
                continue
            }
            var n = 0
            for i in rows.indices where keep[i] && column.values[i] == .na {
                keep[i] = false
                n += 1
            }
            requireDropped[name] = .integer(n)
        }
        var filterDropped = 0
        if let filter = settings.filter, errors.isEmpty {
            guard checkNames(filter, among: columns.map(\.name), what: "with.filter") else { return nil }
            for i in rows.indices where keep[i] {
                do throws(Expression.EvaluationError) {
                    let value = try filter.evaluate { name in columns.first { $0.name == name }!.values[i] }
                    if value != .bool(true) {
                        if case .number = value { throw Expression.EvaluationError(message: "expected true or false") }
                        if case .text = value { throw Expression.EvaluationError(message: "expected true or false") }
                        keep[i] = false
                        filterDropped += 1
                    }
                } catch {
                    errors.append("\(file):\(rows[i].row): with.filter: \(error.message)")
                }
            }
        }
        guard errors.isEmpty else { return nil }
        for c in columns.indices {
            columns[c].values = zip(columns[c].values, keep).compactMap { $1 ? $0 : nil }
        }
        let kept = keep.filter { $0 }.count
        return Output(csv: csv(columns), summary: summary(columns, kept: kept, filterDropped: filterDropped,
                                                          requireDropped: requireDropped), kept: kept)
    }

    /// The column specs, with their source column index; a missing column is an error.
    private mutating func resolveSpecs() -> [(spec: IngestSettings.ColumnSpec, index: Int)] {
        guard let wanted = settings.columns else {
            return header.enumerated().map { (IngestSettings.ColumnSpec(name: $1, from: $1), $0) }
        }
        var out: [(spec: IngestSettings.ColumnSpec, index: Int)] = []
        for spec in wanted {
            if let index = header.firstIndex(of: spec.from) {
                out.append((spec, index))
            } else {
                errors.append(missing(spec.from, among: header, what: "with.columns.\(spec.name)"))
            }
        }
        // File order, so the output does not depend on how the mapping was written.
        return out.sorted { ($0.index, $0.spec.name) < ($1.index, $1.spec.name) }
    }

    private func missing(_ name: String, among available: [String], what: String) -> String {
        "\(file):1: \(what): column '\(name)' not found; available columns: "
            + available.map { "'\($0)'" }.joined(separator: ", ") + Spelling.hint(for: name, among: available)
    }

    /// Typed columns from raw cells; every bad value is an error naming row, column and value.
    private mutating func convert(_ specs: [(spec: IngestSettings.ColumnSpec, index: Int)]) -> [Column] {
        var columns: [Column] = []
        var problems: [(row: Int, order: Int, text: String)] = []
        for (order, (spec, index)) in specs.enumerated() {
            var raws: [String?] = []
            for record in rows {
                let raw = record.fields[index]
                if isNA(raw) { raws.append(nil); continue }
                guard let map = spec.map else { raws.append(raw); continue }
                if let replacement = map[raw] ?? map[NumberFormat.trimmed(raw)] {
                    raws.append(replacement.flatMap { isNA($0) ? nil : $0 })
                } else {
                    let keys = map.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                    problems.append((record.row, order,
                                     "\(file):\(record.row): column '\(spec.from)': '\(raw)' is not in the map (\(keys))"))
                    raws.append(nil)
                }
            }
            let type = spec.type ?? (raws.allSatisfy { $0 == nil || NumberFormat.parse($0!) != nil } ? .number : .category)
            var values: [CellValue] = []
            for (record, raw) in zip(rows, raws) {
                guard let raw else { values.append(.na); continue }
                switch Column.convert(raw, to: type) {
                case .success(let v): values.append(v)
                case .failure(let e):
                    problems.append((record.row, order, "\(file):\(record.row): column '\(spec.from)': '\(raw)' is not \(e.what)"))
                    values.append(.na)
                }
            }
            columns.append(Column(name: spec.name, type: type, values: values))
        }
        errors += problems.sorted { ($0.row, $0.order) < ($1.row, $1.order) }.map(\.text)
        return columns
    }

    private func isNA(_ raw: String) -> Bool {
        settings.na.contains(raw) || settings.na.contains(NumberFormat.trimmed(raw))
    }

    /// Appends derived columns, each after the derived columns it reads; a cycle is an error.
    private mutating func deriveColumns(_ columns: inout [Column]) {
        let derivedNames = settings.derive.map(\.name)
        for name in derivedNames where columns.contains(where: { $0.name == name }) {
            errors.append("with.derive.\(name): a column '\(name)' already exists; choose another name")
        }
        let available = columns.map(\.name) + derivedNames
        for (name, expression) in settings.derive {
            _ = checkNames(expression, among: available, what: "with.derive.\(name)")
        }
        guard errors.isEmpty else { return }
        var pending = settings.derive
        while !pending.isEmpty {
            guard let next = pending.firstIndex(where: { item in
                item.expression.columns.allSatisfy { col in columns.contains { $0.name == col } }
            }) else {
                errors.append("with.derive: columns \(pending.map { "'\($0.name)'" }.joined(separator: ", ")) depend on each other")
                return
            }
            let (name, expression) = pending.remove(at: next)
            var values: [CellValue] = []
            for i in rows.indices {
                do throws(Expression.EvaluationError) {
                    values.append(try expression.evaluate { col in columns.first { $0.name == col }!.values[i] })
                } catch {
                    errors.append("\(file):\(rows[i].row): with.derive.\(name): \(error.message)")
                    values.append(.na)
                }
            }
            let type = Column.inferDerived(values)
            if type == .category {
                values = values.map { $0 == .na ? .na : .text(Column.text($0)) }
            }
            columns.append(Column(name: name, type: type, values: values))
        }
    }

    /// Whether every column `expression` reads exists; appends an error per unknown name.
    private mutating func checkNames(_ expression: Expression, among available: [String], what: String) -> Bool {
        var ok = true
        for name in expression.columns where !available.contains(name) {
            errors.append("\(what): unknown column '\(name)'; available columns: "
                + available.map { "'\($0)'" }.joined(separator: ", ") + Spelling.hint(for: name, among: available))
            ok = false
        }
        return ok
    }

    private func csv(_ columns: [Column]) -> String {
        var out = columns.map { CSVReader.escape($0.name) }.joined(separator: ",") + "\n"
        let count = columns.first?.values.count ?? 0
        for i in 0..<count {
            out += columns.map { CSVReader.escape(Column.text($0.values[i])) }.joined(separator: ",") + "\n"
        }
        return out
    }

    private func summary(_ columns: [Column], kept: Int, filterDropped: Int,
                         requireDropped: [String: JSONValue]) -> JSONValue {
        var dropped: [String: JSONValue] = ["require": .object(requireDropped)]
        if settings.filter != nil { dropped["filter"] = .integer(filterDropped) }
        let columnSummaries: [JSONValue] = columns.map { column in
            var o: [String: JSONValue] = [
                "name": .string(column.name), "type": .string(column.type.rawValue), "na": .integer(column.naCount),
            ]
            if let levels = column.levels { o["levels"] = .array(levels.map(JSONValue.string)) }
            return .object(o)
        }
        return .object([
            "file": .string(file),
            "rows": .object(["read": .integer(rows.count), "kept": .integer(kept), "dropped": .integer(rows.count - kept)]),
            "dropped": .object(dropped),
            "columns": .array(columnSummaries),
        ])
    }
}
