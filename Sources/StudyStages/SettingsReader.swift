import StudyCore

/// Reads a built-in kind's `with:` settings for every kind: each accessor records a problem as one
/// line starting with the value's field path (`with.covariates[2]: must be a column name, not
/// {"c":1}`, `with.sections[0].figures[1].input: …`) and reading goes on, so one pass finds every
/// mistake. A kind's settings type (`CoxSettings`, `SimulateTrialSettings`, …) reads itself through
/// one reader in `check` (load time, exit 2) and again in `run`, so both refuse the same settings
/// with the same words. `FieldLocations` turns the leading path into a file:line:column.
///
/// ```swift
/// var reader = SettingsReader()
/// let with = reader.mapping(declaration.with, "with", known: ["time", "alpha"], optional: true) ?? [:]
/// let alpha = reader.openUnit(with["alpha"], "with.alpha", fallback: 0.05)
/// return reader.problems   // ["with.alpha: must be in (0, 1), not 1.5", …]
/// ```
struct SettingsReader {
    /// How a key outside the known ones is worded. Each family keeps the wording its users and
    /// tests already know; both forms point `FieldLocations` at the key itself.
    enum UnknownKeys {
        /// `with: unknown setting 'conf_typ'; did you mean 'conf_type'?`, then the known settings
        /// in parentheses when `listing` (survival), or not (ingest).
        case named(listing: Bool)
        /// `with.sections[0].figures[0].colour: unknown setting; known: type, input, …`, with
        /// `label` before the list (`known`, `known settings`).
        case atKey(label: String)
    }

    /// Problems found so far, in reading order.
    private(set) var problems: [String] = []

    /// Records a problem at `path`.
    mutating func problem(_ path: String, _ message: String) {
        problems.append("\(path): \(message)")
    }

    /// Records a problem at `path` unless `condition` holds; returns `condition`.
    @discardableResult
    mutating func require(_ condition: Bool, _ path: String, _ message: @autoclosure () -> String) -> Bool {
        if !condition { problem(path, message()) }
        return condition
    }

    /// A value as the user wrote it, for messages: its JSON text (`"wald"`, `["a"]`, `{"c":1}`),
    /// or a short description when that text is long, so a hostile value cannot flood the output.
    static func show(_ value: JSONValue) -> String {
        let text = value.canonicalJSON
        guard text.count > 60 else { return text }
        switch value {
        case .array(let items): return "a list of \(items.count) items"
        case .object(let members): return "a mapping of \(members.count) keys"
        default: return String(text.prefix(57)) + "…"
        }
    }

    /// A value as text for a message about a wrong choice: a string in '…', anything else as `show`.
    static func showName(_ value: JSONValue) -> String {
        if case .string(let s) = value, s.count <= 60, !s.contains("\n") { return "'\(s)'" }
        return show(value)
    }

    // MARK: Structure

    /// The members of the mapping at `path`, reporting each key outside `known` (nil: any key is
    /// allowed, as in a map from column names); nil when absent (a problem unless `optional`) or
    /// not a mapping (a problem saying `must be EXPECTED`, by default `a mapping with` the keys).
    mutating func mapping(_ value: JSONValue?, _ path: String, known: [String]?, optional: Bool = false,
                          unknown: UnknownKeys = .atKey(label: "known settings"),
                          expected: String? = nil) -> [String: JSONValue]? {
        let shape = expected ?? "a mapping with \(known?.joined(separator: ", ") ?? "names as keys")"
        switch value {
        case .object(let members)?:
            if let known { unknownKeys(members, path, known: known, unknown) }
            return members
        case nil, .null?:
            if !optional { problem(path, "missing; expected \(shape)") }
            return nil
        case let other?:
            problem(path, "must be \(shape), not \(Self.show(other))")
            return nil
        }
    }

    /// Records one problem per key of `members` outside `known`, in key order.
    mutating func unknownKeys(_ members: [String: JSONValue], _ path: String, known: [String], _ wording: UnknownKeys) {
        for key in members.keys.sorted() where !known.contains(key) {
            switch wording {
            case .named(let listing):
                let list = listing ? " (settings: \(known.joined(separator: ", ")))" : ""
                problem(path, "unknown setting '\(key)'" + Spelling.hint(for: key, among: known) + list)
            case .atKey(let label):
                problem("\(path).\(key)", "unknown setting; \(label): \(known.joined(separator: ", "))")
            }
        }
    }

    /// The list at `path`; nil when absent (a problem unless `optional`); an empty list is a
    /// problem unless `optional`. A single value counts as a one-item list when `single`, else it
    /// is a problem (`must be a list`).
    mutating func list(_ value: JSONValue?, _ path: String, optional: Bool = false, single: Bool = true) -> [JSONValue]? {
        switch value {
        case .array(let items)?:
            if items.isEmpty && !optional { problem(path, "must not be empty") }
            return items
        case nil, .null?:
            if !optional { problem(path, "missing; expected a list") }
            return nil
        case let other?:
            if single { return [other] }
            problem(path, "must be a list, not \(Self.show(other))")
            return nil
        }
    }

