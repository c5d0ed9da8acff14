import StudyCore
import StudyEngine
import StudyProvenance
import StudyStore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Listens to a run's events and, when it ends, records it in the run ledger (one commit on
/// `refs/studyflow/runs`). It lives here, in StudyCommands, because the engine must not import
/// StudyProvenance: the engine only emits `RunEvent`s.
final class ProvenanceRecorder: RunObserver {
    /// Set to 1 to run without writing provenance. A benchmark switch only (bench/sections/40-provenance.sh
    /// compares no-op runs with and without the ledger); a normal run always records itself.
    static let disableVariable = "STUDYFLOW_NO_PROVENANCE"

    private let state = Mutex<(info: RunInfo?, results: [StageResult], summary: RunSummary?)>((nil, [], nil))

    init() {}

    /// Whether the benchmark switch turned the ledger off.
    static var disabled: Bool { getenv(disableVariable).map { String(cString: $0) == "1" } ?? false }

    func handle(_ event: RunEvent) {
        state.withLock { state in
            switch event {
            case .started(let info):
                state.info = info
                // Grown by doubling, the list could hold room for twice the run's stages.
                state.results.reserveCapacity(info.total)
            case .stageFinished(let result): state.results.append(result)
            case .finished(let summary):
                // The summary holds every result: a second copy of 10,000 of them is peak memory.
                state.summary = summary
                state.results = []
            case .stageStarted, .stageNotes, .attemptFailed: break
            }
        }
    }

    /// Writes the run's commit. `started` is the wall-clock start; `file` the workflow file.
    func record(into ledger: RunLedger, workspace: Workspace, file: WorkflowSource.File, params: [String: JSONValue],
                profile: String? = nil, started: Double) throws {
        let (info, collected, summary) = state.withLock { ($0.info, $0.results, $0.summary) }
        // No `.started` event: the engine refused the run before it began (unknown --until stage).
        guard info != nil else { return }
        // The summary orders results topologically; without one (the engine threw) keep what finished.
        let results = summary?.results ?? collected
        let outcome = summary?.outcome ?? .failed
        let executor = info?.executor ?? "local"
        let stages = workspace.compiled.workflow.stages
        // Declarations are needed only for stages without an action record (failed, interrupted, skipped).
        let indexByID: [String: Int] = results.contains(where: { $0.record == nil })
            ? Dictionary(stages.indices.map { (stages[$0].id, $0) }, uniquingKeysWith: { _, last in last }) : [:]

        // Each stage's record is made again on every pass the ledger takes over the run, not
        // kept in an array: at 10,000 stages that array was megabytes of the run's peak memory.
        let sizes = Self.sizes(of: results, layout: workspace.layout)
        let records = results.lazy.map { result in
            Self.stageRecord(result, declared: indexByID[result.stage].map { stages[$0] }, sizes: sizes, layout: workspace.layout,
                             executor: executor, containers: workspace.resolver.containers)
        }

        var sources = Self.sourcePaths(of: results, stages: stages, indexByID: indexByID)
        let workflowPath = Self.relative(file.display, root: workspace.layout.root)
        if let workflowPath { sources.insert(workflowPath) }
        let included = Self.includedFiles(workspace)
        for file in included { sources.insert(file.path) }
        let run = RunRecord(
            run: info?.run ?? summary?.run ?? 0,
            workflow: .init(file: workflowPath ?? file.display, digest: file.digest, name: workspace.compiled.workflow.name, params: params,
                            includes: workspace.compiled.workflow.includes.files, profile: profile,
                            instances: Self.instances(of: workspace.compiled.workflow)),
            timing: .init(started: started, finished: SystemClock.wallSeconds()),
            agent: .init(studyflowVersion: StudyflowVersion.current, host: Timestamp.hostName(), executor: executor),
            source: ledger.sourceState(paths: sources.sorted()), outcome: outcome, stages: .init(counting: results.map(\.status)))
        // A successful run of every stage leaves the workspace up to date (the engine snapshots
        // it), so the next run is likely a no-op: prepare its record now.
        let preparing = summary?.ok == true && results.count == stages.count
        _ = try ledger.record(run, stages: records, workflowText: file.text, includedFiles: included,
                              preparingNoOp: preparing)
    }

    /// The workspace paths the stages of `results` read that no stage of the workflow writes:
    /// whether they differ from the repository's HEAD makes the run dirty.
    static func sourcePaths(of results: [StageResult], stages: [Stage], indexByID: [String: Int]) -> Set<String> {
        var produced: Set<String> = []
        for stage in stages { for output in stage.outputs { produced.insert(output.path) } }
        var sources: Set<String> = []
        for result in results {
            let inputs = result.record.map { $0.inputs.map(\.path) } ?? (indexByID[result.stage].map { stages[$0].inputs.map(\.path) } ?? [])
            for path in inputs where !produced.contains(path) && !path.hasPrefix("/") { sources.insert(path) }
        }
        return sources
    }

