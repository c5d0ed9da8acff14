import StudyCore

/// One stage's part of a run, stored as `stages/<id>.json` in the run's commit.
///
/// Everything in it is a fact of the stage's execution, not of the run that reports it: a stage
/// cached in run 7 and run 8 has byte-identical records, so consecutive runs share the blob and
/// the ledger writes only the records that changed. Hence `seconds` is the execution time of a
/// stage that ran, restored or failed and 0 for a cached or skipped one.
public struct StageRecord: Equatable, Sendable {
    /// An artifact the stage read or wrote, with its SHA-256 and size when known.
    public struct File: Equatable, Sendable {
        /// Workspace-relative path (a directory output has no trailing slash; see `isDirectory`).
        public var path: String
        /// SHA-256 of the bytes (of the manifest for a directory); nil when unknown (a failed stage).
        public var sha256: Digest?
        /// Size in bytes; nil when unknown.
        public var size: Int64?
        /// Whether the artifact is a directory.
        public var isDirectory: Bool

        /// Creates a file entry.
        public init(path: String, sha256: Digest?, size: Int64?, isDirectory: Bool = false) {
            self.path = path
            self.sha256 = sha256
            self.size = size
            self.isDirectory = isDirectory
        }
    }

    /// Stage id.
    public var stage: String
    /// `shell` or the built-in kind with its implementation version.
    public var kind: String
    /// The stage key (nil for a stage that failed or was skipped: no key was recorded).
    public var key: Digest?
    /// Parameters that entered the key.
    public var params: [String: JSONValue]
    /// Inputs that entered the key.
    public var inputs: [File]
    /// Outputs as stored.
    public var outputs: [File]
    /// How the stage ended (`ran`, `cached`, `restored`, `failed`, `skipped`, `interrupted`); a
    /// status this version does not know is kept verbatim (see `Recorded`).
    public var status: Recorded<StageStatus>
    /// Exit status of a stage that ran (0) or failed with one.
    public var exitStatus: Int32?
    /// Seconds spent executing (0 for cached and skipped stages, see above).
    public var seconds: Double
    /// The executor that ran it (`local`).
    public var executor: String
    /// A batch executor's job id (SLURM); nil for the local executor.
    public var jobID: String?
    /// The environment it ran in (container, host tools, sandbox); nil for none, and then omitted.
    public var environment: StageEnvironment?

    /// Creates a record.
    public init(stage: String, kind: String, key: Digest?, params: [String: JSONValue] = [:], inputs: [File] = [],
                outputs: [File] = [], status: Recorded<StageStatus>, exitStatus: Int32? = nil, seconds: Double = 0,
                executor: String = "local", jobID: String? = nil, environment: StageEnvironment? = nil) {
        self.environment = environment.flatMap { $0.isEmpty ? nil : $0 }
        self.stage = stage
        self.kind = kind
        self.key = key
        self.params = params
        self.inputs = inputs
        self.outputs = outputs
        self.status = status
        self.exitStatus = exitStatus
        self.seconds = seconds
        self.executor = executor
        self.jobID = jobID
    }

    /// The canonical JSON object.
    public var json: JSONValue {
        func file(_ f: File) -> JSONValue {
            var o: [String: JSONValue] = ["path": .string(f.path), "sha256": f.sha256.map { .string($0.hex) } ?? .null,
                                          "size": f.size.map { .integer(Int($0)) } ?? .null]
            if f.isDirectory { o["directory"] = .bool(true) }
            return .object(o)
        }
        var members: [String: JSONValue] = [
            "stage": .string(stage), "kind": .string(kind), "key": key.map { .string($0.hex) } ?? .null,
            "params": .object(params), "inputs": .array(inputs.map(file)), "outputs": .array(outputs.map(file)),
            "status": .string(status.rawValue), "exitStatus": exitStatus.map { .integer(Int($0)) } ?? .null,
            // Milliseconds are plenty and keep the record short.
            "seconds": .number((seconds * 1000).rounded() / 1000), "executor": .string(executor),
            "job": jobID.map(JSONValue.string) ?? .null,
        ]
        if let environment, !environment.isEmpty { members["environment"] = environment.json }
        return .object(members)
    }

    /// A digest of every field `encoded` writes, so the ledger can find the record's blob in its
    /// cache without encoding it. Bump the tag when the JSON layout changes.
    var fingerprint: Digest {
        var b = DigestBuilder()
        b.field("studyflow stage record 1")
        b.field(stage)
        b.field(kind)
        if let key { b.field(1); b.field(key) } else { b.field(0) }
        b.field(JSONValue.object(params).canonicalJSON)
        for (tag, files) in [("inputs", inputs), ("outputs", outputs)] {
            b.field(tag)
            b.field(UInt64(files.count))
            for f in files {
                b.field(f.path)
                if let digest = f.sha256 { b.field(1); b.field(digest) } else { b.field(0) }
                b.field(f.size.map { UInt64(bitPattern: $0) + 1 } ?? 0)
                b.field(f.isDirectory ? 1 : 0)
            }
        }
        b.field(status.rawValue)
        b.field(exitStatus.map { UInt64(bitPattern: Int64($0)) &+ 1 } ?? 0)
        b.field(JSONValue.format((seconds * 1000).rounded() / 1000))
        b.field(executor)
        b.field(jobID ?? "-")
        // Only when present, so records without an environment keep their fingerprints.
        if let environment, !environment.isEmpty { b.field("environment"); b.field(environment.json.canonicalJSON) }
        return b.finalize()
    }

    /// The record a later run in which this stage was cached gives it: the same key, inputs and
    /// outputs, no execution (status `cached`, no exit status, 0 seconds, no job).
    public var asCached: StageRecord {
        var record = self
        record.status = .known(.cached)
        record.exitStatus = nil
        record.seconds = 0
        record.jobID = nil
        return record
    }

    /// The bytes of `stages/<id>.json`.
    public var encoded: [UInt8] { Array(JSONText.pretty(json).utf8) }

    /// Reads a record back; nil when the JSON is not a stage record.
    public init?(json: JSONValue) {
        guard let stage = json["stage"]?.stringValue, let status = json["status"]?.stringValue else { return nil }
        func file(_ v: JSONValue) -> File? {
            guard let path = v["path"]?.stringValue else { return nil }
            return File(path: path, sha256: v["sha256"]?.stringValue.flatMap { Digest(hex: $0) },
                        size: v["size"]?.intValue.map(Int64.init), isDirectory: v["directory"]?.boolValue ?? false)
        }
        self.init(stage: stage, kind: json["kind"]?.stringValue ?? "", key: json["key"]?.stringValue.flatMap { Digest(hex: $0) },
                  params: json["params"]?.objectValue ?? [:], inputs: (json["inputs"]?.arrayValue ?? []).compactMap(file),
                  outputs: (json["outputs"]?.arrayValue ?? []).compactMap(file), status: Recorded(rawValue: status),
                  exitStatus: json["exitStatus"]?.intValue.map(Int32.init), seconds: json["seconds"]?.doubleValue ?? 0,
                  executor: json["executor"]?.stringValue ?? "local", jobID: json["job"]?.stringValue,
                  environment: json["environment"].flatMap(StageEnvironment.init(json:)))
    }
}
