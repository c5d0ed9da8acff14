import StudyCore
import StudyStore

/// What to do with one stage, and why.
public enum StageDecision: Equatable, Sendable {
    /// Key unchanged, outputs intact: nothing to do.
    case upToDate
    /// Key unchanged but some outputs are missing or edited: copy them back from the store.
    case restore([OutputState], reasons: [Reason])
    /// The stage must run.
    case run([Reason])

    /// The reasons, empty when up to date.
    public var reasons: [Reason] {
        switch self {
        case .upToDate: return []
        case .restore(_, let reasons), .run(let reasons): return reasons
        }
    }
}

/// Decides a stage's fate by comparing its resolved key and outputs with the store (DESIGN.md
/// section 3), and explains a changed key by diffing against the stage's last record.
public struct Staleness: Sendable {
    /// The action records.
    public var log: SharedActionLog
    /// Objects, for "can this be restored?".
    public var objects: ObjectStore
    /// Hashes outputs on disk through the stat cache.
    public var hasher: ArtifactHasher

    /// Creates a decider.
    public init(log: SharedActionLog, objects: ObjectStore, hasher: ArtifactHasher) {
        self.log = log
        self.objects = objects
        self.hasher = hasher
    }

    /// The decision for `resolved`; `forced` skips the comparison.
    public func decide(_ resolved: ResolvedStage, forced: Bool) throws -> StageDecision {
        if forced { return .run([.forced]) }
        guard let record = log.record(stage: resolved.stage.id, key: resolved.key) else {
            return .run(Self.explain(resolved, against: log.latest(resolved.stage.id)))
        }
        var damaged: [OutputState] = []
        var reasons: [Reason] = []
        for output in record.outputs {
            let display = output.isDirectory ? output.path + "/" : output.path
            switch try hasher.digest(of: output.path, role: .output) {
            case output.digest?: continue
            case nil: reasons.append(.outputMissing(display))
            case _?: reasons.append(.outputEdited(display))
            }
            damaged.append(output)
        }
        if damaged.isEmpty { return .upToDate }
        // A record whose objects are gone (gc, fsck's quarantine) cannot restore: run instead.
        for output in damaged where !objects.canRestore(output) {
            return .run([.outputNotInStore(output.isDirectory ? output.path + "/" : output.path)])
        }
        // Back to an earlier key (a parameter switched back): the outputs on disk are another
        // version, not edits; say what changed since that version.
        if let latest = log.latest(resolved.stage.id), latest.key != resolved.key {
            return .restore(damaged, reasons: Self.explain(resolved, against: latest))
        }
        return .restore(damaged, reasons: reasons)
    }

    /// Every recorded fact that differs between `previous` and `resolved`, in a fixed order.
    public static func explain(_ resolved: ResolvedStage, against previous: ActionRecord?) -> [Reason] {
        guard let previous else { return [.neverRun] }
        var reasons: [Reason] = []
        if previous.kind != resolved.kindTag { reasons.append(.kindChanged(from: previous.kind, to: resolved.kindTag)) }
        if previous.container?.digest != resolved.container?.digest {
            let image = resolved.container?.image ?? previous.container?.image ?? ""
            reasons.append(.containerChanged(image: image, from: previous.container?.digest, to: resolved.container?.digest))
        }
        if previous.commandDigest != resolved.commandDigest { reasons.append(.commandChanged) }
        let params = resolved.recordedParams
        for name in Set(params.keys).union(previous.params.keys).sorted() where params[name] != previous.params[name] {
            reasons.append(.paramChanged(name: name, from: previous.params[name], to: params[name]))
        }
        let env = resolved.recordedEnv
        for name in Set(env.keys).union(previous.env.keys).sorted() where env[name] != previous.env[name] {
            reasons.append(.envChanged(name))
        }
        reasons += toolReasons(resolved.tools, against: previous.tools.filter(\.listed))
        var old: [String: Digest] = [:]
        for input in previous.inputs { old[input.path] = input.digest }
        var current: Set<String> = []
        for input in resolved.inputs {
            current.insert(input.path)
            switch old[input.path] {
            case nil: reasons.append(.inputAdded(input.path))
            case input.digest?: break
            case _?: reasons.append(.inputChanged(input.path))
            }
        }
        for input in previous.inputs where !current.contains(input.path) { reasons.append(.inputRemoved(input.path)) }
        let outputs = resolved.stage.outputs.map(\.path)
        if reasons.isEmpty, outputs != previous.outputs.map(\.path) { reasons.append(.commandChanged) }
        return reasons.isEmpty ? [.commandChanged] : reasons
    }

    /// How the listed tools differ from those the record listed, by name.
    static func toolReasons(_ current: [ToolState], against previous: [ToolState]) -> [Reason] {
        var old: [String: ToolState] = [:]
        for tool in previous { old[tool.name] = tool }
        var reasons: [Reason] = []
        for tool in current.sorted(by: { $0.name < $1.name }) {
            guard let before = old.removeValue(forKey: tool.name) else { reasons.append(.toolListed(tool.name)); continue }
            if before.digest != tool.digest {
                let change = ToolState.change(from: before, to: tool)
                reasons.append(.toolChanged(name: tool.name, from: change.from, to: change.to))
            }
        }
        for name in old.keys.sorted() { reasons.append(.toolUnlisted(name)) }
        return reasons
    }
}
