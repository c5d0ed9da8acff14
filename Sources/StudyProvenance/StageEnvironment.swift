import StudyCore

/// The software a stage ran with, in its record (`"environment"` in `stages/<id>.json`): the
/// host tools its command called. Absent members are left out of the JSON.
public struct StageEnvironment: Equatable, Sendable {
    /// A host program the stage's command called.
    public struct Tool: Equatable, Sendable {
        /// As the command (or `tools:`) named it.
        public var name: String
        /// The file it resolved to, symbolic links followed.
        public var path: String
        /// SHA-256 of that file.
        public var sha256: Digest
        /// First line of its `--version` output ("" when none).
        public var version: String

        /// Creates a tool entry.
        public init(name: String, path: String, sha256: Digest, version: String) {
            self.name = name
            self.path = path
            self.sha256 = sha256
            self.version = version
        }
    }

    /// Host tools (`"tools"`), nil when none were recorded.
    public var tools: [Tool]?

    /// Creates an environment.
    public init(tools: [Tool]? = nil) {
        self.tools = tools
    }

    /// The JSON object, with only the members present.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let tools {
            members["tools"] = .array(tools.map { tool in
                .object(["name": .string(tool.name), "path": .string(tool.path), "sha256": .string(tool.sha256.hex),
                         "version": .string(tool.version)])
            })
        }
        return .object(members)
    }

    /// Reads the JSON object back; nil when it holds nothing this version knows.
    public init?(json: JSONValue) {
        let tools = json["tools"].map { $0.arrayValue.compactMap { value -> Tool? in
            guard let name = value["name"]?.stringValue, let path = value["path"]?.stringValue,
                  let digest = value["sha256"]?.stringValue.flatMap({ Digest(hex: $0) }) else { return nil }
            return Tool(name: name, path: path, sha256: digest, version: value["version"]?.stringValue ?? "")
        } }
        guard tools != nil else { return nil }
        self.init(tools: tools)
    }

    /// Feeds every member into a record fingerprint.
    func fingerprint(into b: inout DigestBuilder) {
        b.field("environment 1")
        b.field(UInt64(tools?.count ?? 0))
        for tool in tools ?? [] { b.field(tool.name); b.field(tool.path); b.field(tool.sha256); b.field(tool.version) }
    }
}
