import StudyCore

/// The `with:` settings of `ingest/csv`, checked before the file is read.
struct IngestSettings {
    /// One output column taken from the file.
    struct ColumnSpec {
        var name: String
        var from: String
        var type: ColumnType?
        /// Raw value to replacement text; a null replacement means NA.
        var map: [String: String?]?
    }

    var delimiter: UInt8?
    var na: Set<String> = ["NA", ""]
    /// Nil: every column of the file under its own name, types inferred.
    var columns: [ColumnSpec]?
    /// Derived columns, sorted by name (evaluated in dependency order).
    var derive: [(name: String, expression: Expression)] = []
    var filter: Expression?
    /// The filter as written, for messages.
    var filterText: String?
    var require: [String] = []
    var encoding: CSVEncoding = .utf8
    /// Default types by file column name, from input `schema` (an earlier ingest/csv's summary).
    var schema: [String: ColumnType] = [:]

    /// A problem with input `schema`, one line naming the file.
    struct SchemaProblem: Error {
        var message: String
    }

    /// Column types from the bytes of a schema file: a JSON object whose `columns` lists
    /// `{name, type}` objects, as ingest/csv's `summary` output does.
    static func schemaTypes(_ bytes: [UInt8]?, file: String) -> Result<[String: ColumnType], SchemaProblem> {
        let expected = "expected the summary of an ingest/csv stage ({\"columns\": [{\"name\", \"type\"}, …]})"
        guard let bytes else { return .failure(SchemaProblem(message: "\(file): cannot read the schema file")) }
        guard let json = try? JSONValue.parse(bytes), let columns = IngestSummaryOutput.declaredColumns(json) else {
            return .failure(SchemaProblem(message: "\(file): not a column schema; \(expected)"))
        }
        var types: [String: ColumnType] = [:]
        for (index, column) in columns.enumerated() {
            guard let (name, typeName) = column else {
                return .failure(SchemaProblem(message: "\(file): columns[\(index)]: \(expected)"))
            }
            guard let type = ColumnType(rawValue: typeName) else {
                let names = ColumnType.allCases.map(\.rawValue).joined(separator: ", ")
                return .failure(SchemaProblem(message: "\(file): column '\(name)': unknown type '\(typeName)' (types: \(names))"))
            }
            types[name] = type
        }
        return .success(types)
    }

    static let keys = ["delimiter", "encoding", "na", "columns", "derive", "filter", "require"]

    /// Reads `with` through `reader`, which records every mistake with its field path and goes on
    /// (a bad `columns` does not hide a bad `filter`). Run at load and again at run.
    init(_ with: JSONValue, _ reader: inout SettingsReader) {
        guard let members = reader.mapping(with, "with", known: Self.keys, optional: true, unknown: .named(listing: false)) else {
            return
        }
        if let d = members["delimiter"] {
            switch d {
            case .string(","): delimiter = UInt8(ascii: ",")
            case .string("\t"), .string("\\t"), .string("tab"): delimiter = UInt8(ascii: "\t")
            case .string(";"): delimiter = UInt8(ascii: ";")
            default: reader.problem("with.delimiter", "expected \",\", \";\" or \"\\t\", got \(SettingsReader.show(d))")
            }
        }
        if let e = members["encoding"] {
            if case .string(let name) = e, let encoding = CSVEncoding(named: name) {
                self.encoding = encoding
            } else {
                reader.problem("with.encoding", "unknown encoding \(SettingsReader.show(e)); use \(CSVEncoding.accepted)")
            }
        }
        if let n = members["na"] { na = Set(Self.tokens(n, "with.na", &reader)) }
        if let c = reader.mapping(members["columns"], "with.columns", known: nil, optional: true,
                                  expected: "a mapping of new name to {from, type, map}") {
            columns = c.keys.sorted().compactMap { Self.columnSpec($0, c[$0]!, &reader) }
        }
        if let exprs = reader.mapping(members["derive"], "with.derive", known: nil, optional: true,
                                      expected: "a mapping of new column name to expression") {
            for name in exprs.keys.sorted() {
                do throws(Expression.ParseError) {
                    derive.append((name, try Expression.parse(exprs[name]!.scalarText)))
                } catch {
                    reader.problem("with.derive.\(name)", error.message)
                }
            }
        }
        if let f = members["filter"] {
            do throws(Expression.ParseError) {
                filterText = f.scalarText
                filter = try Expression.parse(f.scalarText)
            } catch {
                reader.problem("with.filter", error.message)
            }
        }
        if let r = members["require"] { require = Self.tokens(r, "with.require", &reader) }
    }

    /// A scalar or a list of scalars, as written (`na: [NA, -99]`, `require: os`); null is none.
    private static func tokens(_ value: JSONValue, _ path: String, _ reader: inout SettingsReader) -> [String] {
        switch value {
        case .null: return []
        case .array(let items):
            return items.enumerated().compactMap { index, item in
                switch item {
                case .array, .object:
                    reader.problem("\(path)[\(index)]", "must be a single value, not \(SettingsReader.show(item))")
                    return nil
                default: return item.scalarText
                }
            }
        case .object:
            reader.problem(path, "must be a value or a list of values, not \(SettingsReader.show(value))")
            return []
        default: return [value.scalarText]
        }
    }

    private static func columnSpec(_ name: String, _ value: JSONValue, _ reader: inout SettingsReader) -> ColumnSpec? {
        let path = "with.columns.\(name)"
        switch value {
        case .null: return ColumnSpec(name: name, from: name)
        case .string(let text):
            // `ecog: category` declares a type, as in readr's col_types or pandas' dtype; a column
            // whose name is a type's is renamed with `{from: number}`.
            if let type = ColumnType(rawValue: text) { return ColumnSpec(name: name, from: name, type: type) }
            return ColumnSpec(name: name, from: text)
        case .object(let m):
            reader.unknownKeys(m, path, known: ["from", "type", "map"], .named(listing: false))
            var spec = ColumnSpec(name: name, from: reader.text(m["from"], "\(path).from", expected: "a column name of the file") ?? name)
            if let t = m["type"] {
                if let type = ColumnType(rawValue: t.scalarText) {
                    spec.type = type
                } else {
                    let names = ColumnType.allCases.map(\.rawValue)
                    reader.problem("\(path).type", "unknown type '\(t.scalarText)'"
                        + Spelling.hint(for: t.scalarText, among: names) + " (types: \(names.joined(separator: ", ")))")
                }
            }
            if let pairs = reader.mapping(m["map"], "\(path).map", known: nil, optional: true,
                                          expected: "a mapping of value to replacement") {
                var map: [String: String?] = [:]
                for (k, v) in pairs { map[k] = v == .null ? .some(nil) : .some(v.scalarText) }
                spec.map = map
            }
            return spec
        default:
            reader.problem(path, "expected the original column name or {from, type, map}")
            return nil
        }
    }
}
