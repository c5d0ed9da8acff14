/// How a stage ended in a run. The engine decides it, the JSON events and the provenance records
/// spell it with `rawValue` (`ran`, `cached`, …), so it lives here, below both: the engine must
/// not import StudyProvenance (DESIGN.md section 1).
public enum StageStatus: String, Sendable, Codable, CaseIterable {
    /// It executed and succeeded.
    case ran
    /// Its key and outputs were unchanged.
    case cached
    /// Its outputs were copied back from the store.
    case restored
    /// It executed and failed (or could not be started).
    case failed
    /// It was not attempted: an upstream stage failed, or the run stopped.
    case skipped
    /// It was executing when Ctrl-C, SIGTERM or SIGHUP stopped the run; its outputs were not kept.
    case interrupted

    /// Whether the stage's outputs stand recorded after the run (it ran, was cached or restored).
    public var hasOutputs: Bool {
        switch self {
        case .ran, .cached, .restored: return true
        case .failed, .skipped, .interrupted: return false
        }
    }

    /// Whether it was attempted and did not finish: a failure or an interruption. Either stops
    /// the stages downstream of it.
    public var isFailure: Bool { self == .failed || self == .interrupted }

    /// Whether it spent time executing or restoring in this run (the time shown and recorded).
    public var didWork: Bool { self != .cached && self != .skipped }
}

/// How a whole run ended, as `run.json`'s `outcome` and the progress line say it.
public enum RunOutcome: String, Sendable, Codable, CaseIterable {
    /// Every selected stage ran, was cached or restored.
    case ok
    /// A stage failed, or was skipped because of a failure.
    case failed
    /// Ctrl-C, SIGTERM or SIGHUP stopped the run.
    case interrupted
}
