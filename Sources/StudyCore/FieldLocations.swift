/// Where each field of a stage's `with:` is written, by field path (`with`, `with.covariates[2]`,
/// `with.columns.age.type`), so a problem found in one value points at that value's line and
/// column instead of the stage's. (Inputs and outputs carry their own locations; see
/// `Stage.location(forProblem:)`.)
public struct FieldLocations: Sendable, Equatable {
    /// Where each field's value starts.
    public private(set) var values: [String: SourceLocation]
    /// Where each mapping member's key is written (`with.conf_typ` for `conf_typ: log`).
    public private(set) var keys: [String: SourceLocation]

    /// Creates a table; empty for stages built in code.
    public init(values: [String: SourceLocation] = [:], keys: [String: SourceLocation] = [:]) {
        self.values = values
        self.keys = keys
    }

    /// Records where the value at `path` starts.
    public mutating func setValue(_ path: String, _ location: SourceLocation) { values[path] = location }

    /// Records where the key of the member at `path` is written.
    public mutating func setKey(_ path: String, _ location: SourceLocation) { keys[path] = location }

    /// The value at `path`, or the nearest enclosing field that is written: a missing
    /// `with.covariates` points at `with`, and `with.covariates[2]` after `${params.covs}`
    /// expanded into a list points at the placeholder.
    public func location(of path: String) -> SourceLocation? {
        var path = Substring(path)
        while true {
            if let location = values[String(path)] { return location }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { return nil }
            path = path[..<cut]
        }
    }

    /// The location a stage kind's problem line refers to. Such lines start with the field path
    /// and a colon (`with.ties: must be efron or breslow`); an unknown setting points at its key
    /// (`with: unknown setting 'conf_typ'` at `conf_typ`). Nil when the line names no field.
    public func location(forProblem problem: String) -> SourceLocation? {
        guard let (path, rest) = Self.splitPath(problem) else { return nil }
        if rest.hasPrefix("unknown setting") {
            if let name = Self.quoted(rest), let key = keys[path + "." + name] { return key }
            if let key = keys[path] { return key }
        }
        return location(of: path)
    }

    /// `PATH: rest` where PATH is `with`, `inputs` or `outputs` followed by `.name` and `[index]` steps.
    /// - Complexity: O(length of the path).
    static func splitPath(_ line: String) -> (String, Substring)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let path = line[..<colon]
        let roots = ["with", "inputs", "outputs"]
        guard let root = roots.first(where: { path == $0 || path.hasPrefix($0 + ".") || path.hasPrefix($0 + "[") }) else { return nil }
        let allowed = path.dropFirst(root.count).allSatisfy { !$0.isWhitespace && $0 != "'" && $0 != "\"" }
        guard allowed else { return nil }
        let rest = line[line.index(after: colon)...].drop(while: { $0 == " " })
        return (String(path), rest)
    }

    /// The first '…'-quoted name in `text`.
    static func quoted(_ text: Substring) -> String? {
        guard let open = text.firstIndex(of: "'") else { return nil }
        let after = text[text.index(after: open)...]
        guard let close = after.firstIndex(of: "'") else { return nil }
        return String(after[..<close])
    }
}

extension Stage {
    /// Where a built-in kind's problem line points: the `with:` field it names
    /// (`with.covariates[2]: …`), the input or output it names (`outputs.result: …`), else the
    /// stage's declaration.
    public func location(forProblem problem: String) -> SourceLocation {
        if let location = fields.location(forProblem: problem) { return location }
        if let (path, _) = FieldLocations.splitPath(problem) {
            for (role, artifacts) in [("inputs.", inputs), ("outputs.", outputs)] where path.hasPrefix(role) {
                let name = path.dropFirst(role.count).prefix { $0 != "." && $0 != "[" }
                if let artifact = artifacts.first(where: { $0.name == String(name) }) { return artifact.location }
            }
        }
        return location
    }
}
