import StudyCore
import StudyEngine
import StudyStats

/// A data or parameter problem of a survival stage: one line, naming the column or parameter.
struct SurvivalStageError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The CSV table a survival stage reads (input `table`): the file's fields as byte ranges
/// (`CSVFields`), typed straight from the bytes, so a million-row table is never a million rows
/// of Strings; a String is made only for a label a stage keeps (`labels`) or for a message.
struct SurvivalTable {
    /// Column names in file order.
    var header: [String]
    /// The 1-based line each data row starts on.
    var lines: [Int]
    /// Per column: whether it holds a quoted number in a file whose quotes carry type
    /// (`CSVReader.quotesCarryType`), i.e. it was written as text (ingest/csv's `category`, R's
    /// factor): such a column is never treated as numeric.
    var quotedText: [Bool] = []
    /// The file's records; data row `r` is record `r + 1`, each as wide as the header.
    private let fields: CSVFields

    /// The data rows (without the header), each cell as text: `rows.count`, `rows[r][c]`.
    var rows: Rows { Rows(fields: fields) }

    /// The data rows as a collection of rows of String cells, made on access.
    struct Rows: RandomAccessCollection {
        fileprivate let fields: CSVFields
        var startIndex: Int { 0 }
        var endIndex: Int { fields.count - 1 }
        subscript(row: Int) -> Row { Row(fields: fields, record: row + 1) }
    }

    /// One data row; `row[c]` is the cell of column `c` as written.
    struct Row: RandomAccessCollection {
        fileprivate let fields: CSVFields
        fileprivate let record: Int
        var startIndex: Int { 0 }
        var endIndex: Int { fields.width(record) }
        subscript(column: Int) -> String { fields.string(record, column) }
    }

    /// Reads and parses the CSV at `path`; `display` names it in an encoding error.
    static func load(_ path: String, display: String? = nil) throws(SurvivalStageError) -> SurvivalTable {
        guard let bytes = FileIO.read(path) else { throw SurvivalStageError("cannot read input table '\(path)'") }
        let fields: CSVFields
        do {
            fields = try CSVReader(delimiter: UInt8(ascii: ",")).fields(bytes)
        } catch {
            if error.invalidEncoding {
                throw SurvivalStageError("\(display ?? path):\(error.row): \(error.message); convert the file to UTF-8, "
                    + "or read it with an ingest/csv stage that declares `encoding: latin1`")
            }
            throw SurvivalStageError("input table line \(error.row): \(error.message)")
        }
        guard fields.count > 0 else { throw SurvivalStageError("input table is empty; it needs a header row") }
        let header = fields.strings(0).map { NumberFormat.trimmed($0) }
        for r in 1..<fields.count where fields.width(r) != header.count {
            throw SurvivalStageError("input table line \(fields.lines[r]) has \(fields.width(r)) fields but the header has \(header.count)")
        }
        let quotesCarryType = fields.quotesCarryType
        let quotedText = header.indices.map { c in
            quotesCarryType && fields.hasQuotedNumber(column: c, from: 1, isNA: isMissing)
        }
        return SurvivalTable(header: header, lines: Array(fields.lines.dropFirst()), quotedText: quotedText, fields: fields)
    }

