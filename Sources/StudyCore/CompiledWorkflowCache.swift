#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The studyflow version, recorded in compiled-workflow caches and in provenance.
public enum StudyflowVersion {
    public static let current = "0.1.0"
}

/// Loads and validates a workflow, reusing its compiled form (`.studyflow/workflows/*.bin`) when
/// the file's bytes, this build and the `--param` values are unchanged: a no-op run must not pay
/// for YAML parsing. Every workflow mistake is thrown as `WorkflowDiagnostics`; printing them is
/// the caller's business.
///
/// An entry is the magic line, the file's digest, the stamp, the file's display name, then the
/// `CompiledWorkflow` encoding; an entry that does not match in every field is ignored.
public struct CompiledWorkflowCache: Sendable {
    /// The first bytes of every entry; bump the number when the entry layout changes.
    public static let magic = Array("studyflow-compiled 5\n".utf8)

    /// The workspace root: relative paths are checked against it.
    public let root: String
    /// The entry's file, or nil to compile without reading or writing one.
    public let path: String?
    /// Identifies this build's interpretation of workflows: version and registered kinds.
    public let stamp: String
    /// The stage kinds the loader accepts in `uses:`.
    public let kinds: [String]

    /// A cache for one workflow file under `root`, stored at `path` (nil: no cache), for a build
    /// that knows the stage kinds `kinds`.
    public init(root: String, path: String?, kinds: [String]) {
        self.root = root
        self.path = path
        self.kinds = kinds
        stamp = "\(StudyflowVersion.current) \(kinds.joined(separator: ","))"
    }

    /// The compiled form of `text` (whose bytes have `digest`; `file` names it in diagnostics).
    /// `params` (`--params-file` and `--param` values) and `profile` expand `${params.NAME}` in
    /// paths, so they are part of what the cached form was compiled with; so is every file
    /// `include:` merged, whose bytes and pattern matches are checked again on a hit.
    /// Workflow mistakes throw `WorkflowDiagnostics`.
    /// A workflow with `foreach: {levels: …}` is never cached: its instances depend on a table,
    /// not only on the file; `settled` says its producing stages have run (see `LevelsTables`).
    public func load(text: String, digest: Digest, file: String, params: [String: JSONValue] = [:],
                     profile: String? = nil, settled: Bool = false) throws -> CompiledWorkflow {
        var stamp = params.isEmpty ? self.stamp : self.stamp + " " + JSONValue.object(params).canonicalJSON
        if let profile { stamp += " profile=" + profile }
        if let path, let cached = FileIO.read(path), let compiled = decode(cached, digest: digest, stamp: stamp, file: file),
           compiled.workflow.includes.isCurrent(in: files) {
            try checkSources(compiled)
            return compiled
        }
        let compiled = try compile(text: text, file: file, params: params, profile: profile, settled: settled)
        let encoded = compiled.encoded()
        if let path, compiled.workflow.levels.isEmpty, (try? FileIO.createDirectories(Self.directory(of: path))) != nil {
            var w = BinaryWriter(capacity: encoded.count + 256)
            w.append(Self.magic)
            w.write(digest)
            w.write(stamp)
            w.write(file)
            w.append(encoded)
            try? FileIO.writeAtomically(path, w.bytes, durable: false)
        }
        // Parsing YAML leaves tens of megabytes of freed nodes at 10,000 stages, interleaved with
        // the workflow built from them. Rebuild the workflow from its compact encoding once the
        // parser's memory is gone and hand the free pages back, so a run's peak memory does not
        // stack on the parser's.
        Self.returnFreedMemory()
        return try encoded.withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
    }

    /// Where `include:` reads files: the workspace on disk.
    public var files: any WorkflowFiles { DiskWorkflowFiles(root: root) }

    /// Parses and validates `text` (no cache).
    public func compile(text: String, file: String, params: [String: JSONValue] = [:],
                        profile: String? = nil, settled: Bool = false) throws(WorkflowDiagnostics) -> CompiledWorkflow {
        let workflow = try WorkflowLoader(knownKinds: kinds, paramOverrides: params, profile: profile, files: files,
                                          tables: LevelsTables(root: root, settled: settled))
            .load(text: text, file: file)
        let words = workflow.stages.map(CommandWords.candidates)
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: root)).validate(workflow, commandWords: words)
        return CompiledWorkflow(workflow: workflow, graph: graph, commandWords: words)
    }

    private func decode(_ bytes: [UInt8], digest: Digest, stamp: String, file: String) -> CompiledWorkflow? {
        bytes.withUnsafeBytes { raw -> CompiledWorkflow? in
            guard raw.count > Self.magic.count, Array(raw[0..<Self.magic.count]) == Self.magic else { return nil }
            var r = BinaryReader(raw, offset: Self.magic.count)
            guard (try? r.readDigest()) == digest, (try? r.readString()) == stamp, (try? r.readString()) == file else { return nil }
            return try? CompiledWorkflow(decoding: UnsafeRawBufferPointer(rebasing: raw[r.offset...]))
        }
    }

    /// The validator's file-system check, redone on a cache hit: source inputs must still exist.
    private func checkSources(_ compiled: CompiledWorkflow) throws(WorkflowDiagnostics) {
        let probe = DiskPathProbe(root: root)
        var diagnostics: [Diagnostic] = []
        for (id, stage) in compiled.workflow.stages.enumerated() {
            for (i, input) in stage.inputs.enumerated() where compiled.graph.inputProducers[id][i] < 0 {
                if !probe.exists(input.path) {
                    diagnostics.append(WorkflowValidator.missingInput(input, stage: stage.id))
                }
            }
        }
        guard diagnostics.isEmpty else { throw WorkflowDiagnostics(diagnostics) }
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// glibc's `malloc_trim(0)`; other C libraries hand pages back on their own.
    private static func returnFreedMemory() {
        #if canImport(Glibc)
        _ = studyflow_malloc_trim(0)
        #endif
    }
}

#if canImport(Glibc)
/// glibc's `malloc_trim(3)`; `<malloc.h>` is not part of Swift's Glibc module.
@_silgen_name("malloc_trim")
private func studyflow_malloc_trim(_ pad: Int) -> Int32
#endif
