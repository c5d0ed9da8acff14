import StudyCore
import StudyStore

/// The software environment a stage ran in, as its record keeps it (`"environment"` in
/// `stages/<id>.json`): the container image, its content digest and the runtime; the host tools
/// its command called; whether it ran under bubblewrap. Absent members are left out of the JSON,
/// and a stage with none has no `"environment"` at all.
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

    /// The container a stage ran in: the action record's own type, so the two never disagree.
    public typealias Container = ContainerUse

    /// The container, nil for a host stage.
    public var container: Container?
    /// Host tools (`"tools"`), nil when none were recorded.
    public var tools: [Tool]?
    /// `true` when the stage executed sandboxed (`sandbox: true` or `run --sandbox`).
    public var sandbox: Bool?

    /// Creates an environment; every member is optional.
    public init(container: Container? = nil, tools: [Tool]? = nil, sandbox: Bool? = nil) {
        self.container = container
        self.tools = tools
        self.sandbox = sandbox
    }

    /// Whether there is nothing to record (then the record has no `"environment"`).
    public var isEmpty: Bool { container == nil && tools == nil && sandbox == nil }

    /// The JSON object, absent members omitted.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let container { members["container"] = container.json }
        if let tools {
            members["tools"] = .array(tools.map { tool in
                .object(["name": .string(tool.name), "path": .string(tool.path), "sha256": .string(tool.sha256.hex),
                         "version": .string(tool.version)])
            })
        }
        if let sandbox { members["sandbox"] = .bool(sandbox) }
        return .object(members)
    }

    /// Reads `json` back; nil when it holds no member this version knows (unknown members, a
    /// newer version's, are ignored).
    public init?(json: JSONValue) {
        let tools = json["tools"].map { $0.arrayValue.compactMap { value -> Tool? in
            guard let name = value["name"]?.stringValue, let path = value["path"]?.stringValue,
                  let digest = value["sha256"]?.stringValue.flatMap({ Digest(hex: $0) }) else { return nil }
            return Tool(name: name, path: path, sha256: digest, version: value["version"]?.stringValue ?? "")
        } }
        self.init(container: json["container"].flatMap(Container.init(json:)), tools: tools, sandbox: json["sandbox"]?.boolValue)
        if isEmpty { return nil }
    }
}

extension ContainerUse {
    /// `environment.container` in a stage record.
    var json: JSONValue {
        .object(["image": .string(image), "digest": .string(digest), "runtime": .string(runtime),
                 "runtime_version": .string(runtimeVersion)])
    }

    /// Reads `environment.container` back; nil without an image and a digest.
    init?(json: JSONValue) {
        guard let image = json["image"]?.stringValue, let digest = json["digest"]?.stringValue else { return nil }
        self.init(image: image, digest: digest, runtime: json["runtime"]?.stringValue ?? "",
                  runtimeVersion: json["runtime_version"]?.stringValue ?? "")
    }
}
