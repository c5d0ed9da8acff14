import StudyCore

/// The values that differ between two JSON documents, each named by a path a reader can follow:
/// `terms[term=liver_status=Liver metastasis].hr`, `curves[group=female].median`, `steps[3].surv`.
///
/// Objects are compared member by member. An array of objects is matched element to element by a
/// natural key — the first of `naturalKeys` that every element of both arrays holds as a distinct
/// string or number — so a term added to a Cox model does not shift every later term; any other
/// array is matched by index. Generic over JSON, so every built-in result kind (and a shell
/// stage's JSON) is compared the same way.
public struct JSONResultDiff: Sendable {
    /// One value that differs; nil on one side when the member or element exists on the other only.
    public struct Change: Equatable, Sendable {
        /// Path inside the document (empty for the root).
        public var path: String
        /// The value in the older and the newer document.
        public var old: JSONValue?
        public var new: JSONValue?

        /// Both sides are numbers: the change `--tolerance` can hide.
        public var isNumeric: Bool { old?.doubleValue != nil && new?.doubleValue != nil }
    }

    /// Member names that identify an element of an array of objects, most telling first.
    public static let naturalKeys = ["term", "group", "name", "id", "stage", "arm", "level", "strata", "variable", "column",
                                     "scenario", "key", "path", "time"]

    /// A numeric change is hidden when |new − old| ≤ tolerance × max(1, |old|, |new|): absolute
    /// below 1, relative above (0 shows every change).
    public var tolerance: Double

    /// Creates a comparison hiding numeric changes within `tolerance`.
    public init(tolerance: Double = 0) { self.tolerance = tolerance }

    /// Every difference between `old` and `new`, in document order of `new` (then removals).
    public func changes(from old: JSONValue, to new: JSONValue) -> [Change] {
        var out: [Change] = []
        compare(old, new, path: "", into: &out)
        return out
    }

    /// Whether two numbers differ by more than the tolerance.
    public func moved(_ a: Double, _ b: Double) -> Bool {
        if a == b { return false }
        if a.isNaN && b.isNaN { return false }
        guard a.isFinite, b.isFinite else { return true }
        return abs(b - a) > tolerance * max(1, abs(a), abs(b))
    }

    private func compare(_ old: JSONValue, _ new: JSONValue, path: String, into out: inout [Change]) {
        switch (old, new) {
        case (.object(let a), .object(let b)):
            for name in b.keys.sorted() {
                let member = path.isEmpty ? name : path + "." + name
                if let before = a[name] { compare(before, b[name]!, path: member, into: &out) } else { out.append(.init(path: member, old: nil, new: b[name])) }
            }
            for name in a.keys.sorted() where b[name] == nil {
                out.append(.init(path: path.isEmpty ? name : path + "." + name, old: a[name], new: nil))
            }
        case (.array(let a), .array(let b)):
            compareArrays(a, b, path: path, into: &out)
        default:
            if let x = old.doubleValue, let y = new.doubleValue {
                if moved(x, y) { out.append(.init(path: path, old: old, new: new)) }
            } else if old != new {
                out.append(.init(path: path, old: old, new: new))
            }
        }
    }

    private func compareArrays(_ a: [JSONValue], _ b: [JSONValue], path: String, into out: inout [Change]) {
        guard let key = Self.naturalKey(a, b) else {
            for i in 0..<max(a.count, b.count) {
                let element = "\(path)[\(i)]"
                switch (i < a.count, i < b.count) {
                case (true, true): compare(a[i], b[i], path: element, into: &out)
                case (false, _): out.append(.init(path: element, old: nil, new: b[i]))
                case (_, false): out.append(.init(path: element, old: a[i], new: nil))
                }
            }
            return
        }
        var before: [String: JSONValue] = [:]
        for element in a { before[Self.identity(element, key)!] = element }
        var seen: Set<String> = []
        for element in b {
            let id = Self.identity(element, key)!
            seen.insert(id)
            let name = "\(path)[\(key)=\(id)]"
            if let old = before[id] { compare(old, element, path: name, into: &out) } else { out.append(.init(path: name, old: nil, new: element)) }
        }
        for element in a {
            let id = Self.identity(element, key)!
            if !seen.contains(id) { out.append(.init(path: "\(path)[\(key)=\(id)]", old: element, new: nil)) }
        }
    }

    /// The first natural key every element of both arrays holds as a distinct scalar, nil if none.
    static func naturalKey(_ a: [JSONValue], _ b: [JSONValue]) -> String? {
        guard !(a.isEmpty && b.isEmpty) else { return nil }
        candidates: for key in naturalKeys {
            for side in [a, b] {
                var seen: Set<String> = []
                for element in side {
                    guard let id = identity(element, key), seen.insert(id).inserted else { continue candidates }
                }
            }
            return key
        }
        return nil
    }

    /// The element's natural key value as text (strings as written, numbers canonical).
    static func identity(_ element: JSONValue, _ key: String) -> String? {
        guard case .object(let members) = element, let value = members[key] else { return nil }
        switch value {
        case .string(let s): return s
        case .integer, .number: return value.canonicalJSON
        default: return nil
        }
    }
}
