import StudyCore
import StudyStore

/// How a file came to be: the stages that made it and everything they read, back to source files,
/// each with the run that made it and that run's source commit (`studyflow audit`).
public struct Lineage: Sendable {
    /// One stage on the way from the file back to its sources.
    public struct Step: Sendable {
        /// The stage's record in `run` (kind, key, params, inputs and outputs with digests), with
        /// the environment (container, tools, sandbox) recorded by `madeBy` when the stage ran there.
        public var record: StageRecord
        /// The run whose records the audit read (the newest run that reported the audited file).
        public var run: LoggedRun
        /// The run in which the stage last executed under this key ("ran"), else the oldest run
        /// that recorded the key (it ran before the ledger existed or was restored from the store).
        public var madeBy: LoggedRun
    }

    /// A file no stage wrote: a source input.
    public struct Source: Sendable {
        /// Workspace-relative path.
        public var path: String
        /// SHA-256 and size as read when the stage key was computed.
        public var sha256: Digest?
        public var size: Int64?
        /// The stage that read it.
        public var readBy: String
    }

    /// The audited path.
    public var path: String
    /// Stages from the one that wrote `path` upward, each once, in breadth-first order.
    public var steps: [Step]
    /// Source files of the lineage, sorted by path.
    public var sources: [Source]
}

extension RunLedger {
    /// The lineage of workspace path `path` from the newest run that recorded it as an output; a
    /// file made by an older run (a stage since removed, or a run of a subset) is found there.
    public func lineage(of path: String) throws -> Lineage {
        let runs = try runs()
        guard !runs.isEmpty else { throw ProvenanceError.noRuns(repository: repositoryPath) }
        var memo: [GitOID: StageRecord] = [:]
        var found: (run: Int, records: [String: StageRecord], stage: String)?
        for (index, run) in runs.enumerated() {
            let records = try stageRecords(run, memo: &memo)
            if let producer = Self.producer(of: path, in: records) {
                found = (index, records, producer)
                break
            }
        }
        guard let found else { throw ProvenanceError.notProduced(path: path, runs: runs.count) }
        let run = runs[found.run]
        var steps: [Lineage.Step] = []
        var sources: [String: Lineage.Source] = [:]
        var queue = [found.stage]
        var seen: Set<String> = [found.stage]
        var olderRecords: [Int: [String: StageRecord]] = [:]
        while !queue.isEmpty {
            let stage = queue.removeFirst()
            guard var record = found.records[stage] else { continue }
            // The run that made it: the newest run at or before `run` where the stage ran under this key.
            var madeBy = run
            var oldestWithKey = run
            for index in found.run..<runs.count {
                if olderRecords[index] == nil { olderRecords[index] = try stageRecords(runs[index], memo: &memo) }
                guard let older = olderRecords[index]![stage], older.key == record.key, record.key != nil else { break }
                oldestWithKey = runs[index]
                if older.status == .known(.ran) {
                    madeBy = runs[index]
                    // What it ran with is known from the run that executed it: a later run that
                    // found it cached records no sandbox, as nothing ran there.
                    if let environment = older.environment { record.environment = environment }
                    break
                }
                madeBy = oldestWithKey
            }
            steps.append(.init(record: record, run: run, madeBy: madeBy))
            for input in record.inputs {
                if let producer = Self.producer(of: input.path, in: found.records), producer != stage {
                    if seen.insert(producer).inserted { queue.append(producer) }
                } else if sources[input.path] == nil {
                    sources[input.path] = .init(path: input.path, sha256: input.sha256, size: input.size, readBy: stage)
                }
            }
        }
        return Lineage(path: path, steps: steps, sources: sources.values.sorted { $0.path < $1.path })
    }

    /// The stage whose outputs include `path` (or a directory holding it).
    static func producer(of path: String, in records: [String: StageRecord]) -> String? {
        for (stage, record) in records where record.status.hasOutputs {
            for output in record.outputs where output.path == path || (output.isDirectory && path.hasPrefix(output.path + "/")) {
                return stage
            }
        }
        return nil
    }

    /// Re-hashes every file of `lineage` on disk, in the object store and in the ledger, and
    /// returns one line per mismatch (empty when everything matches).
    public func verify(_ lineage: Lineage) -> [String] {
        var problems: [String] = []
        let objects = ObjectStore(layout: layout)
        for step in lineage.steps {
            let runName = "run \(step.run.record.run)"
            for output in step.record.outputs {
                guard let digest = output.sha256 else { continue }
                if output.isDirectory {
                    if !objects.contains(digest) {
                        problems.append("\(output.path)/: directory manifest \(digest.short) missing from the store (.studyflow/objects); 'studyflow gc' or a deleted store removed it")
                    }
                    continue
                }
                problems += checkOnDisk(output.path, digest: digest, what: "output", runName: runName)
                let object = layout.object(digest)
                if let bytes = FileIO.read(object) {
                    if Digest.of(bytes) != digest {
                        problems.append("\(output.path): store object \(digest.short) is corrupt (its bytes hash to \(Digest.of(bytes).short)); delete '\(object)' and rerun")
                    }
                } else {
                    problems.append("\(output.path): object \(digest.short) missing from the store (.studyflow/objects); the file cannot be restored without rerunning '\(step.record.stage)'")
                }
                if let size = output.size, size <= Self.maxStoredOutput {
                    let blob = try? storedOutput(step.run, path: output.path)
                    if let blob, let bytes = blobBytes(blob) {
                        if Digest.of(bytes) != digest {
                            problems.append("\(output.path): the ledger's copy (outputs/\(output.path) of \(runName)) has sha256 \(Digest.of(bytes).short), not \(digest.short)")
                        }
                    } else {
                        problems.append("\(output.path): the ledger's copy outputs/\(output.path) is missing from \(runName)'s commit \(step.run.commit.short)")
                    }
                }
            }
        }
        for source in lineage.sources {
            guard let digest = source.sha256 else { continue }
            problems += checkOnDisk(source.path, digest: digest, what: "source", runName: "run \(lineage.steps.first?.run.record.run ?? 0)")
        }
        return problems
    }

    private func checkOnDisk(_ path: String, digest: Digest, what: String, runName: String) -> [String] {
        guard let bytes = FileIO.read(layout.absolute(path)) else {
            return ["\(path): \(what) missing on disk (\(runName) recorded sha256 \(digest.short))"]
        }
        let now = Digest.of(bytes)
        return now == digest ? [] : ["\(path): \(what) edited since \(runName) (sha256 on disk \(now.short), recorded \(digest.short))"]
    }
}
