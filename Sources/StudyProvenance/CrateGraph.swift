import StudyCore
import StudyStore

/// The `@graph` of a run's crate as `RunCrate.write` builds it, entity by entity, and the files
/// copied into the crate on the way.
struct CrateGraph {
    let run: LoggedRun
    let ledger: RunLedger
    let directory: String
    /// The entities, in the order they are written.
    var graph: [JSONValue] = []
    /// File entities by workspace path, for every file copied into the crate.
    var files: [String: JSONValue] = [:]
    /// @ids of the `ContainerImage` entities written so far.
    var containerImages: Set<String> = []

    /// What the stages contribute to the workflow and run entities.
    struct Steps {
        var parameters: Set<String> = []
        var sourceRefs: [JSONValue] = []
        var resultRefs: [JSONValue] = []
        var controlRefs: [JSONValue] = []
        var stepRefs: [JSONValue] = []
        var toolRefs: [JSONValue] = []
    }

    /// The Workflow Run Crate profiles the crate conforms to, with their names.
    static let profiles = [("https://w3id.org/ro/wfrun/process/0.5", "Process Run Crate"),
                           ("https://w3id.org/ro/wfrun/workflow/0.5", "Workflow Run Crate"),
                           ("https://w3id.org/ro/wfrun/provenance/0.5", "Provenance Run Crate"),
                           ("https://w3id.org/workflowhub/workflow-ro-crate/1.0", "Workflow RO-Crate")]

    init(run: LoggedRun, ledger: RunLedger, directory: String) {
        self.run = run
        self.ledger = ledger
        self.directory = directory
    }

    func ref(_ id: String) -> JSONValue { .object(["@id": .string(id)]) }

    /// RO-Crate 1.1 recommends a single value instead of a one-element array.
    func list(_ values: [JSONValue]) -> JSONValue { values.count == 1 ? values[0] : .array(values) }

    /// The run's `#run-…` id: named by the globally unique id, so crates of two workspaces'
    /// "run 1" never share an @id.
    var runID: String { "#run-\(run.id)" }

    var started: String { Timestamp.iso8601(run.record.timing.started) }
    var ended: String { Timestamp.iso8601(run.record.timing.finished) }

    /// Copies `path` with `digest` into the crate; true when its bytes were found.
    mutating func addFile(_ path: String, digest: Digest?, size: Int64?, bytes known: [UInt8]? = nil) -> Bool {
        if files[path] != nil { return true }
        guard let digest else { return false }
        guard let bytes = known ?? ledger.recordedBytes(run, path: path, digest: digest) else { return false }
        let target = directory + "/" + path
        if let parent = WorkspacePath.directory(of: target) { try? FileIO.createDirectories(parent) }
        guard (try? FileIO.writeAtomically(target, bytes, durable: false)) != nil else { return false }
        files[path] = .object([
            "@id": .string(RunCrate.id(path)), "@type": .string("File"), "name": .string(path),
            "sha256": .string(digest.hex), "contentSize": .string(String(size ?? Int64(bytes.count))),
            "exampleOfWork": .object(["@id": .string(RunCrate.parameterID(path))]),
        ])
        return true
    }

    /// Copies an included workflow file (`include:`) into the crate as a File that is part of the
    /// main workflow `workflowPath` (`isPartOf`: in the workflow's `hasPart` it would count as a
    /// tool); false when it cannot be written.
    mutating func addWorkflowPart(_ path: String, of workflowPath: String, bytes: [UInt8]) -> Bool {
        if files[path] != nil { return true }
        let target = directory + "/" + path
        if let parent = WorkspacePath.directory(of: target) { try? FileIO.createDirectories(parent) }
        guard (try? FileIO.writeAtomically(target, bytes, durable: false)) != nil else { return false }
        files[path] = .object([
            "@id": .string(RunCrate.id(path)), "@type": .array(["File", "SoftwareSourceCode"].map(JSONValue.string)),
            "name": .string(path), "description": .string("workflow file included by the main workflow"),
            "isPartOf": ref(RunCrate.id(workflowPath)),
            "programmingLanguage": ref("#studyflow-language"),
            "sha256": .string(Digest.of(bytes).hex), "contentSize": .string(String(bytes.count)),
        ])
        return true
    }

