import StudyCore

/// The software environment a stage ran in, as its record keeps it (`"environment"` in
/// `stages/<id>.json`): the container image, its content digest and the runtime; whether it ran
/// under bubblewrap. Absent members are left out of the JSON, and a stage with none has no
/// `"environment"` at all.
public struct StageEnvironment: Equatable, Sendable {
    /// The container a stage ran in.
    public struct Container: Equatable, Sendable {
        /// The image reference as written (`localhost/tools:1`).
        public var image: String
        /// The image's content digest (`sha256:…`), which entered the stage key.
        public var digest: String
        /// `podman`, `docker` or `apptainer`.
        public var runtime: String
        /// The runtime's version (`4.3.1`).
        public var runtimeVersion: String

        /// Creates a container entry.
        public init(image: String, digest: String, runtime: String, runtimeVersion: String) {
            self.image = image
            self.digest = digest
            self.runtime = runtime
            self.runtimeVersion = runtimeVersion
        }

        var json: JSONValue {
            .object(["image": .string(image), "digest": .string(digest), "runtime": .string(runtime),
                     "runtime_version": .string(runtimeVersion)])
        }

        init?(json: JSONValue) {
            guard let image = json["image"]?.stringValue, let digest = json["digest"]?.stringValue else { return nil }
            self.init(image: image, digest: digest, runtime: json["runtime"]?.stringValue ?? "",
                      runtimeVersion: json["runtime_version"]?.stringValue ?? "")
        }
    }

    /// The container, nil for a host stage.
    public var container: Container?
    /// `true` when the stage executed sandboxed (`sandbox: true` or `run --sandbox`).
    public var sandbox: Bool?

    /// Creates an environment; every member is optional.
    public init(container: Container? = nil, sandbox: Bool? = nil) {
        self.container = container
        self.sandbox = sandbox
    }

    /// Whether there is nothing to record (then the record has no `"environment"`).
    public var isEmpty: Bool { container == nil && sandbox == nil }

    /// The JSON object, absent members omitted.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let container { members["container"] = container.json }
        if let sandbox { members["sandbox"] = .bool(sandbox) }
        return .object(members)
    }

    /// Reads `json` back; nil when it holds no member this version knows (unknown members, a
    /// newer version's, are ignored).
    public init?(json: JSONValue) {
        self.init(container: json["container"].flatMap(Container.init(json:)), sandbox: json["sandbox"]?.boolValue)
        if isEmpty { return nil }
    }
}
