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

    /// Reads `with`, appending a message per mistake to `errors`.
    init(_ with: JSONValue, errors: inout [String]) {
        let members: [String: JSONValue]
        switch with {
        case .null: return
        case .object(let m): members = m
        default:
            errors.append("with: expected a mapping of settings (\(Self.keys.joined(separator: ", ")))")
            return
        }
        for key in members.keys.sorted() where !Self.keys.contains(key) {
            errors.append("with: unknown setting '\(key)'" + Spelling.hint(for: key, among: Self.keys))
        }
        if let d = members["delimiter"] {
            switch d {
            case .string(","): delimiter = UInt8(ascii: ",")
            case .string("\t"), .string("\\t"), .string("tab"): delimiter = UInt8(ascii: "\t")
            case .string(";"): delimiter = UInt8(ascii: ";")
            default: errors.append("with.delimiter: expected \",\", \";\" or \"\\t\", got \(d.canonicalJSON)")
            }
        }
        if let e = members["encoding"] {
            if case .string(let name) = e, let encoding = CSVEncoding(named: name) {
                self.encoding = encoding
            } else {
                errors.append("with.encoding: unknown encoding \(e.canonicalJSON); use \(CSVEncoding.accepted)")
            }
        }
        if let n = members["na"] {
            switch n {
            case .array(let items): na = Set(items.map(\.scalarText))
            case .null: na = []
            default: na = [n.scalarText]
            }
        }
        if let c = members["columns"] {
            guard case .object(let specs) = c else {
                errors.append("with.columns: expected a mapping of new name to {from, type, map}")
                return
            }
            columns = specs.keys.sorted().compactMap { Self.columnSpec($0, specs[$0]!, errors: &errors) }
        }
        if let d = members["derive"] {
            if case .object(let exprs) = d {
                for name in exprs.keys.sorted() {
                    do throws(Expression.ParseError) {
                        derive.append((name, try Expression.parse(exprs[name]!.scalarText)))
                    } catch {
                        errors.append("with.derive.\(name): \(error.message)")
                    }
                }
            } else {
                errors.append("with.derive: expected a mapping of new column name to expression")
            }
        }
        if let f = members["filter"] {
            do throws(Expression.ParseError) {
                filterText = f.scalarText
                filter = try Expression.parse(f.scalarText)
            } catch {
                errors.append("with.filter: \(error.message)")
            }
        }
        if let r = members["require"] {
            switch r {
            case .array(let items): require = items.map(\.scalarText)
            default: require = [r.scalarText]
            }
        }
    }

    private static func columnSpec(_ name: String, _ value: JSONValue, errors: inout [String]) -> ColumnSpec? {
        let path = "with.columns.\(name)"
        switch value {
        case .null: return ColumnSpec(name: name, from: name)
        case .string(let text):
            // `ecog: category` declares a type, as in readr's col_types or pandas' dtype; a column
            // whose name is a type's is renamed with `{from: number}`.
            if let type = ColumnType(rawValue: text) { return ColumnSpec(name: name, from: name, type: type) }
            return ColumnSpec(name: name, from: text)
        case .object(let m):
            let known = ["from", "type", "map"]
            for key in m.keys.sorted() where !known.contains(key) {
                errors.append("\(path): unknown setting '\(key)'" + Spelling.hint(for: key, among: known))
            }
            var spec = ColumnSpec(name: name, from: m["from"]?.scalarText ?? name)
            if let t = m["type"] {
                if let type = ColumnType(rawValue: t.scalarText) {
                    spec.type = type
                } else {
                    let names = ColumnType.allCases.map(\.rawValue)
                    errors.append("\(path).type: unknown type '\(t.scalarText)'"
                        + Spelling.hint(for: t.scalarText, among: names) + " (types: \(names.joined(separator: ", ")))")
                }
            }
            if let mapValue = m["map"] {
                guard case .object(let pairs) = mapValue else {
                    errors.append("\(path).map: expected a mapping of value to replacement")
                    return spec
                }
                var map: [String: String?] = [:]
                for (k, v) in pairs { map[k] = v == .null ? .some(nil) : .some(v.scalarText) }
                spec.map = map
            }
            return spec
        default:
            errors.append("\(path): expected the original column name or {from, type, map}")
            return nil
        }
    }
}
