import StudyCore

/// What the store remembers of one successful execution of a stage: the key it ran under, the
/// facts that went into the key (so `status` can say *what* changed), and the outputs it made.
///
/// The facts live in one shared, immutable allocation: a run holds each new record three times
/// at once (the action log's latest, the stage's result, the run summary), and as a plain struct
/// every copy was ~200 bytes of its holder (megabytes of a 10,000-stage cold run's peak memory).
/// Setting a property gives this record a fresh copy of the facts, so records stay values.
public struct ActionRecord: Equatable, Sendable {
    /// The stored facts; see the public properties of the same names.
    struct Facts: Equatable, Sendable {
        var stage: String
        var key: Digest
        var kind: String
        var commandDigest: Digest
        var params: [String: String]
        var env: [String: Digest?]
        var inputs: [InputState]
        var outputs: [OutputState]
        var container: ContainerUse?
        var tools: [ToolState]
    }

    /// Never mutated after creation, so records on several threads can share it.
    final class Box: Sendable {
        let facts: Facts
        init(_ facts: Facts) { self.facts = facts }
    }

    private var box: Box

    /// The facts; setting them (through any public property) allocates this record's own copy.
    var facts: Facts {
        get { box.facts }
        set { box = Box(newValue) }
    }

    /// Stage id.
    public var stage: String { get { box.facts.stage } set { facts.stage = newValue } }
    /// The stage key.
    public var key: Digest { get { box.facts.key } set { facts.key = newValue } }
    /// `shell` or the built-in kind with its implementation version (`survival/cox@1`).
    public var kind: String { get { box.facts.kind } set { facts.kind = newValue } }
    /// Digest of the command template (`run` text) or of the built-in's `with`, before parameters.
    public var commandDigest: Digest { get { box.facts.commandDigest } set { facts.commandDigest = newValue } }
    /// Parameters that entered the key, as canonical JSON text.
    public var params: [String: String] { get { box.facts.params } set { facts.params = newValue } }
    /// Environment variables that entered the key: the digest of each value, `nil` when unset.
    public var env: [String: Digest?] { get { box.facts.env } set { facts.env = newValue } }
    /// Inputs that entered the key, in key order.
    public var inputs: [InputState] { get { box.facts.inputs } set { facts.inputs = newValue } }
    /// Outputs as stored.
    public var outputs: [OutputState] { get { box.facts.outputs } set { facts.outputs = newValue } }
    /// The container the stage ran in (its digest entered the key); nil for a host stage.
    public var container: ContainerUse? { get { box.facts.container } set { facts.container = newValue } }
    /// The programs the stage ran (those `tools:` lists are in the key); empty when none were found.
    public var tools: [ToolState] { get { box.facts.tools } set { facts.tools = newValue } }

    /// Creates a record.
    public init(stage: String, key: Digest, kind: String, commandDigest: Digest, params: [String: String] = [:],
                env: [String: Digest?] = [:], inputs: [InputState] = [], outputs: [OutputState] = [],
                container: ContainerUse? = nil, tools: [ToolState] = []) {
        box = Box(Facts(stage: stage, key: key, kind: kind, commandDigest: commandDigest, params: params, env: env,
                        inputs: inputs, outputs: outputs, container: container, tools: tools))
    }

    /// Whether two records hold the same facts (the same allocation, or equal values).
    public static func == (a: ActionRecord, b: ActionRecord) -> Bool {
        a.box === b.box || a.box.facts == b.box.facts
    }

    /// Whether `self` and `other` share one allocation of their facts (tests check that a run's
    /// copies of a record are not separate allocations).
    public func sharesStorage(with other: ActionRecord) -> Bool { box === other.box }
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
        let stage = try r.readString()
        let key = try r.readDigest()
        let kind = try r.readString()
        let commandDigest = try r.readDigest()
        var params: [String: String] = [:]
        for _ in 0..<(try r.readCount()) { let name = try r.readString(); params[name] = try r.readString() }
        var env: [String: Digest?] = [:]
        for _ in 0..<(try r.readCount()) {
            let name = try r.readString()
            env[name] = try r.readBool() ? .some(try r.readDigest()) : .some(nil)
        }
        var inputs: [InputState] = []
        for _ in 0..<(try r.readCount()) { inputs.append(InputState(path: try r.readString(), digest: try r.readDigest())) }
        var outputs: [OutputState] = []
        for _ in 0..<(try r.readCount()) {
            outputs.append(OutputState(path: try r.readString(), digest: try r.readDigest(), size: Int64(try r.readInt()),
                                       isDirectory: try r.readBool(), isExecutable: try r.readBool()))
        }
        var container: ContainerUse?
        var tools: [ToolState] = []
        sections: while !r.isAtEnd {
            switch try r.readUInt() {
            case Self.containerSection:
                container = ContainerUse(image: try r.readString(), digest: try r.readString(), runtime: try r.readString(),
                                         runtimeVersion: try r.readString())
            case Self.toolsSection:
                tools = try Self.decodeTools(from: &r)
            default:
                // A newer version's section: its payload cannot be skipped, so reading stops here.
                break sections
            }
        }
        self.init(stage: stage, key: key, kind: kind, commandDigest: commandDigest, params: params, env: env, inputs: inputs,
                  outputs: outputs, container: container, tools: tools)
    }
}
