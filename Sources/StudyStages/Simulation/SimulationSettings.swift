import StudyCore

/// Reads the nested `with:` settings of the simulation kinds, collecting every problem as one line
/// naming its field (`with.strata.levels[2].median: must be positive, not -3`), so the load-time
/// check lists them all and the run refuses the same settings with the same words.
///
/// The flat survival kinds stop at their first problem (`SurvivalParameters`); these settings are
/// nested lists of mappings, where a path is the only way to say which value is wrong.
struct SimulationSettings {
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

    /// The members of the mapping at `path`, rejecting keys outside `known`; nil (with a problem
    /// unless `optional`) when absent or not a mapping.
    mutating func mapping(_ value: JSONValue?, _ path: String, known: [String], optional: Bool = false) -> [String: JSONValue]? {
        switch value {
        case .object(let members)?:
            for key in members.keys.sorted() where !known.contains(key) {
                problem("\(path).\(key)", "unknown setting; known settings: \(known.joined(separator: ", "))")
            }
            return members
        case nil, .null?:
            if !optional { problem(path, "missing; expected a mapping with \(known.joined(separator: ", "))") }
            return nil
        default:
            problem(path, "must be a mapping with \(known.joined(separator: ", ")), not \(Self.show(value!))")
            return nil
        }
    }

    /// The list at `path` (a single value counts as a one-item list); nil with a problem when absent.
    mutating func list(_ value: JSONValue?, _ path: String, optional: Bool = false) -> [JSONValue]? {
        switch value {
        case .array(let items)?:
            if items.isEmpty && !optional { problem(path, "must not be empty") }
            return items
        case nil, .null?:
            if !optional { problem(path, "missing; expected a list") }
            return nil
        case let single?:
            return [single]
        }
    }

    /// The number at `path`; `fallback` when absent (a problem when there is no fallback).
    mutating func number(_ value: JSONValue?, _ path: String, fallback: Double? = nil) -> Double? {
        switch value {
        case .integer(let i)?: return Double(i)
        case .number(let d)?: return d
        case .string(let s)?:
            if let d = NumberFormat.parse(s) { return d }
        case nil, .null?:
            if fallback == nil { problem(path, "missing; expected a number") }
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

    /// A number strictly above zero.
    mutating func positive(_ value: JSONValue?, _ path: String, fallback: Double? = nil) -> Double? {
        guard let d = number(value, path, fallback: fallback) else { return nil }
        return require(d > 0 && d.isFinite, path, "must be positive, not \(JSONValue.format(d))") ? d : nil
    }

    /// A number at or above zero.
    mutating func nonNegative(_ value: JSONValue?, _ path: String, fallback: Double? = nil) -> Double? {
        guard let d = number(value, path, fallback: fallback) else { return nil }
        return require(d >= 0 && d.isFinite, path, "must be zero or positive, not \(JSONValue.format(d))") ? d : nil
    }

    /// A probability in [0, 1].
    mutating func probability(_ value: JSONValue?, _ path: String) -> Double? {
        guard let d = number(value, path) else { return nil }
        return require(d >= 0 && d <= 1, path, "must be in [0, 1], not \(JSONValue.format(d))") ? d : nil
    }

    /// A number strictly between 0 and 1.
    mutating func openUnit(_ value: JSONValue?, _ path: String, fallback: Double? = nil) -> Double? {
        guard let d = number(value, path, fallback: fallback) else { return nil }
        return require(d > 0 && d < 1, path, "must be in (0, 1), not \(JSONValue.format(d))") ? d : nil
    }

    /// A seed: a whole number from 0 to 2^53 (exact in JSON and YAML); required, never the clock.
    mutating func seed(_ value: JSONValue?, _ path: String) -> UInt64? {
        guard value != nil && value != .null else {
            problem(path, "missing; a simulation needs an explicit seed, e.g. seed: 1")
            return nil
        }
        return integer(value, path, in: 0...(1 << 53)).map(UInt64.init)
    }

    /// A name: a non-empty string that a CSV cell or header can hold as written (no comma, quote,
    /// line break, or surrounding spaces, which the CSV reader would trim).
    mutating func name(_ value: JSONValue?, _ path: String) -> String? {
        let text: String
        switch value {
        case .string(let s)?: text = s
        case .integer(let i)?: text = String(i)
        case .number(let d)?: text = JSONValue.format(d)
        case .bool(let b)?: text = b ? "true" : "false"
        case nil, .null?:
            problem(path, "missing; expected a name")
            return nil
        default:
            problem(path, "must be a name, not \(Self.show(value!))")
            return nil
        }
        guard !text.isEmpty, !text.contains(where: { ",\"\r\n".contains($0) }),
              NumberFormat.trimmed(text) == text, text != "NA" else {
            problem(path, "must be a non-empty name without commas, quotes, line breaks, surrounding spaces or NA, not \(JSONValue.quoted(text))")
            return nil
        }
        return text
    }

    /// Records a problem for each name that repeats an earlier one.
    mutating func distinct(_ names: [(name: String, path: String)], what: String) {
        var seen = Set<String>()
        for (name, path) in names where !seen.insert(name).inserted {
            problem(path, "\(what) '\(name)' appears twice; names must be distinct")
        }
    }

    /// Proportions must sum to 1 (within 1e-9).
    mutating func sumsToOne(_ proportions: [Double], _ path: String) {
        let sum = proportions.reduce(0, +)
        require(abs(sum - 1) <= 1e-9, path, "proportions must sum to 1, not \(JSONValue.format(sum))")
    }

    /// A value as the user wrote it, for messages.
    static func show(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return JSONValue.quoted(s)
        case .array: return "a list"
        case .object: return "a mapping"
        default: return value.scalarText
        }
    }
}

/// A problem a simulation stage meets while running (reading an input, writing an output).
struct SimulationStageError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
