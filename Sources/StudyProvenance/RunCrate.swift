import StudyCore
import StudyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A recorded run as an RO-Crate 1.1 following the Provenance Run Crate profile 0.5
/// (https://w3id.org/ro/wfrun/provenance/0.5), which builds on the Workflow Run Crate, the
/// Process Run Crate and Workflow RO-Crate 1.0.
///
/// Mapping: the workflow file is the main entity (File, SoftwareSourceCode, ComputationalWorkflow,
/// HowTo); each stage is a tool (SoftwareApplication) with a HowToStep; each stage execution is a
/// CreateAction (instrument: its tool; object: inputs; result: outputs) controlled by a
/// ControlAction (instrument: its step); the workflow run is a CreateAction (instrument: the
/// workflow; object: source files; result: every output); StudyFlow's own run is an
/// OrganizeAction (instrument: StudyFlow; object: the ControlActions; result: the workflow run).
/// Every file carries its sha256. Only files whose recorded bytes are available (the ledger, the
/// object store, or an unchanged workspace file) go into the crate and its actions.
public struct RunCrate {
    /// Who publishes the crate (RO-Crate 1.1 requires a publisher) and under which license.
    public var publisher: String
    public var license: String

    /// A crate description with `publisher` and `license` (a URL, e.g. an SPDX license page).
    public init(publisher: String, license: String) {
        self.publisher = publisher
        self.license = license
    }

