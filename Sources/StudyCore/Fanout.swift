/// A stage's fan-out as written (`foreach:` or `matrix:`, with an optional `name:` template),
/// before any instance is made. `expand(stage:)` turns it into one `FanoutItem` per instance.
///
/// Example: `matrix: {model: [cox, km], dataset: [msk, imvigor]}` expands to the keys
/// `cox-msk`, `cox-imvigor`, `km-msk`, `km-imvigor` (first axis outermost).
public struct FanoutSpec: Sendable, Equatable {
    /// Where the items come from.
    public enum Source: Sendable, Equatable {
        /// `foreach: [a, b, c]`: scalar items; the key is the item's text.
        case list([JSONValue])
        /// `foreach: {k: v, …}` in declaration order: the key is the map key.
        case map([FanoutEntry])
        /// `matrix:`: the cross product of its axes, minus `exclude`, plus `include`.
        case matrix(FanoutMatrix)
        /// `foreach: {levels: {table: PATH, column: NAME}}`: known only once the table exists.
        case levels(table: String, column: String)
    }

    /// Where the items come from.
    public var source: Source
    /// `name:`, a template over `${each…}` / `${matrix…}` that sets each instance's key.
    public var name: CommandTemplate?

    /// Creates a spec.
    public init(source: Source, name: CommandTemplate? = nil) {
        self.source = source
        self.name = name
    }

    /// `foreach: ${params.NAME}` whose value is `value`: a list, or a map taken in sorted key order
    /// (parameters are unordered dictionaries); `nil` for any other value.
    public static func foreach(param value: JSONValue) -> Source? {
        switch value {
        case .array(let items): return .list(items)
        case .object(let members): return .map(members.keys.sorted().map { FanoutEntry(key: $0, value: members[$0]!) })
        default: return nil
        }
    }
}

/// One `key: value` pair, kept in the order written.
public struct FanoutEntry: Sendable, Equatable, Hashable {
    /// The map key or axis name.
    public var key: String
    /// Its value.
    public var value: JSONValue

    /// Creates a pair.
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// `matrix:` — axes in the order written, with GitHub Actions-style `exclude` and `include`.
public struct FanoutMatrix: Sendable, Equatable {
    /// Each axis's name and its values (scalars).
    public var axes: [FanoutEntry]
    /// Partial combinations: a row matching every pair of one entry is dropped.
    public var exclude: [[FanoutEntry]]
    /// Extra full combinations, appended after the product.
    public var include: [[FanoutEntry]]

    /// Creates a matrix; each axis's value is expected to be an array of scalars.
    public init(axes: [FanoutEntry], exclude: [[FanoutEntry]] = [], include: [[FanoutEntry]] = []) {
        self.axes = axes
        self.exclude = exclude
        self.include = include
    }
}

/// One instance's item: everything `${each…}` and `${matrix…}` can refer to, and nothing about
/// its siblings, so an instance's stage key depends on its own item only.
public struct FanoutItem: Sendable, Equatable, Hashable {
    /// The instance key: the stage `TEMPLATE@KEY`.
    public var key: String
    /// `${each.key}`: the list item's text, the map key, or the matrix values joined by `-`.
    public var eachKey: String
    /// `${each.value}`: the list item, the map value, or for a matrix an object of axis → value.
    /// A matrix item's object is made from `axes` when asked, not stored: stored, it was one
    /// dictionary per instance, a tenth of the memory of a 100,000-instance dry run.
    public var value: JSONValue {
        get { storedValue ?? Self.object(of: axes) }
        set { storedValue = Self.isObject(newValue, of: axes) ? nil : newValue }
    }
    /// `${matrix.AXIS}` values in axis order; empty for `foreach`. Changing them leaves `value` as it was.
    public var axes: [FanoutEntry] {
        didSet {
            guard storedValue == nil else { return }
            let old = Self.object(of: oldValue)
            if !Self.isObject(old, of: axes) { storedValue = old }
        }
    }
    /// `value` unless it is exactly the object of `axes`.
    private var storedValue: JSONValue?

    /// Creates an item.
    public init(key: String, eachKey: String, value: JSONValue, axes: [FanoutEntry] = []) {
        self.key = key
        self.eachKey = eachKey
        self.axes = axes
        storedValue = Self.isObject(value, of: axes) ? nil : value
    }

    private static func object(of axes: [FanoutEntry]) -> JSONValue {
        var members: [String: JSONValue] = [:]
        members.reserveCapacity(axes.count)
        for axis in axes { members[axis.key] = axis.value }
        return .object(members)
    }

    /// Whether `value` is the object of axis → value that `axes` make (never for no axes).
    private static func isObject(_ value: JSONValue, of axes: [FanoutEntry]) -> Bool {
        guard !axes.isEmpty, case .object(let members) = value, members.count == axes.count else { return false }
        return axes.allSatisfy { members[$0.key] == $0.value }
    }

