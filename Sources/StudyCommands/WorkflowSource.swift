import StudyCore
import StudyEngine
import StudyStore

/// Finds, loads and validates a workflow file, reusing the compiled form in `.studyflow/workflows/`
/// when the file's bytes are unchanged: a no-op run must not pay for YAML parsing.
struct WorkflowSource {
    let layout: StoreLayout
    let registry: StageKindRegistry

    static let cacheMagic = Array("studyflow-compiled 2\n".utf8)

    /// The workflow file to use: the one given, or the single `*.yaml` in `Workflows/`.
    func locate(_ given: String?) throws -> (display: String, absolute: String) {
        if let given {
            let absolute = given.hasPrefix("/") ? given : layout.root + "/" + given
            guard FileStat.following(absolute) != nil else {
                throw CommandError.usage("workflow file '\(given)' does not exist")
            }
            return (given, absolute)
        }
        let directory = layout.root + "/Workflows"
        let names = ((try? FileIO.listDirectory(directory)) ?? []).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        switch names.count {
        case 1: return ("Workflows/" + names[0], directory + "/" + names[0])
        case 0: throw CommandError.usage("no workflow file: Workflows/ has no *.yaml in '\(layout.root)'; name one, or run 'studyflow init' to start")
        default: throw CommandError.usage("Workflows/ has several workflows (\(names.joined(separator: ", "))); name the one to use, e.g. 'studyflow run Workflows/\(names[0])'")
        }
    }

    /// A workflow file's name, text and digest (the bytes are not kept: at 10,000 stages every
    /// copy of the file counts against peak memory while YAML is parsed).
    struct File {
        var display: String
        var absolute: String
        var text: String
        var digest: Digest
    }

    /// Reads the workflow file to use.
    func read(_ given: String?) throws -> File {
        let (display, absolute) = try locate(given)
        if let stat = FileStat.following(absolute), stat.kind != .file {
            throw CommandError.usage("workflow file '\(display)' is not a regular file; name a *.yaml file")
        }
        do {
            // The size is checked before reading, so a huge file is refused without filling memory.
            if let size = FileIO.size(absolute) { try WorkflowLoader.checkSize(size, file: display) }
            guard let bytes = FileIO.read(absolute) else { throw CommandError.usage("cannot read workflow file '\(display)'") }
            let text = try WorkflowLoader.text(of: bytes, file: display)
            return File(display: display, absolute: absolute, text: text, digest: Digest.of(bytes))
        } catch let error as WorkflowDiagnostics {
            Console.err(error.description + "\n")
            Console.err("studyflow: 1 error in \(display); nothing was run\n")
            throw CommandError.exit(2)
        }
    }

    /// Identifies this build's interpretation of workflows: version and registered kinds.
    var stamp: String { "\(StudyflowVersion.current) \(registry.names.joined(separator: ","))" }

    /// The compiled workflow, from the cache when valid; prints diagnostics and exits 2 when invalid.
    func load(_ given: String?, useCache: Bool = true, params: [String: JSONValue] = [:]) throws -> CompiledWorkflow {
        try load(try read(given), useCache: useCache, params: params)
    }

    /// The compiled form of `file`; `params` (`--param` values) expand `${params.NAME}` in paths,
    /// so they are part of what the cached form was compiled with.
    func load(_ file: File, useCache: Bool = true, params: [String: JSONValue] = [:]) throws -> CompiledWorkflow {
        let (display, absolute, digest) = (file.display, file.absolute, file.digest)
        let cachePath = layout.compiledWorkflow(for: absolute)
        let stamp = params.isEmpty ? self.stamp : self.stamp + " " + JSONValue.object(params).canonicalJSON
        if useCache, let cached = FileIO.read(cachePath), let compiled = decode(cached, digest: digest, stamp: stamp, file: display) {
            try checkSources(compiled)
            return compiled
        }
        let encoded = try compile(text: file.text, file: display, params: params).encoded()
        if useCache, FileStat.of(layout.stateDirectory) != nil || (try? FileIO.createDirectories(layout.stateDirectory)) != nil {
            var w = BinaryWriter(capacity: encoded.count + 256)
            w.append(Self.cacheMagic)
            w.write(digest)
            w.write(stamp)
            w.write(display)
            w.append(encoded)
            try? FileIO.createDirectories(layout.workflowsDirectory)
            try? FileIO.writeAtomically(cachePath, w.bytes, durable: false)
        }
        // Parsing YAML leaves tens of megabytes of freed nodes at 10,000 stages, interleaved with
        // the workflow built from them. Rebuild the workflow from its compact encoding once the
        // parser's memory is gone and hand the free pages back, so a run's peak memory does not
        // stack on the parser's.
        #if os(Linux)
        _ = studyflow_malloc_trim(0)
        #endif // Darwin's allocator hands free pages back on its own.
        return try encoded.withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
    }