    /// One stage: its tool, step, execution (CreateAction) and orchestration (ControlAction),
    /// with the files it read and, when its outputs stand, wrote.
    mutating func addStage(_ record: StageRecord, position: Int, produced: Set<String>, into steps: inout Steps) {
        var inputs: [JSONValue] = [], outputs: [JSONValue] = []
        var inputParams: [JSONValue] = [], outputParams: [JSONValue] = []
        for input in record.inputs where !input.isDirectory {
            steps.parameters.insert(input.path)
            inputParams.append(ref(RunCrate.parameterID(input.path)))
            guard addFile(input.path, digest: input.sha256, size: input.size) else { continue }
            let id = ref(RunCrate.id(input.path))
            inputs.append(id)
            if !produced.contains(input.path), !steps.sourceRefs.contains(id) { steps.sourceRefs.append(id) }
        }
        for output in record.outputs where !output.isDirectory {
            steps.parameters.insert(output.path)
            outputParams.append(ref(RunCrate.parameterID(output.path)))
            guard record.status.hasOutputs, addFile(output.path, digest: output.sha256, size: output.size) else { continue }
            outputs.append(ref(RunCrate.id(output.path)))
            steps.resultRefs.append(ref(RunCrate.id(output.path)))
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
            "actionStatus": .string(record.status.hasOutputs
                ? "http://schema.org/CompletedActionStatus" : "http://schema.org/FailedActionStatus"),
        ]
        if let key = record.key { actionObject["identifier"] = .string(key.hex) }
        if let container = record.environment?.container {
            actionObject["containerImage"] = ref(addContainerImage(container))
        }
        graph.append(.object(actionObject))
        graph.append(.object(["@id": .string(control), "@type": .string("ControlAction"), "name": .string("orchestrate " + record.stage),
                              "instrument": ref(step), "object": ref(action)]))
        steps.controlRefs.append(ref(control))
        steps.stepRefs.append(ref(step))
        steps.toolRefs.append(ref(tool))
    }

    /// The Workflow Run Crate `ContainerImage` of `container` (once per image and digest), and its @id.
    mutating func addContainerImage(_ container: StageEnvironment.Container) -> String {
        let id = "#image-" + container.digest.replacingOccurrences(of: "sha256:", with: "")
        if containerImages.insert(id).inserted {
            let parts = ContainerImageName(container.image)
            var entity: [String: JSONValue] = [
                "@id": .string(id), "@type": .string("ContainerImage"),
                "additionalType": ref("https://w3id.org/ro/terms/workflow-run#" + (container.runtime == "apptainer" ? "SIFImage" : "DockerImage")),
                "registry": .string(parts.registry), "name": .string(parts.name),
                "sha256": .string(String(container.digest.dropFirst(container.digest.hasPrefix("sha256:") ? 7 : 0))),
                "description": .string("\(container.image), run with \(container.runtime) \(container.runtimeVersion)"),
            ]
            if let tag = parts.tag { entity["tag"] = .string(tag) }
            graph.append(.object(entity))
        }
        return id
    }

    /// A FormalParameter per file path a stage reads or writes.
    mutating func addParameters(_ parameters: Set<String>) {
        for path in parameters.sorted() {
            var parameter: [String: JSONValue] = [
                "@id": .string(RunCrate.parameterID(path)), "@type": .string("FormalParameter"), "name": .string(path),
                "additionalType": .string("File"),
                "conformsTo": ref("https://bioschemas.org/profiles/FormalParameter/1.0-RELEASE"),
            ]
            if files[path] != nil { parameter["workExample"] = ref(RunCrate.id(path)) }
            graph.append(.object(parameter))
        }
    }

    /// The workflow file as the main entity, its language and StudyFlow itself.
    mutating func addWorkflow(path workflowPath: String, bytes: [UInt8], records: [StageRecord], produced: Set<String>,
                              steps: Steps) {
        let r = run.record
        let sources = records.flatMap(\.inputs).filter { !$0.isDirectory && !produced.contains($0.path) }.map(\.path)
        let finals = records.flatMap(\.outputs).filter { !$0.isDirectory }.map(\.path).filter { path in !records.contains { $0.inputs.contains { $0.path == path } } }
        graph.append(.object([
            "@id": .string(RunCrate.id(workflowPath)), "@type": .array(["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"].map(JSONValue.string)),
            "name": .string(r.workflow.name.isEmpty ? workflowPath : r.workflow.name),
            "sha256": .string(Digest.of(bytes).hex), "contentSize": .string(String(bytes.count)),
            "programmingLanguage": ref("#studyflow-language"),
            "input": list(Set(sources).sorted().map { ref(RunCrate.parameterID($0)) }),
            "output": list(Set(finals).sorted().map { ref(RunCrate.parameterID($0)) }),
            "hasPart": list(steps.toolRefs), "step": list(steps.stepRefs),
        ]))
        graph.append(.object(["@id": .string("#studyflow-language"), "@type": .string("ComputerLanguage"),
                              "name": .string("StudyFlow workflow (YAML)"), "identifier": .string("studyflow"),
                              "url": ref("https://github.com/studyflow/studyflow")]))
        graph.append(.object(["@id": .string("#studyflow"), "@type": .string("SoftwareApplication"), "name": .string("StudyFlow"),
                              "version": .string(r.agent.studyflowVersion)]))
    }

