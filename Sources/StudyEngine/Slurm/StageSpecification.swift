import StudyCore
import StudyStore

/// A built-in stage frozen by the submitting process, for `studyflow exec-stage` on a node: the
/// kind (name and version) and every field of its `StageKindContext`. The job runs exactly this,
/// so it never re-plans, re-resolves parameters or recomputes keys.
///
/// Stored as JSON that keeps integers and fractional numbers apart (`2` and `2.0`), so the node
/// sees the same `with:` values the submitter resolved. A field added to `StageKindContext`
/// belongs here too. `inputDigests` and `inputStamps` were added within format 1 as optional
/// fields: a specification without them still runs (the kind then hashes what it reads), and an
/// older binary ignores them.
public struct StageSpecification: Sendable, Equatable {
    /// Format version of the file; a binary that reads another version refuses it.
    public static let format = 1

    /// The kind's `uses:` name.
    public var kind: String
    /// The kind's implementation version at submission; the node's must match.
    public var version: Int
    /// Stage id.
    public var stage: String
    /// Absolute workspace root.
    public var root: String
    /// Inputs by name, absolute paths.
    public var inputs: [String: String]
    /// Outputs by name, absolute paths.
    public var outputs: [String: String]
    /// Resolved `with:` settings.
    public var with: JSONValue
    /// Resolved parameters.
    public var params: [String: JSONValue]
    /// Producing stage of each input another stage writes.
    public var inputProducers: [String: String]
    /// The stage key's digest of each input, by name (may be empty).
    public var inputDigests: [String: Digest]
    /// The submitter's `stat` of each single-file input before it was hashed (may be empty); on a
    /// node whose file system reports other values the kind hashes instead.
    public var inputStamps: [String: FileStat]
    /// Gathered inputs by name, absolute paths (optional within format 1, like `inputDigests`).
    public var gathered: [String: [GatheredInput]]
    /// The upstream lineage the kind is told (`StageKindContext.lineage`; optional within format 1).
    public var lineage: JSONValue = .null

    /// Freezes `context` for a stage of `kind`.
    public init(kind: any StageKind, context: StageKindContext) {
        self.kind = kind.name
        version = kind.version
        stage = context.stage
        root = context.root
        inputs = context.inputs
        outputs = context.outputs
        with = context.with
        params = context.params
        inputProducers = context.inputProducers
        inputDigests = context.inputDigests
        // `readInput` reads regular files only, and the format stores a stamp as one.
        inputStamps = context.inputStamps.filter { $0.value.kind == .file }
        gathered = context.gathered
        lineage = context.lineage
    }

    /// The context a node runs the kind with; `log` receives its log lines.
    public func context(log: @escaping @Sendable (String) -> Void) -> StageKindContext {
        var context = StageKindContext(stage: stage, root: root, inputs: inputs, outputs: outputs, with: with, params: params,
                         inputProducers: inputProducers, inputDigests: inputDigests, inputStamps: inputStamps, gathered: gathered, log: log)
        context.lineage = lineage
        return context
    }

    /// The JSON text written to `STAGE.spec.json`.
    public var json: String {
        func strings(_ map: [String: String]) -> JSONValue { .object(map.mapValues { .string($0) }) }
        var fields: [String: JSONValue] = [
            "format": .integer(Self.format), "kind": .string(kind), "version": .integer(version),
            "stage": .string(stage), "root": .string(root), "inputs": strings(inputs), "outputs": strings(outputs),
            "with": with, "params": .object(params), "inputProducers": strings(inputProducers),
            "inputDigests": .object(inputDigests.mapValues { .string($0.hex) }),
            "inputStamps": .object(inputStamps.mapValues(Self.encode)),
            "gathered": .object(gathered.mapValues { .array($0.map(Self.encode)) }),
        ]
        if case .null = lineage {} else { fields["lineage"] = lineage }
        return JSONValue.object(fields).typedJSON + "\n"
    }

