import StudyCore
import StudyStore

/// What a run would do, without doing it: `studyflow status` and `studyflow run -n`.
///
/// A stage downstream of a stale stage is stale too ("upstream clean is stale"): whether it will
/// really run depends on whether its upstream writes different bytes (early cutoff), which only
/// running can tell.
public struct Preview: Sendable {
    /// One stage's predicted fate.
    public struct Entry: Sendable, Equatable {
        /// Stage id.
        public var stage: String
        /// What would happen if nothing upstream changed its outputs.
        public var action: Action
        /// Why (empty when up to date).
        public var reasons: [Reason]

        /// Whether the stage is anything but up to date.
        public var isStale: Bool { action != .upToDate }
    }

    /// A predicted action.
    public enum Action: String, Sendable, Equatable {
        case upToDate = "up-to-date"
        case restore
        case run
    }

    /// Entries for the selected stages, in topological order.
    public var entries: [Entry]
    /// Stages not known or not runnable until a `levels:` table is written: a template as
    /// `TEMPLATE@*`, and the stages that gather from it, each with "expands after STAGE runs".
    public var waiting: [(stage: String, note: String)] = []

    /// Evaluates the selected stages of `workspace` under `options`.
    public static func evaluate(_ workspace: Workspace, options: RunOptions) throws -> Preview {
        let selection = try Selection(workspace: workspace, options: options)
        let graph = workspace.compiled.graph
        let stages = workspace.compiled.workflow.stages
        // A stage that will run may change its outputs; one that will be restored gets its recorded
        // bytes back, which its downstream stages then read.
        var willRun = [Bool](repeating: false, count: graph.count)
        var restored: [String: Digest] = [:]
        var entries: [Entry] = []
        for id in graph.order.map(Int.init) where selection.selected[id] {
            let stage = stages[id]
            let staleUpstream = graph.dependencies[id].map(Int.init).filter { willRun[$0] }
            var reasons = staleUpstream.map { Reason.upstreamStale(stages[$0].id) }
            var action: Action = staleUpstream.isEmpty ? .upToDate : .run
            switch try workspace.resolver.resolve(stage, commandWords: workspace.compiled.commandWords[id], assuming: restored,
                                                  item: workspace.compiled.workflow.item(of: id),
                                                  lineage: try workspace.resolver.lineage(of: id, in: workspace.compiled)) {
            case .failure:
                // An input made upstream does not exist yet; the upstream reason says why.
                if reasons.isEmpty { reasons = [.neverRun] }
                action = .run
            case .success(let resolved):
                let decision = try workspace.staleness.decide(resolved, forced: selection.forced[id])
                switch decision {
                case .upToDate: break
                case .restore(let outputs, let own):
                    if action == .upToDate { action = .restore }
                    reasons = own + reasons
                    for output in outputs { restored[output.path] = output.digest }
                case .run(let own):
                    action = .run
                    reasons = own + reasons
                }
            }
            willRun[id] = action == .run
            entries.append(Entry(stage: stage.id, action: action, reasons: reasons))
        }
        var preview = Preview(entries: entries)
        preview.listWaiting(workspace.compiled.workflow)
        return preview
    }

    /// Moves the stages that wait for a `levels:` table out of `entries` into `waiting`.
    mutating func listWaiting(_ workflow: Workflow) {
        for levels in workflow.levels where !levels.expanded {
            waiting.append((levels.template + "@*", levels.waitingNote))
            for reader in levels.readers {
                entries.removeAll { $0.stage == reader }
                waiting.append((reader, "expands after '\(levels.producer ?? levels.table)' runs (it gathers from '\(levels.template)')"))
            }
        }
    }
}

/// The stages a run covers (targets and their upstream) and the ones it must run regardless.
struct Selection {
    var selected: [Bool]
    var forced: [Bool]

    init(workspace: Workspace, options: RunOptions) throws {
        let graph = workspace.compiled.graph
        func indices(_ patterns: [String]) throws -> [Int] {
            guard !patterns.isEmpty else { return [] }
            do throws(StageSelectionError) { return try StageSelector(workflow: workspace.compiled.workflow).select(patterns) } catch {
                switch error {
                case .unknown(let name, let suggestion): throw RunError.unknownStage(name, suggestion: suggestion)
                case .noMatch(let pattern, let suggestion): throw RunError.noStageMatches(pattern, suggestion: suggestion)
                }
            }
        }
        let targets = try indices(options.targets)
        selected = targets.isEmpty ? [Bool](repeating: true, count: graph.count) : graph.upstreamClosure(of: targets)
        if options.forceAll {
            forced = [Bool](repeating: true, count: graph.count)
        } else {
            let roots = try indices(options.force)
            forced = roots.isEmpty ? [Bool](repeating: false, count: graph.count) : graph.downstreamCone(of: roots)
        }
    }
}

/// A run that cannot start: the user named something that does not exist.
public enum RunError: Error, Sendable, CustomStringConvertible {
    case unknownStage(String, suggestion: String?)
    /// A glob (`--until 'cox@*'`) that matches no stage.
    case noStageMatches(String, suggestion: String?)
    case unknownParam(String, suggestion: String?)

    public var description: String {
        switch self {
        case .unknownStage(let id, let suggestion):
            return StageSelectionError.unknown(id, suggestion: suggestion).description
        case .noStageMatches(let pattern, let suggestion):
            return StageSelectionError.noMatch(pattern, suggestion: suggestion).description
        case .unknownParam(let name, let suggestion):
            return "no workflow parameter named '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "; declare it under 'params:' in the workflow")
        }
    }
}