    /// What a placeholder `${SCOPE.NAME}` means for this item.
    public enum Resolution: Sendable, Equatable {
        /// The value it expands to.
        case value(JSONValue)
        /// `each` or `matrix`, but naming nothing; `suggestion` is a close name that exists.
        case undefined(suggestion: String?)
        /// Not an `each` or `matrix` placeholder.
        case notThisScope
    }

    /// Resolves `${scope.name}`: `each.key`, `each.value`, `each.value.FIELD[.FIELD…]`,
    /// `matrix.AXIS`. The suggestion is spelled as the whole placeholder body (`each.value.filter`).
    public func resolve(scope: String, name: String?) -> Resolution {
        switch scope {
        case "each":
            guard let name else { return .undefined(suggestion: "each.key") }
            if name == "key" { return .value(.string(eachKey)) }
            var parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts[0] == "value" else {
                // A typo in the first word: suggest the corrected name only when it names something.
                guard let fixed = Spelling.suggestion(for: parts[0], among: ["key", "value"]) else { return .undefined(suggestion: nil) }
                parts[0] = fixed
                let corrected = parts.joined(separator: ".")
                if case .value = resolve(scope: "each", name: corrected) { return .undefined(suggestion: "each." + corrected) }
                return .undefined(suggestion: nil)
            }
            var current = value
            for (depth, part) in parts.enumerated().dropFirst() {
                guard case .object(let members) = current else { return .undefined(suggestion: nil) }
                guard let next = members[part] else {
                    // Compare the misspelt field with its siblings only, so the hint is a near miss.
                    guard let fixed = Spelling.suggestion(for: part, among: members.keys.sorted()) else { return .undefined(suggestion: nil) }
                    parts[depth] = fixed
                    return .undefined(suggestion: "each." + parts[...depth].joined(separator: "."))
                }
                current = next
            }
            return .value(current)
        case "matrix":
            if let name, let axis = axes.first(where: { $0.key == name }) { return .value(axis.value) }
            return .undefined(suggestion: suggestion(for: "matrix." + (name ?? "")))
        default:
            return .notThisScope
        }
    }

    /// Every placeholder body this item defines (`each.key`, `each.value`, `each.value.label`,
    /// `matrix.model`, …), for spelling suggestions.
    public var placeholderNames: [String] {
        var names = ["each.key", "each.value"]
        var stack: [(String, JSONValue)] = [("each.value", value)]
        while let (prefix, current) = stack.popLast() {
            guard case .object(let members) = current else { continue }
            for key in members.keys.sorted() {
                names.append(prefix + "." + key)
                stack.append((prefix + "." + key, members[key]!))
            }
        }
        return names + axes.map { "matrix." + $0.key }
    }

    private func suggestion(for written: String) -> String? {
        Spelling.suggestion(for: written, among: placeholderNames)
    }

    /// `[A-Za-z0-9_.+-]+`: the characters an instance key may hold.
    public static func isKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy(isKeyByte)
    }

    /// A data level as a key: each run of characters outside `[A-Za-z0-9_.+-]` becomes one `_`,
    /// with none at either end (`Skin Cancer, Non-Melanoma` → `Skin_Cancer_Non-Melanoma`);
    /// `nil` when nothing is left.
    public static func key(forLevel level: String) -> String? {
        var out: [UInt8] = []
        var pendingSeparator = false
        for c in level.utf8 {
            if isKeyByte(c) {
                if pendingSeparator && !out.isEmpty { out.append(UInt8(ascii: "_")) }
                pendingSeparator = false
                out.append(c)
            } else {
                pendingSeparator = true
            }
        }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }

    static func isKeyByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
    }
}

/// A mistake found while expanding a fan-out, with the item it concerns so the loader can point
/// at that item's line.
public struct FanoutProblem: Sendable, Equatable, CustomStringConvertible {
    /// What the problem concerns.
    public enum Origin: Sendable, Equatable, Hashable {
        /// The `foreach:`/`matrix:` value as a whole.
        case spec
        /// The item at this index of the list or map (0-based).
        case item(Int)
        /// The `name:` template.
        case name
        /// An entry of `exclude:` (0-based).
        case exclude(Int)
        /// An entry of `include:` (0-based).
        case include(Int)
    }

    /// The message, naming the stage and the item.
    public var message: String
    /// Where it points.
    public var origin: Origin

    /// Creates a problem.
    public init(_ message: String, origin: Origin) {
        self.message = message
        self.origin = origin
    }

    public var description: String { message }
}

/// The items of a fan-out, or every problem found.
public struct FanoutExpansion: Sendable, Equatable {
    /// Instances in order; meaningful only when `problems` is empty.
    public var items: [FanoutItem]
    /// Every mistake, in the order found.
    public var problems: [FanoutProblem]
}