    /// The workflow run (CreateAction) and StudyFlow's own run (OrganizeAction).
    mutating func addRun(workflowPath: String, steps: Steps) {
        let r = run.record
        var runAction: [String: JSONValue] = [
            "@id": .string(runID), "@type": .string("CreateAction"), "name": .string("run \(r.run) (id \(run.id)) of \(workflowPath): \(r.outcome)"),
            "identifier": .string(run.id),
            "instrument": ref(RunCrate.id(workflowPath)), "object": list(steps.sourceRefs), "result": list(steps.resultRefs),
            "startTime": .string(started), "endTime": .string(ended),
            "actionStatus": .string(r.outcome == .known(.ok) ? "http://schema.org/CompletedActionStatus" : "http://schema.org/FailedActionStatus"),
        ]
        let source = r.source.commit.map { $0 + (r.source.dirty == true ? " (dirty)" : "") } ?? r.sourceDescription
        runAction["description"] = .string("source commit \(source); ledger commit \(run.commit.hex)")
        graph.append(.object(runAction))
        graph.append(.object(["@id": .string("#engine-run-\(run.id)"), "@type": .string("OrganizeAction"),
                              "name": .string("StudyFlow run \(r.run)"), "instrument": ref("#studyflow"),
                              "object": list(steps.controlRefs), "result": ref(runID),
                              "startTime": .string(started), "endTime": .string(ended)]))
    }

    /// The profiles, publisher, license, every copied file, the root dataset and the metadata
    /// descriptor (first in the graph).
    mutating func addRoot(workflowPath: String, publisher: String, license: String) {
        let r = run.record
        for (id, name) in Self.profiles {
            graph.append(.object(["@id": .string(id), "@type": .string("CreativeWork"), "name": .string(name),
                                  "version": .string(String(id.split(separator: "/").last!))]))
        }
        graph.append(.object(["@id": .string("#publisher"), "@type": .string("Organization"), "name": .string(publisher)]))
        graph.append(.object(["@id": .string(license), "@type": .string("CreativeWork"), "name": .string(license)]))
        graph.append(contentsOf: files.keys.sorted().map { files[$0]! })
        graph.append(.object([
            "@id": .string("./"), "@type": .string("Dataset"),
            "name": .string("StudyFlow run \(r.run) of \(r.workflow.name.isEmpty ? workflowPath : r.workflow.name)"),
            "description": .string("Provenance of StudyFlow run \(r.run) (id \(run.id), \(r.outcome)), exported from refs/studyflow/runs commit \(run.commit.hex)."),
            "datePublished": .string(ended), "license": ref(license), "publisher": ref("#publisher"),
            "conformsTo": .array(Self.profiles.map { ref($0.0) }), "mainEntity": ref(RunCrate.id(workflowPath)),
            "hasPart": .array(([workflowPath] + files.keys.sorted()).map { ref(RunCrate.id($0)) }),
            "mentions": ref(runID),
        ]))
        graph.insert(.object(["@id": .string("ro-crate-metadata.json"), "@type": .string("CreativeWork"),
                              "about": ref("./"), "conformsTo": ref("https://w3id.org/ro/crate/1.1")]), at: 0)
    }

    /// The whole `ro-crate-metadata.json` document.
    var document: JSONValue {
        // `sha256` is not a term of the RO-Crate 1.1 context; the Workflow Run Crate terms define it.
        // So are the container terms (Process Run Crate, "Representing container images"), added
        // only when there is an image, so crates of host-only runs keep their bytes.
        var terms: [String: JSONValue] = [:]
        for term in ["sha256"] + (containerImages.isEmpty ? [] : ["containerImage", "ContainerImage", "registry", "tag"]) {
            terms[term] = .string("https://w3id.org/ro/terms/workflow-run#" + term)
        }
        let context = JSONValue.array([.string("https://w3id.org/ro/crate/1.1/context"), .object(terms)])
        return .object(["@context": context, "@graph": .array(graph)])
    }
}

/// An image reference split as the `ContainerImage` entity wants it: `localhost/tools:1` is
/// registry `localhost`, name `tools`, tag `1`; a name without a registry host is Docker Hub's.
struct ContainerImageName {
    var registry: String
    var name: String
    var tag: String?

    init(_ reference: String) {
        var rest = Substring(reference)
        if let at = rest.firstIndex(of: "@") { rest = rest[..<at] }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false)
        let first = components.first ?? ""
        if components.count > 1, first == "localhost" || first.contains(".") || first.contains(":") {
            registry = String(first)
            components.removeFirst()
        } else {
            registry = "docker.io"
        }
        var last = components.last ?? ""
        tag = nil
        if let colon = last.lastIndex(of: ":") {
            tag = String(last[last.index(after: colon)...])
            last = last[..<colon]
        }
        name = (components.dropLast().map(String.init) + [String(last)]).joined(separator: "/")
    }
}
