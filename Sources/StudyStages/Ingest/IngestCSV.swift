import StudyCore
import StudyEngine

/// `ingest/csv`: reads an RFC 4180 CSV or TSV file (input `table`) and writes a normalized CSV
/// (output `table`) and, when declared, a JSON summary (output `summary`).
///
/// Settings (`with:`), all optional:
/// ```yaml
/// with:
///   delimiter: ","            # or "\t"; default: tab for .tsv/.tab files, else comma
///   encoding: utf-8           # or latin1 (ISO-8859-1); other bytes than UTF-8 are an error
///   na: ["NA", ""]            # tokens read as missing
///   columns:                  # absent: every column under its own name, types inferred
///     os_months: {from: "OS (months)", type: number}
///     site: {from: Site, type: integer, map: {Liver: 1, Visceral: 0}}
///   derive: {log_os: "log(os_months + 1)"}
///   filter: "os_months > 0 and not is_na(site)"
///   require: [os_months, site]  # drop rows where any is NA
/// ```
/// Types are `number`, `integer`, `category`, `string`, `boolean` (`columns: {col: TYPE}` is short
/// for `{col: {type: TYPE}}`); an untyped column is a number when every non-NA value parses as one,
/// a boolean when every one is `true` or `false`, and none is quoted in a file with bare fields;
/// else a category. The output quotes text that looks like a number or a boolean, so a column declared `category` stays one in the next stage (R's
/// `write.csv` convention). An optional input `schema` (the `summary` of an earlier `ingest/csv`)
/// gives default types; a type under `columns:` always wins. Output columns are the file's columns
/// in file order (renamed), then derived columns by name. Rows with an NA in a `require` column
/// are dropped first, then rows whose `filter` is false or NA. Every bad value is an error naming
/// file, row (header = row 1), column and value; on any error nothing is written and the stage exits 1.
public struct IngestCSV: StageKind {
    /// Creates the kind.
    public init() {}

    /// The name used in `uses:`.
    public var name: String { "ingest/csv" }
    /// The implementation version.
    public var version: Int { 2 }

    /// Errors listed per file before the rest are only counted.
    static let errorCap = 20

    /// Settings problems that need no data (unknown settings, types, delimiter, malformed `derive` and
    /// `filter` expressions) and the names of the input and outputs, all at once, so they stop the
    /// workflow at load.
    public func check(_ declaration: StageDeclaration) -> [String] {
        var problems: [String] = []
        if declaration.inputs["table"] == nil { problems.append("missing input 'table' (the CSV or TSV file); inputs: {table: PATH}") }
        if declaration.outputs["table"] == nil {
            problems.append("missing output 'table' (the normalized CSV); outputs: {table: PATH, summary: PATH}")
        }
        var reader = SettingsReader()
        _ = IngestSettings(declaration.with, &reader)
        return problems + reader.problems
    }

    /// Reads, converts, derives, filters and writes; a data problem is a `.failed` outcome.
    public func run(_ context: StageKindContext) -> StageOutcome {
        var errors: [String] = []
        var outputPaths: [String: String] = [:]
        // `summary` is optional: a stage that only narrows a table need not declare one.
        for name in ["table", "summary"] {
            if let p = context.outputs[name] { outputPaths[name] = p }
        }
        if outputPaths["table"] == nil {
            errors.append("ingest/csv: missing output 'table' (the normalized CSV); outputs: {table: PATH, summary: PATH}")
        }
        guard let input = context.inputs["table"] else {
            errors.append("ingest/csv: missing input 'table'")
            return fail(errors, context)
        }
        var settingsReader = SettingsReader()
        var settings = IngestSettings(context.with, &settingsReader)
        errors += settingsReader.problems
        guard errors.isEmpty else { return fail(errors, context) }
        let file = input.hasPrefix(context.root + "/") ? String(input.dropFirst(context.root.count + 1)) : input
        if let schema = context.inputs["schema"] {
            let display = schema.hasPrefix(context.root + "/") ? String(schema.dropFirst(context.root.count + 1)) : schema
            switch IngestSettings.schemaTypes(FileIO.read(schema), file: display) {
            case .success(let types): settings.schema = types
            case .failure(let problem): return fail([problem.message], context)
            }
        }
        var clock = PhaseClock()
        guard let bytes = FileIO.read(input) else { return fail(["\(file): cannot read the file"], context) }
        let tsv = file.hasSuffix(".tsv") || file.hasSuffix(".tab")
        let reader = CSVReader(delimiter: settings.delimiter ?? UInt8(ascii: tsv ? "\t" : ","), encoding: settings.encoding)
        let table: CSVFields
        do throws(CSVReader.Failure) {
            table = try reader.fields(bytes)
        } catch {
            let fix = error.invalidEncoding ? "; declare `encoding: latin1` in the stage's with:, or convert the file to UTF-8" : ""
            return fail(["\(file):\(error.row): \(error.message)\(fix)"], context)
        }
        guard table.count > 0 else { return fail(["\(file): the file is empty; expected a header row"], context) }
        clock.mark("read")
        var ingest = Ingest(file: file, settings: settings, table: table, quotesCarryType: table.quotesCarryType)
        guard let result = ingest.run() else { return fail(ingest.errors, context) }
        clock.mark("convert")
        do {
            try FileIO.writeAtomically(outputPaths["table"]!, result.csv)
            if let summary = outputPaths["summary"] {
                try FileIO.writeAtomically(summary, result.summary.fileBytes)
            }
        } catch {
            return fail(["ingest/csv: \(error)"], context)
        }
        clock.mark("write")
        context.log("ingest/csv: \(file): kept \(result.kept) of \(ingest.rowCount) rows")
        context.log(clock.line)
        return .succeeded
    }

    /// Logs every error (the first `errorCap`, then a count) and fails with the same text.
    private func fail(_ errors: [String], _ context: StageKindContext) -> StageOutcome {
        var lines = Array(errors.prefix(Self.errorCap))
        if errors.count > Self.errorCap {
            let more = errors.count - Self.errorCap
            lines.append("... and \(more) more error\(more == 1 ? "" : "s") (\(errors.count) in all)")
        }
        lines.forEach(context.log)
        return .failed(status: 1, message: lines.joined(separator: "\n"))
    }
}