    /// Parses and validates `text`; throws `CommandError.exit(2)` after printing every diagnostic.
    func compile(text: String, file: String, params: [String: JSONValue] = [:]) throws -> CompiledWorkflow {
        do {
            let workflow = try WorkflowLoader(knownKinds: registry.names, paramOverrides: params).load(text: text, file: file)
            let graph = try WorkflowValidator(probe: DiskPathProbe(root: layout.root)).validate(workflow)
            return CompiledWorkflow(workflow: workflow, graph: graph)
        } catch {
            Console.err(error.description + "\n")
            let n = error.diagnostics.count
            Console.err("studyflow: \(n) error\(n == 1 ? "" : "s") in \(file); nothing was run\n")
            throw CommandError.exit(2)
        }
    }

    private func decode(_ bytes: [UInt8], digest: Digest, stamp: String, file: String) -> CompiledWorkflow? {
        bytes.withUnsafeBytes { raw -> CompiledWorkflow? in
            guard raw.count > Self.cacheMagic.count,
                  Array(raw[0..<Self.cacheMagic.count]) == Self.cacheMagic else { return nil }
            var r = BinaryReader(raw, offset: Self.cacheMagic.count)
            guard (try? r.readDigest()) == digest, (try? r.readString()) == stamp, (try? r.readString()) == file else { return nil }
            return try? CompiledWorkflow(decoding: UnsafeRawBufferPointer(rebasing: raw[r.offset...]))
        }
    }

    /// Built-in stages' load-time checks of their settings under the run's parameters, and outputs
    /// that would replace a source file (`SourceFileCheck`); prints every problem and exits 2, as a
    /// workflow that does not validate.
    func checkSettings(_ workspace: Workspace) throws {
        let diagnostics = SettingsCheck.diagnostics(workspace) + SourceFileCheck.diagnostics(workspace)
        guard !diagnostics.isEmpty else { return }
        Console.err(WorkflowDiagnostics(diagnostics).description + "\n")
        Console.err("studyflow: \(diagnostics.count) error\(diagnostics.count == 1 ? "" : "s") in \(workspace.compiled.workflow.file); nothing was run\n")
        throw CommandError.exit(2)
    }

    /// The validator's file-system check, redone on a cache hit: source inputs must still exist.
    private func checkSources(_ compiled: CompiledWorkflow) throws {
        var diagnostics: [Diagnostic] = []
        for (id, stage) in compiled.workflow.stages.enumerated() {
            for (i, input) in stage.inputs.enumerated() where compiled.graph.inputProducers[id][i] < 0 {
                if FileStat.following(layout.absolute(input.path)) == nil {
                    diagnostics.append(WorkflowValidator.missingInput(input, stage: stage.id))
                }
            }
        }
        guard diagnostics.isEmpty else {
            Console.err(WorkflowDiagnostics(diagnostics).description + "\n")
            Console.err("studyflow: \(diagnostics.count) error\(diagnostics.count == 1 ? "" : "s") in \(compiled.workflow.file); nothing was run\n")
            throw CommandError.exit(2)
        }
    }
}

/// The studyflow version, recorded in caches and (later) provenance.
public enum StudyflowVersion {
    public static let current = "0.1.0"
}

#if os(Linux)
/// glibc's `malloc_trim(3)`; `<malloc.h>` is not part of Swift's Glibc module.
@_silgen_name("malloc_trim")
private func studyflow_malloc_trim(_ pad: Int) -> Int32
#endif
