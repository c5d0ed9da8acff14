import StudyCore

/// Checked values on top of `SettingsReader`'s types: numbers within a range, seeds, and names a
/// CSV cell can hold. Each records its problem at the value's path and returns nil.
extension SettingsReader {
    /// A number strictly above zero.
    mutating func positive(_ value: JSONValue?, _ path: String, fallback: Double? = nil, optional: Bool = false) -> Double? {
        guard let d = number(value, path, fallback: fallback, optional: optional) else { return nil }
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
        guard let text = text(value, path, expected: "a name", missing: "missing; expected a name") else { return nil }
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
}
