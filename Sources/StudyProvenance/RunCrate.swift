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
    /// workflow file and the files it included, every available input and output, and
    /// `ro-crate-metadata.json`.
    /// Returns the number of files written besides the metadata.
    @discardableResult
    public func write(_ run: LoggedRun, ledger: RunLedger, into directory: String) throws -> Int {
        let records = try ledger.stages(of: run).values.sorted { $0.stage < $1.stage }
        try FileIO.createDirectories(directory)
        var crate = CrateGraph(run: run, ledger: ledger, directory: directory)
        let workflowBytes = try ledger.workflowBytes(of: run) ?? []
        let workflowPath = run.record.workflow.file.hasPrefix("/") ? "workflow.yaml" : run.record.workflow.file
        _ = crate.addFile(workflowPath, digest: Digest.of(workflowBytes), size: Int64(workflowBytes.count), bytes: workflowBytes)
        crate.files[workflowPath] = nil  // described below as the main entity, not as a plain File
        // Included workflow files are part of the workflow's source: copied with their recorded bytes.
        for file in run.record.workflow.includes where !file.path.hasPrefix("/") {
            guard let bytes = try ledger.includedBytes(of: run, path: file.path), Digest.of(bytes) == file.digest else { continue }
            _ = crate.addWorkflowPart(file.path, of: workflowPath, bytes: bytes)
        }

        let produced = Set(records.flatMap { $0.outputs.map(\.path) })
        var steps = CrateGraph.Steps()
        for (position, record) in records.enumerated() {
            crate.addStage(record, position: position, produced: produced, into: &steps)
        }
        crate.addParameters(steps.parameters)
        crate.addWorkflow(path: workflowPath, bytes: workflowBytes, records: records, produced: produced, steps: steps)
        crate.addRun(workflowPath: workflowPath, steps: steps)
        crate.addRoot(workflowPath: workflowPath, publisher: publisher, license: license)
        try FileIO.writeAtomically(directory + "/ro-crate-metadata.json", Array(JSONText.pretty(crate.document).utf8), durable: false)
        return crate.files.count + 1
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