    /// The index of column `name`, which parameter `parameter` names.
    func column(_ name: String, for parameter: String) throws(SurvivalStageError) -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw SurvivalStageError("unknown column '\(name)' in '\(parameter)'; available columns: \(header.joined(separator: ", "))")
        }
        return index
    }

    /// Whether a cell is missing: empty or `NA`.
    static func isMissing(_ cell: String) -> Bool {
        let t = NumberFormat.trimmed(cell)
        return t.isEmpty || t == "NA"
    }

    /// `isMissing` over a cell's bytes: empty or `NA` once spaces and tabs are trimmed.
    @inline(__always)
    private static func isMissing(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let t = NumberFormat.trimmed(bytes: bytes)
        return t.isEmpty || (t.count == 2 && t[0] == UInt8(ascii: "N") && t[1] == UInt8(ascii: "A"))
    }

    /// Calls `body` with the cells in place, for reading them by `cell(_:_:_:)`.
    private func withCells<R>(_ body: (CSVFields.Cells) throws(SurvivalStageError) -> R) throws(SurvivalStageError) -> R {
        let result: Result<R, SurvivalStageError> = fields.withCells { cells in
            do throws(SurvivalStageError) { return .success(try body(cells)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The bytes of data row `row`, column `column` (record `row + 1` of the file).
    @inline(__always)
    private func cell(_ cells: CSVFields.Cells, _ row: Int, _ column: Int) -> UnsafeBufferPointer<UInt8> {
        cells[row + 1, column]
    }

    /// The trimmed cell as a String, for messages.
    private func trimmedText(_ row: Int, _ column: Int) -> String {
        NumberFormat.trimmed(fields.string(row + 1, column))
    }

    /// Indices of rows with no missing cell in `columns`.
    func completeRows(_ columns: [Int]) -> [Int] {
        fields.withCells { bytes in
            var complete = [Int]()
            complete.reserveCapacity(fields.count - 1)
            for r in 0..<(fields.count - 1) where !columns.contains(where: { Self.isMissing(bytes: cell(bytes, r, $0)) }) {
                complete.append(r)
            }
            return complete
        }
    }

    /// Survival data from the `time` and `event` columns of `selected` rows.
    func survival(time: Int, event: Int, rows selected: [Int], used: [Int]) throws(SurvivalStageError) -> SurvivalData {
        guard !selected.isEmpty else {
            let names = used.map { "'\(header[$0])'" }.joined(separator: ", ")
            throw SurvivalStageError("no rows left after dropping rows with NA in \(names)")
        }
        var times = [Double]()
        var events = [Bool]()
        times.reserveCapacity(selected.count)
        events.reserveCapacity(selected.count)
        try withCells { (bytes) throws(SurvivalStageError) in
            for r in selected {
                guard let t = NumberFormat.parse(bytes: cell(bytes, r, time)) else {
                    throw SurvivalStageError("column '\(header[time])' (time) is not numeric: line \(lines[r]) has '\(trimmedText(r, time))'")
                }
                guard t >= 0 else {
                    throw SurvivalStageError("column '\(header[time])' (time) has a negative time: line \(lines[r]) has '\(trimmedText(r, time))'")
                }
                times.append(t)
                guard let e = Self.event(cell(bytes, r, event)) else {
                    throw SurvivalStageError("column '\(header[event])' (event) must be 0/1 or true/false: line \(lines[r]) has '\(trimmedText(r, event))'")
                }
                events.append(e)
            }
        }
        return SurvivalData(time: times, event: events)
    }

    /// An event cell: `true`/`false` in any case, or a number equal to 1 or 0; nil otherwise.
    private static func event(_ raw: UnsafeBufferPointer<UInt8>) -> Bool? {
        let bytes = NumberFormat.trimmed(bytes: raw)
        if bytes.count == 1 {
            // The common `0`/`1`, decided without parsing.
            if bytes[0] == UInt8(ascii: "1") { return true }
            if bytes[0] == UInt8(ascii: "0") { return false }
        }
        if bytes.count == 4 || bytes.count == 5 {
            // Unicode lowercasing as `String.lowercased()`: only "true"/"false" spelled in some case
            // lower to them (no other character lowercases to an ASCII letter of these words).
            let lowered = String(decoding: bytes, as: UTF8.self).lowercased()
            if lowered == "true" { return true }
            if lowered == "false" { return false }
        }
        switch NumberFormat.parse(bytes: bytes) {
        case 1: return true
        case 0: return false
        default: return nil
        }
    }

    /// Survival data as `survival(time:event:rows:used:)`, plus the optional counting-process
    /// `start` column (each row's interval is `(start, time]`, so `start < time` is required, as
    /// R's `Surv(start, stop, event)` requires) and `weights` column (finite, non-negative).
    func survival(time: Int, event: Int, start: Int?, weights: Int?, rows selected: [Int], used: [Int])
        throws(SurvivalStageError) -> SurvivalData {
        var data = try survival(time: time, event: event, rows: selected, used: used)
        if let start {
            var entries = [Double]()
            entries.reserveCapacity(selected.count)
            try withCells { (bytes) throws(SurvivalStageError) in
                for (i, r) in selected.enumerated() {
                    guard let s = NumberFormat.parse(bytes: cell(bytes, r, start)), s.isFinite else {
                        throw SurvivalStageError("column '\(header[start])' (start) is not numeric: line \(lines[r]) has '\(trimmedText(r, start))'")
                    }
                    guard s < data.time[i] else {
                        throw SurvivalStageError("line \(lines[r]): start \(trimmedText(r, start)) ('\(header[start])') is not before stop "
                            + "\(trimmedText(r, time)) ('\(header[time])'); each row is the interval (start, stop], so start must be smaller")
                    }
                    entries.append(s)
                }
            }
            data.start = entries
        }
        if let weights {
            data.weights = try weightValues(weights, rows: selected)
        }
        return data
    }

    /// The `weights` column of `selected` rows: finite numbers ≥ 0.
    private func weightValues(_ weights: Int, rows selected: [Int]) throws(SurvivalStageError) -> [Double] {
        var values = [Double]()
        values.reserveCapacity(selected.count)
        try withCells { (bytes) throws(SurvivalStageError) in
            for r in selected {
                guard let w = NumberFormat.parse(bytes: cell(bytes, r, weights)), w.isFinite, w >= 0 else {
                    throw SurvivalStageError("column '\(header[weights])' (weights) must hold finite numbers ≥ 0: line \(lines[r]) has '\(trimmedText(r, weights))'")
                }
                values.append(w)
            }
        }
        return values
    }

    /// The cells of `column` in `selected` rows as numbers (`NumberFormat.parse` of the trimmed
    /// cell), nil where a cell is not one; read from the bytes, with no String per cell.
    func numbers(_ column: Int, rows selected: [Int]) -> [Double?] {
        fields.withCells { bytes in
            selected.map { NumberFormat.parse(bytes: NumberFormat.trimmed(bytes: cell(bytes, $0, column))) }
        }
    }

    /// The cells of `column` in `selected` rows as numbers (as `numbers` reads them) when every
    /// one is a number, else nil, decided at the first that is not: a text column costs a cell,
    /// not a parse per row, and a numeric one an array of plain doubles.
    func numericColumn(_ column: Int, rows selected: [Int]) -> [Double]? {
        fields.withCells { bytes in
            var values = [Double]()
            values.reserveCapacity(selected.count)
            for r in selected {
                guard let d = NumberFormat.parse(bytes: NumberFormat.trimmed(bytes: cell(bytes, r, column))) else { return nil }
                values.append(d)
            }
            return values
        }
    }

    /// The trimmed cells of `column` in `selected` rows, as written.
    func labels(_ column: Int, rows selected: [Int]) -> [String] {
        fields.withCells { bytes in
            var labels = [String]()
            labels.reserveCapacity(selected.count)
            // A run of equal cells (a sorted or grouped file) shares one String.
            var last: (bytes: UnsafeBufferPointer<UInt8>, label: String)?
            for r in selected {
                let raw = cell(bytes, r, column)
                if let last, last.bytes.elementsEqual(raw) {
                    labels.append(last.label)
                    continue
                }
                let label = NumberFormat.trimmed(String(decoding: raw, as: UTF8.self))
                labels.append(label)
                last = (raw, label)
            }
            return labels
        }
    }
}

/// What the survival kinds' settings share: `with:` as a mapping of known settings, column names
/// and the confidence level.
extension SettingsReader {
    /// The members of a survival kind's `with:` (null: no settings), each unknown key reported with a
    /// did-you-mean and the known settings; nil when `with` is not a mapping (reported).
    mutating func survivalSettings(_ with: JSONValue, known: [String]) -> [String: JSONValue]? {
        if with == .null { return [:] }
        return mapping(with, "with", known: known, unknown: .named(listing: true))
    }

    /// An optional column name (`group`, `strata`): absent is nil, an empty name is a problem.
    mutating func optionalColumn(_ value: JSONValue?, _ path: String) -> String? {
        guard let name = text(value, path) else { return nil }
        return require(!name.isEmpty, path, "must name a column of the table, not \"\"") ? name : nil
    }

    /// A required column name: `with.time: missing; name a column of the table`.
    mutating func column(_ value: JSONValue?, _ path: String) -> String? {
        let missing = "missing; name a column of the table"
        guard let name = text(value, path, missing: missing) else { return nil }
        return require(!name.isEmpty, path, missing) ? name : nil
    }

    /// `conf_level`, strictly between 0 and 1; 0.95 when absent.
    mutating func confLevel(_ value: JSONValue?, _ path: String) -> Double? {
        guard let level = number(value, path, fallback: 0.95) else { return nil }
        return require(level > 0 && level < 1, path, "must lie strictly between 0 and 1, not \(JSONValue.format(level))") ? level : nil
    }
}

/// The common frame of the survival kinds: read the table, compute, write `result`, or fail with one line.
enum SurvivalStageRunner {
    /// Every problem that needs no data, for a kind's load-time check: the `table` input and
    /// `result` output, then every problem of `with:` as `read` finds it.
    static func check<Settings>(_ declaration: StageDeclaration,
                                _ read: (JSONValue, inout SettingsReader) -> Settings?) -> [String] {
        var problems: [String] = []
        if declaration.inputs["table"] == nil {
            problems.append("missing input 'table' (a CSV file); inputs: {table: PATH}")
        }
        if declaration.outputs["result"] == nil {
            problems.append("missing output 'result' (a JSON file); outputs: {result: PATH}")
        }
        var reader = SettingsReader()
        _ = read(declaration.with, &reader)
        return problems + reader.problems
    }

    /// Reads the settings with `read` (every problem logged, all in the failure's message), then
    /// the table, and writes what `body` computes.
    static func run<Settings>(_ context: StageKindContext, _ read: (JSONValue, inout SettingsReader) -> Settings?,
                              _ body: (SurvivalTable, Settings) throws(SurvivalStageError) -> ResultJSON) -> StageOutcome {
        do throws(SurvivalStageError) {
            guard let input = context.inputs["table"] else { throw SurvivalStageError("missing input 'table' (a CSV file)") }
            guard let output = context.outputs["result"] else { throw SurvivalStageError("missing output 'result' (a JSON file)") }
            var reader = SettingsReader()
            guard let parameters = read(context.with, &reader), reader.problems.isEmpty else {
                throw SurvivalStageError(reader.problems.joined(separator: "\n"))
            }
            var clock = PhaseClock()
            let display = input.hasPrefix(context.root + "/") ? String(input.dropFirst(context.root.count + 1)) : input
            let table = try SurvivalTable.load(input, display: display)
            clock.mark("read")
            let result = try body(table, parameters)
            clock.mark("compute")
            do {
                try FileIO.writeAtomically(output, result.fileBytes)
            } catch {
                throw SurvivalStageError("cannot write output 'result': \(error)")
            }
            clock.mark("write")
            context.log(clock.line)
            return .succeeded
        } catch {
            context.log(error.message)
            return .failed(status: 1, message: error.message)
        }
    }

    /// R's default factor level order: numerically when every label is a number, else by code point.
    static func factorLevels(_ labels: [String]) -> [String] {
        let distinct = Column.distinct(labels)
        let numbers = distinct.map { NumberFormat.parse($0) }
        if numbers.allSatisfy({ $0 != nil }) {
            return zip(distinct, numbers).sorted { a, b in
                a.1! != b.1! ? a.1! < b.1! : codePointLess(a.0, b.0)
            }.map(\.0)
        }
        return distinct.sorted(by: codePointLess)
    }

    static func codePointLess(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }
}
