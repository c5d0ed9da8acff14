import StudyCore

/// One `ingest/csv` pass over a parsed file: resolve columns, convert cells, derive, drop, filter.
/// Collects every error instead of stopping at the first.
struct Ingest {
    /// The normalized CSV bytes, the summary and the number of kept rows.
    struct Output {
        var csv: [UInt8]
        var summary: IngestSummaryOutput
        var kept: Int
    }

    let file: String
    let settings: IngestSettings
    let header: [String]
    /// The file's records as byte ranges; record 0 is the header, the data rows follow.
    let table: CSVFields
    /// The number of data rows read.
    var rowCount: Int { table.count - 1 }
    /// Whether a quoted number is text (`CSVReader.quotesCarryType`): an untyped column holding
    /// one is a category, as a column written by ingest/csv as a category reads back as one.
    let quotesCarryType: Bool
    /// Problems found so far, each with the row it concerns (0 for settings that name no row),
    /// so that they can be listed by row whatever phase found them.
    private var problems: [(row: Int, text: String)] = []

    /// Every message, settings problems first, then by row (1 = the header), phase order within a
    /// row; each names the file and row where there is one.
    var errors: [String] {
        problems.enumerated().sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }.map(\.element.text)
    }

    /// An ingest of `table`, whose first record is the header.
    init(file: String, settings: IngestSettings, table: CSVFields, quotesCarryType: Bool = false) {
        self.file = file
        self.quotesCarryType = quotesCarryType
        self.settings = settings
        self.header = table.count > 0 ? table.strings(0) : []
        self.table = table
        naTokens = settings.na.sorted()
        asciiNATokens = naTokens.filter { $0.utf8.allSatisfy { $0 < 0x80 } }.map { Array($0.utf8) }
    }

    /// `settings.na` as a list.
    private let naTokens: [String]
    /// The ASCII tokens of `naTokens` as bytes, for `isNA`'s quick path.
    private let asciiNATokens: [[UInt8]]

    private mutating func error(_ text: String, row: Int = 0) {
        problems.append((row, text))
    }

    /// The output, or nil with `errors` filled. Every phase runs even after an earlier one found
    /// problems (a bad cell becomes NA for the later phases, a missing column or a broken
    /// expression is left out), so one run lists all the errors of the file at once.
    mutating func run() -> Output? {
        // Data records (indices into `table`) as wide as the header.
        var usable: [Int] = []
        usable.reserveCapacity(rowCount)
        for record in 1..<max(table.count, 1) {
            if table.width(record) == header.count {
                usable.append(record)
            } else {
                let row = table.lines[record]
                error("\(file):\(row): expected \(header.count) fields, found \(table.width(record))", row: row)
            }
        }
        let specs = resolveSpecs()
        var columns = convert(specs, usable)
        deriveColumns(&columns, usable)
        var keep = [Bool](repeating: true, count: usable.count)
        var requireDropped: [String: Int] = [:]
        for name in settings.require {
            guard let column = columns.first(where: { $0.name == name }) else {
                if !brokenNames.contains(name) {
                    error(missing(name, among: columns.map(\.name), what: "with.require"), row: 1)
                }
                continue
            }
            var n = 0
            for i in usable.indices where keep[i] && column.values[i] == .na {
                keep[i] = false
                n += 1
            }
            requireDropped[name] = n
        }
        var filterDropped = 0
        if let filter = settings.filter, checkNames(filter, among: columns.map(\.name) + brokenNames, what: "with.filter"),
           filter.columns.allSatisfy({ name in columns.contains { $0.name == name } }) {
            filterDropped = applyFilter(filter, columns, usable, &keep)
        }
        guard problems.isEmpty else { return nil }
        let kept = keep.filter { $0 }.count
        // Nothing dropped (the common case) leaves the columns as they are, uncopied.
        if kept < usable.count {
            for c in columns.indices {
                columns[c].values = columns[c].values.filtered(keep)
            }
        }
        return Output(csv: IngestCSVWriter.bytes(columns), summary: summary(columns, kept: kept, filterDropped: filterDropped,
                                                          requireDropped: requireDropped), kept: kept)
    }

    /// Applies `filter` to the rows still kept and returns how many it dropped. A comparison of a
    /// column with a constant of another type is one error before any row is read; any other
    /// evaluation error is one error (its first row, and how many rows share it), never a line per
    /// row; a filter that keeps none of the rows it saw is an error naming it.
    private mutating func applyFilter(_ filter: Expression, _ columns: [Column], _ usable: [Int],
                                      _ keep: inout [Bool]) -> Int {
        let text = settings.filterText ?? ""
        let types = Dictionary(columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        if let mismatch = filter.typeMismatch(types) {
            error("\(file): with.filter '\(text)': \(mismatch)", row: 1)
            return 0
        }
        let inputs = filter.columns.map { name in columns.first { $0.name == name }! }
        var dropped = 0, seen = 0
        var failure: (row: Int, message: String, count: Int)?
        for i in usable.indices where keep[i] {
            seen += 1
            do throws(Expression.EvaluationError) {
                let value = try filter.evaluate { name in inputs.first { $0.name == name }!.values[i] }
                if value != .bool(true) {
                    if case .number = value { throw Expression.EvaluationError(message: "expected true or false") }
                    if case .text = value { throw Expression.EvaluationError(message: "expected true or false") }
                    keep[i] = false
                    dropped += 1
                }
            } catch {
                if failure == nil { failure = (table.lines[usable[i]], error.message, 0) }
                failure!.count += 1
            }
        }
        if let failure {
            let more = failure.count - 1
            let tail = more == 0 ? "" : " (and \(more) more row\(more == 1 ? "" : "s") alike)"
            self.error("\(file):\(failure.row): with.filter '\(text)': \(failure.message)\(tail)", row: failure.row)
        } else if seen > 0 && dropped == seen {
            let values = inputs.compactMap { Self.describeValues($0) }.joined(separator: "; ")
            self.error("\(file): with.filter '\(text)' keeps none of the \(seen) rows"
                + (values.isEmpty ? "" : "; \(values)") + "; check the values it compares with", row: 1)
        }
        return dropped
    }

    /// What values a column holds, for the message of a filter that keeps nothing: a category's
    /// levels (the first 10), a number's range; nil for other columns or only NA.
    private static func describeValues(_ column: Column) -> String? {
        switch column.type {
        case .category, .string:
            guard let levels = column.levels ?? Optional(Array(Set(column.values.compactMap { v -> String? in
                if case .text(let t) = v { t } else { nil } })).sorted()), !levels.isEmpty else { return nil }
            let shown = levels.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ")
            return "'\(column.name)' holds \(shown)\(levels.count > 10 ? ", … (\(levels.count) values)" : "")"
        case .number, .integer:
            var low = Double.infinity, high = -Double.infinity
            for case .number(let d) in column.values { low = min(low, d); high = max(high, d) }
            guard low <= high else { return nil }
            return "'\(column.name)' ranges from \(NumberFormat.format(low)) to \(NumberFormat.format(high))"
        case .boolean:
            return nil
        }
    }

    /// Columns that could not be made because of an earlier error (missing from the file, or a
    /// derived column with a broken expression); other settings may name them without a second,
    /// misleading "unknown column" error.
    private var brokenNames: [String] = []

    /// The column specs, with their source column index; a missing column is an error.
    private mutating func resolveSpecs() -> [(spec: IngestSettings.ColumnSpec, index: Int)] {
        guard let wanted = settings.columns else {
            return header.enumerated().map { (IngestSettings.ColumnSpec(name: $1, from: $1, type: settings.schema[$1]), $0) }
        }
        var out: [(spec: IngestSettings.ColumnSpec, index: Int)] = []
        for var spec in wanted {
            if spec.type == nil { spec.type = settings.schema[spec.from] }
            if let index = header.firstIndex(of: spec.from) {
                out.append((spec, index))
            } else {
                error(missing(spec.from, among: header, what: "with.columns.\(spec.name)"), row: 1)
                brokenNames.append(spec.name)
            }
        }
        // File order, so the output does not depend on how the mapping was written.
        return out.sorted { ($0.index, $0.spec.name) < ($1.index, $1.spec.name) }
    }

    private func missing(_ name: String, among available: [String], what: String) -> String {
        "\(file):1: \(what): column '\(name)' not found; available columns: "
            + available.map { "'\($0)'" }.joined(separator: ", ") + Spelling.hint(for: name, among: available)
    }

    /// Typed columns from raw cells of the `rows` records; every bad value is an error naming row,
    /// column and value, and reads as NA in the later phases.
    private mutating func convert(_ specs: [(spec: IngestSettings.ColumnSpec, index: Int)], _ rows: [Int]) -> [Column] {
        var columns: [Column] = []
        for (spec, index) in specs {
            // A declared type and no map (the common case): one pass over the bytes, no list of
            // raw cells and no String per number. It finds the same errors in the same order as
            // the general way below.
            if let type = spec.type, spec.map == nil {
                columns.append(Column(name: spec.name, type: type, values: typedCells(rows, index, as: type, spec: spec)))
                continue
            }
            var raws: [String?] = []
            raws.reserveCapacity(rows.count)
            for r in rows {
                let raw = table.string(r, index)
                if isNA(raw) { raws.append(nil); continue }
                guard let map = spec.map else { raws.append(raw); continue }
                if let replacement = map[raw] ?? map[NumberFormat.trimmed(raw)] {
                    raws.append(replacement.flatMap { isNA($0) ? nil : $0 })
                } else {
                    let keys = map.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                    error("\(file):\(table.lines[r]): column '\(spec.from)': '\(raw)' is not in the map (\(keys))", row: table.lines[r])
                    raws.append(nil)
                }
            }
            let type = spec.type ?? inferType(raws, rows, column: index, mapped: spec.map != nil)
            var values: [CellValue] = []
            values.reserveCapacity(rows.count)
            for (i, raw) in raws.enumerated() {
                guard let raw else { values.append(.na); continue }
                values.append(cell(raw, as: type, spec: spec, row: table.lines[rows[i]]))
            }
            columns.append(Column(name: spec.name, type: type, values: values))
        }
        return columns
    }

    /// Column `index` of the `rows` records as values of a declared `type`, read from the bytes:
    /// NA tokens and plain numbers without a String, text through one String per run of equal
    /// cells; anything else (and every error) the way `cell(_:as:spec:row:)` goes. A number or
    /// integer column is kept as doubles and a text column of few labels as codes (`ColumnValues`).
    private mutating func typedCells(_ rows: [Int], _ index: Int, as type: ColumnType, spec: IngestSettings.ColumnSpec) -> ColumnValues {
        switch type {
        case .number, .integer: return ColumnValues(storage: .numbers(typedNumbers(rows, index, as: type, spec: spec)))
        case .category, .string:
            if let coded = codedLabels(rows, index) { return coded }
        case .boolean: break
        }
        var values: [CellValue] = []
        values.reserveCapacity(rows.count)
        // A copy (of references), so that the loop may record errors in `self` while it reads.
        // `self` stays out of the loop's fast path: a method call there copied the whole Ingest per cell.
        let (table, tokens) = (self.table, asciiNATokens)
        table.withCells { cells in
            var last: (range: Range<Int>, value: CellValue)?
            for r in rows {
                let range = cells.range(r, index)
                let bytes = UnsafeBufferPointer(rebasing: cells.bytes[range])
                let repeated = last.flatMap { cells.bytes[$0.range].elementsEqual(bytes) ? $0.value : nil }
                if let value = Self.quickCell(bytes, as: type, naTokens: tokens, repeating: repeated) {
                    values.append(value)
                    if case .text = value { last = (range, value) }
                    continue
                }
                let raw = table.string(r, index)
                values.append(isNA(raw) ? .na : cell(raw, as: type, spec: spec, row: table.lines[r]))
            }
        }
        return ColumnValues(values)
    }

    /// Column `index` as numbers (NA and bad cells as NaN, each bad cell an error), decided as
    /// `quickCell` and `cell(_:as:spec:row:)` decide a number or integer cell.
    private mutating func typedNumbers(_ rows: [Int], _ index: Int, as type: ColumnType, spec: IngestSettings.ColumnSpec) -> [Double] {
        var values = [Double](repeating: .nan, count: rows.count)
        let (table, tokens) = (self.table, asciiNATokens)
        // Lengths of the ASCII NA tokens shorter than 64 bytes, as bits; a longer token sets all.
        let naLengths = tokens.reduce(UInt64(0)) { $0 | ($1.count < 64 ? 1 << UInt64($1.count) : ~0) }
        var slow: [Int] = []
        values.withUnsafeMutableBufferPointer { out in
            table.withCells { cells in
                for (i, r) in rows.enumerated() {
                    let bytes = cells[r, index]
                    // The common cell: a plain decimal (ASCII, nothing to trim) as long as no NA
                    // token, so no token; read as `quickCell` would read it.
                    if bytes.count < 64, naLengths & (1 << UInt64(bytes.count)) == 0, let d = NumberFormat.exactDecimal(bytes: bytes),
                       type == .number || (Swift.abs(d) <= 9_007_199_254_740_992 && d == Double(Int64(d))) {
                        out[i] = d
                        continue
                    }
                    if let value = Self.quickCell(bytes, as: type, naTokens: tokens, repeating: nil) {
                        if case .number(let d) = value { out[i] = d }
                    } else {
                        slow.append(i)
                    }
                }
            }
        }
        // Cells with spaces, non-ASCII bytes or that are not numbers: the general way, in row order.
        for i in slow {
            let raw = table.string(rows[i], index)
            if !isNA(raw), case .number(let d) = cell(raw, as: type, spec: spec, row: table.lines[rows[i]]) { values[i] = d }
        }
        return values
    }

    /// Column `index` as codes of its distinct cells (`LabelCoder`), NA as `isNA` decides; nil
    /// when it has more distinct cells than codes pay for. Text cells never fail to convert.
    private func codedLabels(_ rows: [Int], _ index: Int) -> ColumnValues? {
        var coder = LabelCoder(capacity: rows.count)
        let tokens = asciiNATokens
        let complete: Bool = table.withCells { cells in
            for r in rows {
                let range = cells.range(r, index)
                let bytes = UnsafeBufferPointer(rebasing: cells.bytes[range])
                let na = Self.isNA(bytes: bytes, tokens: tokens) ?? isNA(String(decoding: bytes, as: UTF8.self))
                if na {
                    coder.appendNA()
                } else if !coder.append(cells.bytes, range: range) {
                    return false
                }
            }
            return true
        }
        return complete ? ColumnValues(storage: .codes(coder.codes, labels: coder.labels)) : nil
    }

    /// A cell of declared `type` decided on its bytes: an NA token, a number that converts, or text
    /// (`repeating`, the previous cell's value when the bytes are the same); nil for the rest.
    @inline(__always)
    private static func quickCell(_ bytes: UnsafeBufferPointer<UInt8>, as type: ColumnType, naTokens: [[UInt8]],
                                  repeating: CellValue?) -> CellValue? {
        guard let na = isNA(bytes: bytes, tokens: naTokens) else { return nil }
        if na { return .na }
        switch type {
        case .number, .integer:
            guard let d = NumberFormat.parse(bytes: bytes) else { return nil }
            // What `Column.convert` gives a number or an integer, without its result wrapping.
            // Whole within ±2^53 as in `Column.convert`, tested by a truncating conversion (a libm call less per cell).
            return type == .number || (Swift.abs(d) <= 9_007_199_254_740_992 && d == Double(Int64(d))) ? .number(d) : nil
        case .category, .string:
            return repeating ?? .text(String(decoding: bytes, as: UTF8.self))
        case .boolean:
            return nil
        }
    }

    /// `raw` as a value of `type`, or NA after an error naming the row, column and value.
    private mutating func cell(_ raw: String, as type: ColumnType, spec: IngestSettings.ColumnSpec, row: Int) -> CellValue {
        switch Column.convert(raw, to: type) {
        case .success(let v): return v
        case .failure(let e):
            error("\(file):\(row): column '\(spec.from)': '\(raw)' is not \(e.what)", row: row)
            return .na
        }
    }

    /// The type of an untyped column from its cells (NA as nil): a number when every cell is one,
    /// a boolean when every cell is `true` or `false` (as a boolean is written), else a category.
    /// When quotes carry type, a quoted cell is text (R's `write.csv` convention): it makes the
    /// column a category, so a category of numbers or of `true`/`false` stays one downstream.
    private func inferType(_ raws: [String?], _ rows: [Int], column index: Int, mapped: Bool) -> ColumnType {
        // A mapped cell is the map's text, not the file's: its quotes say nothing.
        let quotesCount = quotesCarryType && !mapped
        if raws.allSatisfy({ $0 == nil || NumberFormat.parse($0!) != nil }) {
            let quotedNumber = quotesCount && table.hasQuotedField && rows.contains { r in
                guard table.isQuoted(r, index) else { return false }
                let field = table.string(r, index)
                return NumberFormat.parse(field) != nil && !isNA(field)
            }
            return quotesCount && quotedNumber ? .category : .number
        }
        var sawValue = false
        for r in raws.indices {
            guard let raw = raws[r] else { continue }
            guard raw == "true" || raw == "false", !(quotesCount && table.isQuoted(rows[r], index)) else { return .category }
            sawValue = true
        }
        return sawValue ? .boolean : .category
    }

    /// `isNA` decided on a cell's bytes when it is ASCII with nothing to trim (an ASCII string is
    /// canonically equivalent only to itself); nil for other cells, which go the general way.
    @inline(__always)
    private static func isNA(bytes: UnsafeBufferPointer<UInt8>, tokens asciiNATokens: [[UInt8]]) -> Bool? {
        if let first = bytes.first, let last = bytes.last,
           first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return nil }
        var ascii: UInt8 = 0
        for b in bytes { ascii |= b }
        guard ascii < 0x80 else { return nil }
        return asciiNATokens.contains { token in token.count == bytes.count && token.elementsEqual(bytes) }
    }

    /// Whether a raw cell is an NA token, as written or without surrounding spaces.
    private func isNA(_ raw: String) -> Bool {
        // An ASCII cell with nothing to trim is an NA token exactly when its bytes are those of
        // an ASCII token (an ASCII string is canonically equivalent only to itself), decided on
        // the bytes without building or comparing strings; other cells go the general way.
        var copy = raw
        if let quick = copy.withUTF8({ Self.isNA(bytes: $0, tokens: asciiNATokens) }) { return quick }
        // A scan of the few tokens compares short strings bit for bit; hashing every cell of a
        // million-row file twice was a tenth of the ingest time.
        if naTokens.contains(raw) { return true }
        let trimmed = NumberFormat.trimmed(raw)
        return trimmed.utf8.count != raw.utf8.count && naTokens.contains(trimmed)
    }

    /// Appends derived columns, each after the derived columns it reads; a cycle is an error. A
    /// derived column that reads an unknown or broken column is left out (and remembered in
    /// `brokenNames`), so the others are still computed and checked.
    private mutating func deriveColumns(_ columns: inout [Column], _ rows: [Int]) {
        let derivedNames = settings.derive.map(\.name)
        var pending: [(name: String, expression: Expression)] = []
        for (name, expression) in settings.derive {
            if columns.contains(where: { $0.name == name }) {
                error("with.derive.\(name): a column '\(name)' already exists; choose another name")
                brokenNames.append(name)
            } else if checkNames(expression, among: columns.map(\.name) + derivedNames + brokenNames,
                                 what: "with.derive.\(name)") {
                pending.append((name, expression))
            } else {
                brokenNames.append(name)
            }
        }
        while !pending.isEmpty {
            if let broken = pending.firstIndex(where: { $0.expression.columns.contains(where: brokenNames.contains) }) {
                brokenNames.append(pending.remove(at: broken).name)
                continue
            }
            guard let next = pending.firstIndex(where: { item in
                item.expression.columns.allSatisfy { col in columns.contains { $0.name == col } }
            }) else {
                error("with.derive: columns \(pending.map { "'\($0.name)'" }.joined(separator: ", ")) depend on each other")
                brokenNames += pending.map(\.name)
                return
            }
            let (name, expression) = pending.remove(at: next)
            let inputs = expression.columns.map { col in columns.first { $0.name == col }! }
            var values: [CellValue] = []
            values.reserveCapacity(rows.count)
            for i in rows.indices {
                do throws(Expression.EvaluationError) {
                    values.append(try expression.evaluate { col in inputs.first { $0.name == col }!.values[i] })
                } catch {
                    let row = table.lines[rows[i]]
                    self.error("\(file):\(row): with.derive.\(name): \(error.message)", row: row)
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
            error("\(what): unknown column '\(name)'; available columns: "
                + available.map { "'\($0)'" }.joined(separator: ", ") + Spelling.hint(for: name, among: available))
            ok = false
        }
        return ok
    }

    private func summary(_ columns: [Column], kept: Int, filterDropped: Int,
                         requireDropped: [String: Int]) -> IngestSummaryOutput {
        IngestSummaryOutput(
            file: file, rowsRead: rowCount, rowsKept: kept, rowsDropped: rowCount - kept,
            filterDropped: settings.filter != nil ? filterDropped : nil,
            requireDropped: requireDropped.keys.sorted().map { IngestSummaryOutput.Required(column: $0, dropped: requireDropped[$0]!) },
            columns: columns.map { column in
                IngestSummaryOutput.Column(name: column.name, type: column.type.rawValue, na: column.naCount, levels: column.levels)
            })
    }
}