    /// Writes the crate of `run` into `directory` (created; must be empty or absent): the
    /// workflow file, every available input and output, and `ro-crate-metadata.json`.
    /// Returns the number of files written besides the metadata.
    @discardableResult
    public func write(_ run: LoggedRun, ledger: RunLedger, into directory: String) throws -> Int {
        let records = try ledger.stages(of: run).values.sorted { $0.stage < $1.stage }
        let r = run.record
        try FileIO.createDirectories(directory)
        var graph: [JSONValue] = []
        var files: [String: JSONValue] = [:]

        /// Copies `path` with `digest` into the crate; true when its bytes were found.
        func addFile(_ path: String, digest: Digest?, size: Int64?, bytes known: [UInt8]? = nil) -> Bool {
            if files[path] != nil { return true }
            guard let digest else { return false }
            guard let bytes = known ?? ledger.recordedBytes(run, path: path, digest: digest) else { return false }
            let target = directory + "/" + path
            if let parent = WorkspacePath.directory(of: target) { try? FileIO.createDirectories(parent) }
            guard (try? FileIO.writeAtomically(target, bytes, durable: false)) != nil else { return false }
            files[path] = .object([
                "@id": .string(Self.id(path)), "@type": .string("File"), "name": .string(path),
                "sha256": .string(digest.hex), "contentSize": .string(String(size ?? Int64(bytes.count))),
                "exampleOfWork": .object(["@id": .string(Self.parameterID(path))]),
            ])
            return true
        }
        func ref(_ id: String) -> JSONValue { .object(["@id": .string(id)]) }
        // RO-Crate 1.1 recommends a single value instead of a one-element array.
        func list(_ values: [JSONValue]) -> JSONValue { values.count == 1 ? values[0] : .array(values) }

        let workflowBytes = try ledger.workflowBytes(of: run) ?? []
        let workflowPath = r.workflowFile.hasPrefix("/") ? "workflow.yaml" : r.workflowFile
        _ = addFile(workflowPath, digest: Digest.of(workflowBytes), size: Int64(workflowBytes.count), bytes: workflowBytes)
        files[workflowPath] = nil  // described below as the main entity, not as a plain File

        let produced = Set(records.flatMap { $0.outputs.map(\.path) })
        var parameters: Set<String> = []
        var sourceRefs: [JSONValue] = []
        var resultRefs: [JSONValue] = []
        var controlRefs: [JSONValue] = []
        var stepRefs: [JSONValue] = []
        var toolRefs: [JSONValue] = []
        for (position, record) in records.enumerated() {
            var inputs: [JSONValue] = [], outputs: [JSONValue] = []
            var inputParams: [JSONValue] = [], outputParams: [JSONValue] = []
            for input in record.inputs where !input.isDirectory {
                parameters.insert(input.path)
                inputParams.append(ref(Self.parameterID(input.path)))
                guard addFile(input.path, digest: input.sha256, size: input.size) else { continue }
                inputs.append(ref(Self.id(input.path)))
                if !produced.contains(input.path), !sourceRefs.contains(ref(Self.id(input.path))) { sourceRefs.append(ref(Self.id(input.path))) }
            }
            for output in record.outputs where !output.isDirectory {
                parameters.insert(output.path)
                outputParams.append(ref(Self.parameterID(output.path)))
                guard record.status != "failed", record.status != "skipped",
                      addFile(output.path, digest: output.sha256, size: output.size) else { continue }
                outputs.append(ref(Self.id(output.path)))
                resultRefs.append(ref(Self.id(output.path)))
            }
            let tool = "#tool-" + record.stage, step = "#step-" + record.stage
            let action = "#action-" + record.stage, control = "#control-" + record.stage
            graph.append(.object(["@id": .string(tool), "@type": .string("SoftwareApplication"),
                                  "name": .string("\(record.stage) (\(record.kind))"),
                                  "input": list(inputParams), "output": list(outputParams)]))
            graph.append(.object(["@id": .string(step), "@type": .string("HowToStep"), "name": .string(record.stage),
                                  "position": .string(String(position)), "workExample": ref(tool)]))
            var actionObject: [String: JSONValue] = [
                "@id": .string(action), "@type": .string("CreateAction"),
                "name": .string("\(record.status) stage \(record.stage) (key \(record.key?.short ?? "none"))"),
                "instrument": ref(tool), "object": list(inputs), "result": list(outputs),
                "actionStatus": .string(record.status == "failed" || record.status == "skipped"
                    ? "http://schema.org/FailedActionStatus" : "http://schema.org/CompletedActionStatus"),
            ]
            if let key = record.key { actionObject["identifier"] = .string(key.hex) }
            graph.append(.object(actionObject))
            graph.append(.object(["@id": .string(control), "@type": .string("ControlAction"), "name": .string("orchestrate " + record.stage),
                                  "instrument": ref(step), "object": ref(action)]))
            controlRefs.append(ref(control))
            stepRefs.append(ref(step))
            toolRefs.append(ref(tool))
        }
        for path in parameters.sorted() {
            var parameter: [String: JSONValue] = [
                "@id": .string(Self.parameterID(path)), "@type": .string("FormalParameter"), "name": .string(path),
                "additionalType": .string("File"),
                "conformsTo": ref("https://bioschemas.org/profiles/FormalParameter/1.0-RELEASE"),
            ]
            if files[path] != nil { parameter["workExample"] = ref(Self.id(path)) }
            graph.append(.object(parameter))
        }

        let started = Timestamp.iso8601(r.started), ended = Timestamp.iso8601(r.finished)
        // Named by the globally unique id: crates of two workspaces' "run 1" never share an @id.
        let runID = "#run-\(run.id)"
        let workflowID = Self.id(workflowPath)
        let sources = records.flatMap(\.inputs).filter { !$0.isDirectory && !produced.contains($0.path) }.map(\.path)
        let finals = records.flatMap(\.outputs).filter { !$0.isDirectory }.map(\.path).filter { path in !records.contains { $0.inputs.contains { $0.path == path } } }
        graph.append(.object([
            "@id": .string(workflowID), "@type": .array(["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"].map(JSONValue.string)),
            "name": .string(r.workflowName.isEmpty ? workflowPath : r.workflowName),
            "sha256": .string(Digest.of(workflowBytes).hex), "contentSize": .string(String(workflowBytes.count)),
            "programmingLanguage": ref("#studyflow-language"),
            "input": list(Set(sources).sorted().map { ref(Self.parameterID($0)) }),
            "output": list(Set(finals).sorted().map { ref(Self.parameterID($0)) }),
            "hasPart": list(toolRefs), "step": list(stepRefs),
        ]))
        graph.append(.object(["@id": .string("#studyflow-language"), "@type": .string("ComputerLanguage"),
                              "name": .string("StudyFlow workflow (YAML)"), "identifier": .string("studyflow"),
                              "url": ref("https://github.com/studyflow/studyflow")]))
        graph.append(.object(["@id": .string("#studyflow"), "@type": .string("SoftwareApplication"), "name": .string("StudyFlow"),
                              "version": .string(r.studyflowVersion)]))
        var runAction: [String: JSONValue] = [
            "@id": .string(runID), "@type": .string("CreateAction"), "name": .string("run \(r.run) (id \(run.id)) of \(workflowPath): \(r.outcome)"),
            "identifier": .string(run.id),
            "instrument": ref(workflowID), "object": list(sourceRefs), "result": list(resultRefs),
            "startTime": .string(started), "endTime": .string(ended),
            "actionStatus": .string(r.outcome == "ok" ? "http://schema.org/CompletedActionStatus" : "http://schema.org/FailedActionStatus"),
        ]
        let source = r.sourceCommit.map { $0 + (r.dirty == true ? " (dirty)" : "") } ?? r.sourceDescription
        runAction["description"] = .string("source commit \(source); ledger commit \(run.commit.hex)")
        graph.append(.object(runAction))
        graph.append(.object(["@id": .string("#engine-run-\(run.id)"), "@type": .string("OrganizeAction"),
                              "name": .string("StudyFlow run \(r.run)"), "instrument": ref("#studyflow"),
                              "object": list(controlRefs), "result": ref(runID),
                              "startTime": .string(started), "endTime": .string(ended)]))
        let profiles = [("https://w3id.org/ro/wfrun/process/0.5", "Process Run Crate"),
                        ("https://w3id.org/ro/wfrun/workflow/0.5", "Workflow Run Crate"),
                        ("https://w3id.org/ro/wfrun/provenance/0.5", "Provenance Run Crate"),
                        ("https://w3id.org/workflowhub/workflow-ro-crate/1.0", "Workflow RO-Crate")]
        for (id, name) in profiles {
            graph.append(.object(["@id": .string(id), "@type": .string("CreativeWork"), "name": .string(name),
                                  "version": .string(String(id.split(separator: "/").last!))]))
        }
        graph.append(.object(["@id": .string("#publisher"), "@type": .string("Organization"), "name": .string(publisher)]))
        graph.append(.object(["@id": .string(license), "@type": .string("CreativeWork"), "name": .string(license)]))
        graph.append(contentsOf: files.keys.sorted().map { files[$0]! })
        graph.append(.object([
            "@id": .string("./"), "@type": .string("Dataset"),
            "name": .string("StudyFlow run \(r.run) of \(r.workflowName.isEmpty ? workflowPath : r.workflowName)"),
            "description": .string("Provenance of StudyFlow run \(r.run) (id \(run.id), \(r.outcome)), exported from refs/studyflow/runs commit \(run.commit.hex)."),
            "datePublished": .string(ended), "license": ref(license), "publisher": ref("#publisher"),
            "conformsTo": .array(profiles.map { ref($0.0) }), "mainEntity": ref(workflowID),
            "hasPart": .array(([workflowPath] + files.keys.sorted()).map { ref(Self.id($0)) }),
            "mentions": ref(runID),
        ]))
        graph.insert(.object(["@id": .string("ro-crate-metadata.json"), "@type": .string("CreativeWork"),
                              "about": ref("./"), "conformsTo": ref("https://w3id.org/ro/crate/1.1")]), at: 0)
        // `sha256` is not a term of the RO-Crate 1.1 context; the Workflow Run Crate terms define it.
        let context = JSONValue.array([.string("https://w3id.org/ro/crate/1.1/context"),
                                       .object(["sha256": .string("https://w3id.org/ro/terms/workflow-run#sha256")])])
        let document = JSONValue.object(["@context": context, "@graph": .array(graph)])
        try FileIO.writeAtomically(directory + "/ro-crate-metadata.json", Array(JSONText.pretty(document).utf8), durable: false)
        return files.count + 1
    }

    /// A workspace path as a relative URI (percent-encoded except unreserved characters and '/').
    static func id(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 15)])
            }
        }
        return out
    }

    static func parameterID(_ path: String) -> String { "#param-" + id(path) }
}

extension RunLedger {
    /// The bytes `run` recorded for `path` (sha256 `digest`): from the ledger's `outputs/`, the
    /// object store, or the workspace file if it is unchanged; nil when none has them.
    func recordedBytes(_ run: LoggedRun, path: String, digest: Digest) -> [UInt8]? {
        if let blob = try? storedOutput(run, path: path), let bytes = blobBytes(blob), Digest.of(bytes) == digest { return bytes }
        if let bytes = FileIO.read(layout.object(digest)), Digest.of(bytes) == digest { return bytes }
        if let bytes = FileIO.read(layout.absolute(path)), Digest.of(bytes) == digest { return bytes }
        return nil
    }
}
