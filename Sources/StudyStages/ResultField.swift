import StudyCore

/// One value inside a result file being decoded, with the file and the field path that led to it,
/// so a malformed result is reported as `'results/cox.json': terms[2].hr: expected a number, found
/// "x"` rather than as a wrong number downstream. The result models (`KaplanMeierOutput`, …) read
/// through it; nothing else should walk a result by key.
struct ResultField: Sendable {
    let value: ResultValue
    let path: FieldPath
    /// The file as messages show it.
    let file: String

    init(_ value: ResultValue, file: String) {
        self.init(value, path: .root, file: file)
    }

    init(_ value: ResultValue, path: FieldPath, file: String) {
        self.value = value
        self.path = path
        self.file = file
    }

    /// Member `key`, which must be present (it may be `null`).
    func member(_ key: String) throws(ResultDecodingError) -> ResultField {
        guard case .object = value else { throw failure("expected an object, found \(Self.describe(value))") }
        guard let found = value[key] else {
            throw ResultDecodingError(file: file, path: path.member(key).text, problem: "missing")
        }
        return ResultField(found, path: path.member(key), file: file)
    }

    /// Member `key`, nil when it is absent or `null`.
    func optionalMember(_ key: String) throws(ResultDecodingError) -> ResultField? {
        guard case .object = value else { throw failure("expected an object, found \(Self.describe(value))") }
        guard let found = value[key], !found.isNull else { return nil }
        return ResultField(found, path: path.member(key), file: file)
    }

    /// The items of a list.
    func items() throws(ResultDecodingError) -> [ResultField] {
        guard let array = value.array else { throw failure("expected a list, found \(Self.describe(value))") }
        return array.enumerated().map { ResultField($1, path: path.index($0), file: file) }
    }

    /// A number; `null` is refused.
    func number() throws(ResultDecodingError) -> Double {
        guard case .number(let d) = value else { throw failure("expected a number, found \(Self.describe(value))") }
        return d
    }

    /// A number, or nil for `null` (how a result writes a value that is undefined or not finite).
    func optionalNumber() throws(ResultDecodingError) -> Double? {
        if value.isNull { return nil }
        guard case .number(let d) = value else { throw failure("expected a number or null, found \(Self.describe(value))") }
        return d
    }

    /// A whole number.
    func integer() throws(ResultDecodingError) -> Int {
        guard let i = value.int else { throw failure("expected a whole number, found \(Self.describe(value))") }
        return i
    }

    /// A whole number, or nil for `null`.
    func optionalInteger() throws(ResultDecodingError) -> Int? {
        value.isNull ? nil : try integer()
    }

    /// Text.
    func string() throws(ResultDecodingError) -> String {
        guard case .string(let s) = value else { throw failure("expected text, found \(Self.describe(value))") }
        return s
    }

    /// Text, or nil for `null`.
    func optionalString() throws(ResultDecodingError) -> String? {
        value.isNull ? nil : try string()
    }

    /// A label as a result may hold it: text, or a number or boolean as JSON prints it.
    func label() throws(ResultDecodingError) -> String {
        switch value {
        case .string(let s): return s
        case .number(let d): return JSONValue.format(d)
        case .bool(let b): return b ? "true" : "false"
        default: throw failure("expected a label (text or a number), found \(Self.describe(value))")
        }
    }

    /// `true` or `false`.
    func bool() throws(ResultDecodingError) -> Bool {
        guard case .bool(let b) = value else { throw failure("expected true or false, found \(Self.describe(value))") }
        return b
    }

    /// The member names of an object, in file order, with their fields (for maps keyed by data,
    /// such as a prevalence per stratum).
    func members() throws(ResultDecodingError) -> [(String, ResultField)] {
        guard case .object(let members) = value else { throw failure("expected an object, found \(Self.describe(value))") }
        return members.map { ($0.0, ResultField($0.1, path: path.member($0.0), file: file)) }
    }

    /// Fails unless the text is `expected`: a result's `kind` tag.
    func expect(_ expected: String) throws(ResultDecodingError) {
        guard case .string(let s) = value, s == expected else {
            throw failure("expected \(JSONValue.quoted(expected)), found \(Self.describe(value))")
        }
    }

    /// An error at this field.
    func failure(_ problem: String) -> ResultDecodingError {
        ResultDecodingError(file: file, path: path.text, problem: problem)
    }

    /// A value as a message shows it: its JSON for scalars, its shape for containers.
    static func describe(_ value: ResultValue) -> String {
        switch value {
        case .null: return ResultJSON.null.text
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return JSONValue.format(d)
        case .string(let s): return JSONValue.quoted(s.count > 40 ? String(s.prefix(40)) + "…" : s)
        case .array, .table: return "a list"
        case .object: return "an object"
        }
    }
}

/// Where a field sits in a result: `curves[1].median.estimate`. Built only as deep as the decoder
/// walks and rendered only for a message.
indirect enum FieldPath: Sendable {
    case root
    case member(FieldPath, String)
    case index(FieldPath, Int)

    func member(_ key: String) -> FieldPath { .member(self, key) }
    func index(_ i: Int) -> FieldPath { .index(self, i) }

    /// The path as written in messages and in published-figures paths; the root is `(top level)`.
    var text: String {
        switch self {
        case .root: return "(top level)"
        case .member(.root, let key): return key
        case .member(let parent, let key): return parent.text + "." + key
        case .index(.root, let i): return "[\(i)]"
        case .index(let parent, let i): return parent.text + "[\(i)]"
        }
    }
}

/// A result file that does not hold what its model expects: the file, the field path and what is
/// wrong there.
struct ResultDecodingError: Error, Equatable, Sendable {
    var file: String
    var path: String
    var problem: String

    /// One line: `'results/km.json': curves[0].n: expected a whole number, found "x"`.
    var message: String { "'\(file)': \(path): \(problem)" }
}
