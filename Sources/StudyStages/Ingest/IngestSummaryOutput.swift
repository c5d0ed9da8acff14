import StudyCore

/// The summary `ingest/csv` writes (output `summary`, schema in README.md): the file read, rows
/// read, kept and dropped (by `require` per column, by `filter`), and each column's type, missing
/// count and category levels. Written by `Ingest`, read by `report/html` (the cohort table) and by a
/// later `ingest/csv` as its `schema` input. It has no `kind` tag: `recognises` tells it apart.
///
/// Unlike the other results it is written in canonical order (sorted member names, as
/// `JSONValue.canonicalJSON` writes): the encoder spells that order out, so the bytes are those the
/// stage wrote before the model existed.
struct IngestSummaryOutput: ResultModel {
    struct Column: Equatable, Sendable {
        var name: String
        /// `number`, `integer`, `category`, `string` or `boolean`.
        var type: String
        var na: Int
        /// The levels of a category column.
        var levels: [String]?
    }

    /// Rows a `require` column dropped.
    struct Required: Equatable, Sendable {
        var column: String
        var dropped: Int
    }

    var file: String
    var rowsRead: Int
    var rowsKept: Int
    var rowsDropped: Int
    /// Rows the filter dropped; nil when there is no filter.
    var filterDropped: Int?
    /// Sorted by column name, as written.
    var requireDropped: [Required]
    var columns: [Column]

    /// Member names only this model writes.
    enum Key {
        static let file = "file"
        static let rows = "rows"
        static let read = "read"
        static let kept = "kept"
        static let dropped = "dropped"
        static let filter = "filter"
        static let require = "require"
        static let columns = "columns"
        static let name = "name"
        static let na = "na"
    }

    static let kind: String? = nil
    static let keys = [Key.columns, ResultKey.levels, Key.na, Key.name, ResultKey.type, Key.dropped, Key.filter, Key.require,
                       Key.file, Key.rows, Key.kept, Key.read]

    /// Whether a parsed result is an ingest/csv summary (it has `rows` and `columns`).
    static func recognises(_ value: ResultValue) -> Bool {
        value[ResultKey.kind] == nil && value[Key.rows] != nil && value[Key.columns] != nil
    }

    var encoded: ResultJSON {
        let columns = columns.map { c -> ResultJSON in
            var members: [(String, ResultJSON)] = []
            if let levels = c.levels { members.append((ResultKey.levels, .array(levels.map { .string($0) }))) }
            members += [(Key.na, .integer(c.na)), (Key.name, .string(c.name)), (ResultKey.type, .string(c.type))]
            return .object(members)
        }
        var dropped: [(String, ResultJSON)] = []
        if let filterDropped { dropped.append((Key.filter, .integer(filterDropped))) }
        dropped.append((Key.require, .object(requireDropped.map { ($0.column, .integer($0.dropped)) })))
        return .object([
            (Key.columns, .array(columns)), (Key.dropped, .object(dropped)), (Key.file, .string(file)),
            (Key.rows, .object([(Key.dropped, .integer(rowsDropped)), (Key.kept, .integer(rowsKept)), (Key.read, .integer(rowsRead))])),
        ])
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> IngestSummaryOutput {
        let rows = try root.member(Key.rows), dropped = try root.member(Key.dropped)
        let required = try dropped.member(Key.require).members().map { (m) throws(ResultDecodingError) -> Required in
            Required(column: m.0, dropped: try m.1.integer())
        }
        let columns = try root.member(Key.columns).items().map { (c) throws(ResultDecodingError) -> Column in
            Column(name: try c.member(Key.name).string(), type: try c.member(ResultKey.type).string(),
                   na: try c.member(Key.na).integer(),
                   levels: try c.optionalMember(ResultKey.levels)?.items().map { (l) throws(ResultDecodingError) -> String in try l.string() })
        }
        return IngestSummaryOutput(
            file: try root.member(Key.file).string(), rowsRead: try rows.member(Key.read).integer(),
            rowsKept: try rows.member(Key.kept).integer(), rowsDropped: try rows.member(Key.dropped).integer(),
            filterDropped: try dropped.optionalMember(Key.filter)?.integer(), requireDropped: required, columns: columns)
    }

    /// The `{name, type}` of each column, all a `schema` input needs: a hand-written schema may hold
    /// only these. Nil for the column whose name or type is not text, so the caller can name it.
    static func declaredColumns(_ value: JSONValue) -> [(name: String, type: String)?]? {
        guard case .object(let top) = value, case .array(let columns)? = top[Key.columns] else { return nil }
        return columns.map { column in
            guard case .object(let m) = column, case .string(let name)? = m[Key.name], case .string(let type)? = m[ResultKey.type]
            else { return nil }
            return (name, type)
        }
    }
}
