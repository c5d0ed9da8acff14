import StudyCore

/// What the store remembers of one successful execution of a stage: the key it ran under, the
/// facts that went into the key (so `status` can say *what* changed), and the outputs it made.
public struct ActionRecord: Equatable, Sendable {
    /// Stage id.
    public var stage: String
    /// The stage key.
    public var key: Digest
    /// `shell` or the built-in kind with its implementation version (`survival/cox@1`).
    public var kind: String
    /// Digest of the command template (`run` text) or of the built-in's `with`, before parameters.
    public var commandDigest: Digest
    /// Parameters that entered the key, as canonical JSON text.
    public var params: [String: String]
    /// Environment variables that entered the key: the digest of each value, `nil` when unset.
    public var env: [String: Digest?]
    /// Inputs that entered the key, in key order.
    public var inputs: [InputState]
    /// Outputs as stored.
    public var outputs: [OutputState]
    /// The container the stage ran in (its digest entered the key); nil for a host stage.
    public var container: ContainerUse?
    /// The programs the stage ran (those `tools:` lists are in the key); empty when none were found.
    public var tools: [ToolState] = []

    /// Creates a record.
    public init(stage: String, key: Digest, kind: String, commandDigest: Digest, params: [String: String] = [:],
                env: [String: Digest?] = [:], inputs: [InputState] = [], outputs: [OutputState] = [],
                container: ContainerUse? = nil, tools: [ToolState] = []) {
        self.container = container
        self.tools = tools
        self.stage = stage
        self.key = key
        self.kind = kind
        self.commandDigest = commandDigest
        self.params = params
        self.env = env
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// The image a stage ran in and the runtime that ran it, as `status` explains a changed image
/// and provenance records it.
public struct ContainerUse: Equatable, Sendable {
    /// The reference as written (`localhost/tools:1`).
    public var image: String
    /// The image's content digest (its image ID, `sha256:…`), which entered the stage key.
    public var digest: String
    /// `podman`, `docker` or `apptainer`.
    public var runtime: String
    /// The runtime's version (`4.3.1`), empty when it could not be read.
    public var runtimeVersion: String

    /// Creates a container use.
    public init(image: String, digest: String, runtime: String, runtimeVersion: String) {
        self.image = image
        self.digest = digest
        self.runtime = runtime
        self.runtimeVersion = runtimeVersion
    }
}

/// An input's path and the digest of its content when the stage key was computed.
public struct InputState: Equatable, Sendable {
    public var path: String
    public var digest: Digest

    /// Creates an input state.
    public init(path: String, digest: Digest) {
        self.path = path
        self.digest = digest
    }
}

extension ActionRecord {
    func encode(into w: inout BinaryWriter) {
        w.write(stage)
        w.write(key)
        w.write(kind)
        w.write(commandDigest)
        w.write(UInt64(params.count))
        for name in params.keys.sorted() { w.write(name); w.write(params[name]!) }
        w.write(UInt64(env.count))
        for name in env.keys.sorted() {
            w.write(name)
            if let digest = env[name]! { w.write(true); w.write(digest) } else { w.write(false) }
        }
        w.write(UInt64(inputs.count))
        for input in inputs { w.write(input.path); w.write(input.digest) }
        w.write(UInt64(outputs.count))
        for output in outputs {
            w.write(output.path)
            w.write(output.digest)
            w.write(Int(output.size))
            w.write(output.isDirectory)
            w.write(output.isExecutable)
        }
        // Optional facts follow as tagged sections, so records without them keep their bytes and
        // older records (which end here) still read: tag 1 is the container, tag 2 the tools.
        if let container {
            w.write(Self.containerSection)
            for text in [container.image, container.digest, container.runtime, container.runtimeVersion] { w.write(text) }
        }
        encodeTools(into: &w)
    }

    init(from r: inout BinaryReader) throws(BinaryFormatError) {
        stage = try r.readString()
        key = try r.readDigest()
        kind = try r.readString()
        commandDigest = try r.readDigest()
        params = [:]
        for _ in 0..<(try r.readCount()) { let name = try r.readString(); params[name] = try r.readString() }
        env = [:]
        for _ in 0..<(try r.readCount()) {
            let name = try r.readString()
            env[name] = try r.readBool() ? .some(try r.readDigest()) : .some(nil)
        }
        inputs = []
        for _ in 0..<(try r.readCount()) { inputs.append(InputState(path: try r.readString(), digest: try r.readDigest())) }
        outputs = []
        for _ in 0..<(try r.readCount()) {
            outputs.append(OutputState(path: try r.readString(), digest: try r.readDigest(), size: Int64(try r.readInt()),
                                       isDirectory: try r.readBool(), isExecutable: try r.readBool()))
        }
        container = nil
        sections: while !r.isAtEnd {
            switch try r.readUInt() {
            case Self.containerSection:
                container = ContainerUse(image: try r.readString(), digest: try r.readString(), runtime: try r.readString(),
                                         runtimeVersion: try r.readString())
            case Self.toolsSection:
                try decodeTools(from: &r)
            default:
                // A newer version's section: its payload cannot be skipped, so reading stops here.
                break sections
            }
        }
    }
}
