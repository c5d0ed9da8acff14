import StudyCore
import StudyEngine
import Synchronization

/// A run of a workflow whose `foreach: {levels: …}` tables are written by stages: first the
/// stages that write the tables (and what they need), then the workflow loaded again with the
/// tables in place, all under one run number and one run record.
///
/// `Phases` joins the two runs' events into one run's: the second run's results for stages the
/// first one already finished (cached the second time) are replaced by the first run's.
final class TwoPhaseEvents: RunObserver, Sendable {
    private struct State {
        var secondPhase = false
        var first: [String: StageResult] = [:]
    }
    private let observers: [any RunObserver]
    private let state = Mutex(State())

    init(_ observers: [any RunObserver]) { self.observers = observers }

    /// The stages that write the tables of `workflow`'s data-driven fan-outs; empty when the
    /// workflow needs one phase.
    static func producers(_ workflow: Workflow) -> [String] {
        var seen: Set<String> = []
        return workflow.levels.compactMap(\.producer).filter { seen.insert($0).inserted }
    }

    /// Marks the end of the first phase: its summary is not passed on.
    func beginSecondPhase() { state.withLock { $0.secondPhase = true } }

    func handle(_ event: RunEvent) {
        let forward: RunEvent? = state.withLock { state in
            switch event {
            case .stageFinished(let result):
                if !state.secondPhase { state.first[result.stage] = result; return event }
                return state.first[result.stage] == nil ? event : nil
            case .finished(let summary):
                guard state.secondPhase else { return nil }
                let results = summary.results.map { state.first[$0.stage] ?? $0 }
                return .finished(RunSummary(run: summary.run, results: results, interrupted: summary.interrupted, seconds: summary.seconds))
            case .started, .stageStarted, .stageNotes, .attemptFailed:
                return event
            }
        }
        guard let forward else { return }
        for observer in observers { observer.handle(forward) }
    }

    /// The options of the second phase: what `--force`/`--force-all` selects, minus the stages
    /// the first phase already ran (forcing them again would run them twice in one run).
    static func secondPhaseOptions(_ options: RunOptions, firstPhase: Set<String>, workspace: Workspace) -> RunOptions {
        guard options.forceAll || !options.force.isEmpty else { return options }
        var second = options
        let stages = workspace.compiled.workflow.stages
        let cone: [Bool]
        if options.forceAll {
            cone = [Bool](repeating: true, count: stages.count)
        } else {
            cone = workspace.compiled.graph.downstreamCone(of: options.force.compactMap { workspace.stageIndex($0) })
        }
        second.forceAll = false
        second.force = stages.indices.filter { cone[$0] && !firstPhase.contains(stages[$0].id) }.map { stages[$0].id }
        return second
    }

    /// The ids of the stages the first phase finished.
    var firstPhaseStages: Set<String> { state.withLock { Set($0.first.keys) } }

    /// The options of the first phase: only the table producers as targets, and only the forced
    /// stages that exist before the fan-outs expand.
    static func firstPhaseOptions(_ options: RunOptions, producers: [String], workflow: Workflow) -> RunOptions {
        var first = options
        let ids = Set(workflow.stages.map(\.id))
        first.targets = producers
        first.force = options.force.filter { ids.contains($0) }
        return first
    }
}
