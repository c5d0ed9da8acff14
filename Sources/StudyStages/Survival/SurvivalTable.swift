import StudyCore
import StudyEngine
import StudyStats

/// A data or parameter problem of a survival stage: one line, naming the column or parameter.
struct SurvivalStageError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The CSV table a survival stage reads (input `table`), as text cells by column name.
struct SurvivalTable {
    /// Column names in file order.
    var header: [String]
    /// Data rows (without the header), each padded to the header's width.
    var rows: [[String]]
    /// The 1-based line each data row starts on.
    var lines: [Int]
    /// Per column: whether it holds a quoted number in a file whose quotes carry type
    /// (`CSVReader.quotesCarryType`), i.e. it was written as text (ingest/csv's `category`, R's
    /// factor): such a column is never treated as numeric.
    var quotedText: [Bool] = []

    /// Reads and parses the CSV at `path`; `display` names it in an encoding error.
    static func load(_ path: String, display: String? = nil) throws(SurvivalStageError) -> SurvivalTable {
        guard let bytes = FileIO.read(path) else { throw SurvivalStageError("cannot read input table '\(path)'") }
        let records: [CSVReader.Record]
        do {
            records = try CSVReader(delimiter: UInt8(ascii: ",")).records(bytes)
        } catch {
            if error.invalidEncoding {
                throw SurvivalStageError("\(display ?? path):\(error.row): \(error.message); convert the file to UTF-8, "
                    + "or read it with an ingest/csv stage that declares `encoding: latin1`")
            }
            throw SurvivalStageError("input table line \(error.row): \(error.message)")
        }
        guard let first = records.first else { throw SurvivalStageError("input table is empty; it needs a header row") }
        let header = first.fields.map { NumberFormat.trimmed($0) }
        var rows = [[String]]()
        var lines = [Int]()
        for record in records.dropFirst() {
            guard record.fields.count == header.count else {
                throw SurvivalStageError("input table line \(record.row) has \(record.fields.count) fields but the header has \(header.count)")
            }
            rows.append(record.fields)
            lines.append(record.row)
        }
        let quotesCarryType = CSVReader.quotesCarryType(records)
        let quotedText = header.indices.map { c in
            quotesCarryType && CSVReader.hasQuotedNumber(records, from: 1, column: c, isNA: isMissing)
        }
        return SurvivalTable(header: header, rows: rows, lines: lines, quotedText: quotedText)
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

    /// Indices of rows with no missing cell in `columns`.
    func completeRows(_ columns: [Int]) -> [Int] {
        rows.indices.filter { r in columns.allSatisfy { !SurvivalTable.isMissing(rows[r][$0]) } }
    }

    /// Survival data from the `time` and `event` columns of `selected` rows.
    func survival(time: Int, event: Int, rows selected: [Int], used: [Int]) throws(SurvivalStageError) -> SurvivalData {
        guard !selected.isEmpty else {
            let names = used.map { "'\(header[$0])'" }.joined(separator: ", ")
            throw SurvivalStageError("no rows left after dropping rows with NA in \(names)")
        }
        var times = [Double]()
        var events = [Bool]()
        for r in selected {
            let cell = NumberFormat.trimmed(rows[r][time])
            guard let t = NumberFormat.parse(cell) else {
                throw SurvivalStageError("column '\(header[time])' (time) is not numeric: line \(lines[r]) has '\(cell)'")
            }
            guard t >= 0 else {
                throw SurvivalStageError("column '\(header[time])' (time) has a negative time: line \(lines[r]) has '\(cell)'")
            }
            times.append(t)
            let e = NumberFormat.trimmed(rows[r][event])
            switch e.lowercased() {
            case "true": events.append(true)
            case "false": events.append(false)
            default:
                switch NumberFormat.parse(e) {
                case 1: events.append(true)
                case 0: events.append(false)
                default:
                    throw SurvivalStageError("column '\(header[event])' (event) must be 0/1 or true/false: line \(lines[r]) has '\(e)'")
                }
            }
        }
        return SurvivalData(time: times, event: events)
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
            for (i, r) in selected.enumerated() {
                let cell = NumberFormat.trimmed(rows[r][start])
                guard let s = NumberFormat.parse(cell), s.isFinite else {
                    throw SurvivalStageError("column '\(header[start])' (start) is not numeric: line \(lines[r]) has '\(cell)'")
                }
                guard s < data.time[i] else {
                    throw SurvivalStageError("line \(lines[r]): start \(cell) ('\(header[start])') is not before stop "
                        + "\(NumberFormat.trimmed(rows[r][time])) ('\(header[time])'); each row is the interval (start, stop], so start must be smaller")
                }
                entries.append(s)
            }
            data.start = entries
        }
        if let weights {
            var values = [Double]()
            values.reserveCapacity(selected.count)
            for r in selected {
                let cell = NumberFormat.trimmed(rows[r][weights])
                guard let w = NumberFormat.parse(cell), w.isFinite, w >= 0 else {
                    throw SurvivalStageError("column '\(header[weights])' (weights) must hold finite numbers ≥ 0: line \(lines[r]) has '\(cell)'")
                }
                values.append(w)
            }
            data.weights = values
        }
        return data
    }

    /// The trimmed cells of `column` in `selected` rows, as written.
    func labels(_ column: Int, rows selected: [Int]) -> [String] {
        selected.map { NumberFormat.trimmed(rows[$0][column]) }
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
        let distinct = Array(Set(labels))
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