    /// Reads a specification written by `json`; the error names the field that is wrong.
    public init(json text: String) throws(SpecificationError) {
        let value: JSONValue
        do { value = try JSONValue.parse(Array(text.utf8)) } catch { throw SpecificationError(message: "\(error)") }
        guard case .object(let fields) = value else { throw SpecificationError(message: "not a JSON object") }
        func string(_ name: String) throws(SpecificationError) -> String {
            guard case .string(let s)? = fields[name] else { throw SpecificationError(message: "field '\(name)' must be a string") }
            return s
        }
        func integer(_ name: String) throws(SpecificationError) -> Int {
            guard case .integer(let i)? = fields[name] else { throw SpecificationError(message: "field '\(name)' must be an integer") }
            return i
        }
        func object(_ name: String) throws(SpecificationError) -> [String: JSONValue] {
            guard case .object(let o)? = fields[name] else { throw SpecificationError(message: "field '\(name)' must be an object") }
            return o
        }
        func strings(_ name: String) throws(SpecificationError) -> [String: String] {
            var result: [String: String] = [:]
            for (key, value) in try object(name) {
                guard case .string(let s) = value else { throw SpecificationError(message: "field '\(name).\(key)' must be a string") }
                result[key] = s
            }
            return result
        }
        let format = try integer("format")
        guard format == Self.format else {
            throw SpecificationError(message: "format \(format) is not \(Self.format); submit and run with the same studyflow")
        }
        kind = try string("kind")
        version = try integer("version")
        stage = try string("stage")
        root = try string("root")
        inputs = try strings("inputs")
        outputs = try strings("outputs")
        guard let with = fields["with"] else { throw SpecificationError(message: "field 'with' is missing") }
        self.with = with
        params = try object("params")
        inputProducers = try strings("inputProducers")
        inputDigests = [:]
        inputStamps = [:]
        if fields["inputDigests"] != nil {
            for (name, hex) in try strings("inputDigests") {
                guard let digest = Digest(hex: hex) else {
                    throw SpecificationError(message: "field 'inputDigests.\(name)' must be 64 hex digits")
                }
                inputDigests[name] = digest
            }
        }
        if fields["inputStamps"] != nil {
            for (name, value) in try object("inputStamps") {
                guard let stamp = Self.decodeStamp(value) else {
                    throw SpecificationError(message: "field 'inputStamps.\(name)' must be {size, mtime, ctime, inode, executable}")
                }
                inputStamps[name] = stamp
            }
        }
        gathered = [:]
        if fields["gathered"] != nil {
            for (name, value) in try object("gathered") {
                guard case .array(let entries) = value, let list = Self.decodeGathered(entries) else {
                    throw SpecificationError(message: "field 'gathered.\(name)' must be a list of {label, key, stage, path}")
                }
                gathered[name] = list
            }
        }
        lineage = fields["lineage"] ?? .null
    }

    private static func encode(_ entry: GatheredInput) -> JSONValue {
        .object(["label": .string(entry.label), "key": .string(entry.key), "stage": .string(entry.stage), "path": .string(entry.path)])
    }

    private static func decodeGathered(_ entries: [JSONValue]) -> [GatheredInput]? {
        var list: [GatheredInput] = []
        for entry in entries {
            guard case .object(let f) = entry, case .string(let label)? = f["label"], case .string(let key)? = f["key"],
                  case .string(let stage)? = f["stage"], case .string(let path)? = f["path"] else { return nil }
            list.append(GatheredInput(label: label, key: key, stage: stage, path: path))
        }
        return list
    }

    /// A single file's `stat` as the specification stores it.
    private static func encode(_ stamp: FileStat) -> JSONValue {
        .object(["size": .integer(Int(stamp.size)), "mtime": .integer(Int(stamp.mtime)), "ctime": .integer(Int(stamp.ctime)),
                 "inode": .integer(Int(truncatingIfNeeded: stamp.inode)), "executable": .bool(stamp.isExecutable)])
    }

    private static func decodeStamp(_ value: JSONValue) -> FileStat? {
        guard case .object(let f) = value, case .integer(let size)? = f["size"], case .integer(let mtime)? = f["mtime"],
              case .integer(let ctime)? = f["ctime"], case .integer(let inode)? = f["inode"],
              case .bool(let executable)? = f["executable"] else { return nil }
        return FileStat(size: Int64(size), mtime: Int64(mtime), ctime: Int64(ctime), inode: UInt64(bitPattern: Int64(inode)),
                        isExecutable: executable, kind: .file)
    }
}

/// A stage specification file that cannot be used.
public struct SpecificationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    public var description: String { message }
}