    // MARK: Scalars

    /// Text as written: a string, or a number or boolean as the YAML spelled it. Nil when absent
    /// (a problem `missing…` when `missing` gives its text) or not a scalar (`must be EXPECTED`).
    mutating func text(_ value: JSONValue?, _ path: String, expected: String = "a single name",
                       missing: String? = nil) -> String? {
        switch value {
        case .string(let s)?: return s
        case .integer(let i)?: return String(i)
        case .number(let d)?: return JSONValue.format(d)
        case .bool(let b)?: return b ? "true" : "false"
        case nil, .null?:
            if let missing { problem(path, missing) }
            return nil
        case let other?:
            problem(path, "must be \(expected), not \(Self.show(other))")
            return nil
        }
    }

    /// A list of names (a single name counts as a one-item list), each item checked at
    /// `path[i]`; empty when absent. Items that are not names (or empty) are left out, each with a
    /// problem; when `distinct` names what the items are, a repeated one is a problem too.
    mutating func textList(_ value: JSONValue?, _ path: String, item: String = "a name",
                           list: String = "a list of names", distinct: String? = nil) -> [String] {
        switch value {
        case nil, .null?: return []
        case .string(let s)? where !s.isEmpty: return [s]
        case .array(let items)?:
            var out: [String] = []
            var named: [(name: String, path: String)] = []
            for (index, element) in items.enumerated() {
                let text: String?
                switch element {
                case .string(let s) where !s.isEmpty: text = s
                case .integer(let i): text = String(i)
                case .number(let d): text = JSONValue.format(d)
                default: text = nil
                }
                guard let text else {
                    problem("\(path)[\(index)]", "must be \(item), not \(Self.show(element))")
                    continue
                }
                out.append(text)
                named.append((text, "\(path)[\(index)]"))
            }
            if let distinct { self.distinct(named, what: distinct) }
            return out
        case let other?:
            problem(path, "must be \(list), not \(Self.show(other))")
            return []
        }
    }

    /// One of `choices` (a string, or a number as written); `fallback` when absent. A wrong value
    /// is `must be A or B, not 'x'` (`one of A, B, C` for more) with a did-you-mean.
    mutating func choice(_ value: JSONValue?, _ path: String, among choices: [String], fallback: String?) -> String? {
        let text: String?
        switch value {
        case nil, .null?:
            if fallback == nil { problem(path, "missing; give one of \(choices.joined(separator: ", "))") }
            return fallback
        case .string(let s)?: text = s
        case .integer(let i)?: text = String(i)
        case .number(let d)?: text = JSONValue.format(d)
        default: text = nil
        }
        if let text, choices.contains(text) { return text }
        let options = choices.count == 2 ? "\(choices[0]) or \(choices[1])" : "one of \(choices.joined(separator: ", "))"
        problem(path, "must be \(options), not \(Self.showName(value!))" + (text.map { Spelling.hint(for: $0, among: choices) } ?? ""))
        return nil
    }

    /// `true` or `false` (also as the strings "true" and "false"); nil when absent or wrong.
    mutating func bool(_ value: JSONValue?, _ path: String) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case .string("true")?: return true
        case .string("false")?: return false
        case let other?:
            problem(path, "must be true or false, not \(Self.show(other))")
            return nil
        }
    }

    /// The finite number at `path` (a string holding one counts); `fallback` when absent, else nil
    /// with a problem unless `optional`. NaN and infinities are problems: no setting means them.
    mutating func number(_ value: JSONValue?, _ path: String, fallback: Double? = nil, optional: Bool = false) -> Double? {
        switch value {
        case .integer(let i)?: return Double(i)
        case .number(let d)?:
            if d.isFinite { return d }
            problem(path, "must be a finite number, not \(d.isNaN ? ".nan" : d > 0 ? ".inf" : "-.inf")")
            return nil
        case .string(let s)?:
            if let d = NumberFormat.parse(s) { return d }
        case nil, .null?:
            if fallback == nil && !optional { problem(path, "missing; expected a number") }
            return fallback
        default: break
        }
        problem(path, "must be a number, not \(Self.show(value!))")
        return nil
    }

    /// The whole number at `path` within `range`.
    mutating func integer(_ value: JSONValue?, _ path: String, in range: ClosedRange<Int>, fallback: Int? = nil) -> Int? {
        guard let d = number(value, path, fallback: fallback.map(Double.init)) else { return nil }
        guard d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            problem(path, "must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(JSONValue.format(d))")
            return nil
        }
        return Int(d)
    }
}