    /// The included workflow files inside the workspace whose bytes on disk are still those the
    /// run loaded (an edit during the run leaves only the digest in run.json).
    static func includedFiles(_ workspace: Workspace) -> [(path: String, bytes: [UInt8])] {
        workspace.compiled.workflow.includes.files.compactMap { file in
            guard !file.path.hasPrefix("/"), let bytes = FileIO.read(workspace.layout.absolute(file.path)),
                  Digest.of(bytes) == file.digest else { return nil }
            return (file.path, bytes)
        }
    }

    /// Each fan-out template's instance keys, in instance order, for `run.json`.
    static func instances(of workflow: Workflow) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for group in workflow.fanouts { result[group.template] = group.items.map(\.key) }
        return result
    }

    /// The size of every output and every input path of `results`' action records: outputs as
    /// stored, other inputs (source files) from a `stat` now, made once for every pass over the records.
    static func sizes(of results: [StageResult], layout: StoreLayout) -> [String: Int64] {
        var sizes: [String: Int64] = [:]
        for result in results {
            for output in result.record?.outputs ?? [] { sizes[output.path] = output.size }
        }
        for result in results {
            for input in result.record?.inputs ?? [] where sizes[input.path] == nil {
                if let size = FileStat.of(layout.absolute(input.path))?.size { sizes[input.path] = size }
            }
        }
        return sizes
    }

    /// A stage's record from its result; a stage that failed or was skipped has no action record,
    /// so its declaration gives the kind and the paths (without digests). `sizes` come from
    /// `sizes(of:layout:)`; an input missing there is `stat`ed.
    static func stageRecord(_ result: StageResult, declared: Stage?, sizes: [String: Int64], layout: StoreLayout,
                            executor: String, containers: ContainerSetup? = nil) -> StageRecord {
        var record = stageRecordFacts(result, declared: declared, sizes: sizes, layout: layout, executor: executor, containers: containers)
        if result.sandboxed {
            var environment = record.environment ?? StageEnvironment()
            environment.sandbox = true
            record.environment = environment
        }
        return record
    }

    /// The record's facts, with the container the stage ran in.
    private static func stageRecordFacts(_ result: StageResult, declared: Stage?, sizes: [String: Int64], layout: StoreLayout,
                                         executor: String, containers: ContainerSetup?) -> StageRecord {
        let executed = result.status.didWork
        let exit: Int32? = result.status == .ran ? 0 : result.exitStatus
        guard let action = result.record else {
            return StageRecord(stage: result.stage, kind: declared?.action.kindName ?? "unknown", key: nil,
                               params: declared?.params ?? [:],
                               inputs: (declared?.inputs ?? []).map { .init(path: $0.path, sha256: nil, size: nil, isDirectory: $0.isDirectory) },
                               outputs: (declared?.outputs ?? []).map { .init(path: $0.path, sha256: nil, size: nil, isDirectory: $0.isDirectory) },
                               status: .known(result.status), exitStatus: exit, seconds: executed ? result.seconds : 0,
                               executor: executor, jobID: result.jobID, environment: environment(declared.flatMap { containers?.use(for: $0) }))
        }
        var params: [String: JSONValue] = [:]
        for (name, text) in action.params { params[name] = JSONText.parse(text) ?? .string(text) }
        let inputs = action.inputs.map { input -> StageRecord.File in
            .init(path: input.path, sha256: input.digest, size: sizes[input.path] ?? FileStat.of(layout.absolute(input.path)).map(\.size))
        }
        let outputs = action.outputs.map { StageRecord.File(path: $0.path, sha256: $0.digest, size: $0.size, isDirectory: $0.isDirectory) }
        let tools = action.tools.map { StageEnvironment.Tool(name: $0.name, path: $0.path, sha256: $0.digest, version: $0.version) }
        return StageRecord(stage: result.stage, kind: action.kind, key: action.key, params: params, inputs: inputs, outputs: outputs,
                           status: .known(result.status), exitStatus: exit, seconds: executed ? result.seconds : 0,
                           executor: executor, jobID: result.jobID, environment: environment(action.container, tools: tools))
    }

    /// The record's environment: the container the stage ran in, the programs it called on the host.
    static func environment(_ use: ContainerUse?, tools: [StageEnvironment.Tool] = []) -> StageEnvironment? {
        let environment = StageEnvironment(container: use, tools: tools.isEmpty ? nil : tools)
        return environment.isEmpty ? nil : environment
    }

    /// `path` relative to `root` when it lies inside it.
    static func relative(_ path: String, root: String) -> String? {
        guard path.hasPrefix("/") else { return path }
        return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : nil
    }
}
