/// News about a stage between its start and its end, for the progress display: it waits in the
/// batch system's queue for a reason worth knowing (a DOWN node, a held job). Without these a user
/// sees a silent wait. (A failed attempt that is retried is `RunEvent.attemptFailed`.)
public struct StageNote: Sendable, Equatable {
    /// What happened.
    public enum Kind: Sendable, Equatable {
        /// The stage's job waits in the queue for SLURM's `reason` (`ReqNodeNotAvail, …`);
        /// `nil` when it no longer does (it runs, ended, or waits only for its turn).
        case queued(reason: String?)
    }

    /// Stage id.
    public var stage: String
    /// What happened.
    public var kind: Kind

    /// Creates a note.
    public init(stage: String, kind: Kind) {
        self.stage = stage
        self.kind = kind
    }
}
