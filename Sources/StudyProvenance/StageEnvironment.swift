import StudyCore

/// The software environment one stage ran in, as its record states it (`"environment"` in
/// `stages/<id>.json`): whether it ran under bubblewrap. Absent members are omitted from the JSON,
/// and a stage with none has no `"environment"` at all, so older records read the same.
public struct StageEnvironment: Equatable, Sendable {
    /// `true` when the stage executed sandboxed (`sandbox: true` or `run --sandbox`).
    public var sandbox: Bool?

    /// Creates an environment; every member is optional.
    public init(sandbox: Bool? = nil) {
        self.sandbox = sandbox
    }

    /// Whether no member is set (then the record has no `"environment"`).
    public var isEmpty: Bool { sandbox == nil }

    /// The JSON object, set members only.
    public var json: JSONValue {
        var o: [String: JSONValue] = [:]
        if let sandbox { o["sandbox"] = .bool(sandbox) }
        return .object(o)
    }

    /// Reads `"environment"` back; nil when it holds no member this version knows.
    public init?(json: JSONValue) {
        let sandbox = json["sandbox"]?.boolValue
        guard sandbox != nil else { return nil }
        self.init(sandbox: sandbox)
    }
}
