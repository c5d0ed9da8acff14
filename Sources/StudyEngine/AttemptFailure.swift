import StudyCore

/// A limit the batch system killed a job for: the next attempt may ask for more (`2G * attempt`).
public enum ResourceLimit: String, Sendable, Equatable {
    /// Over `resources.memory`: SLURM's `OUT_OF_MEMORY`.
    case memory
    /// Over `resources.time`: SLURM's `TIMEOUT`.
    case time

    /// SLURM's name of the state (`OUT_OF_MEMORY`, `TIMEOUT`), shown to users as the reason.
    public var state: String { self == .memory ? "OUT_OF_MEMORY" : "TIMEOUT" }

    /// The limit behind SLURM's final state `state`, if it is one of these.
    public init?(state: String?) {
        switch state {
        case "OUT_OF_MEMORY"?: self = .memory
        case "TIMEOUT"?: self = .time
        default: return nil
        }
    }

    /// The value of this limit in `resources` (`2G`, `30m`), `nil` when unset.
    func value(in resources: StageResources) -> String? { self == .memory ? resources.memory : resources.time }
}

/// An attempt of a stage that failed while attempts remain, so the runner starts the next: what
/// the progress line and `run --json` show (`stage 'x' attempt 1 of 3: OUT_OF_MEMORY (memory 2G);
/// retrying with memory 4G`), so a retry is never silent.
public struct AttemptFailure: Sendable, Equatable, CustomStringConvertible {
    /// Stage id.
    public var stage: String
    /// The attempt that failed (1-based).
    public var attempt: Int
    /// Attempts the stage may make in all (1 + retries).
    public var attempts: Int
    /// The limit the batch system killed it for, when it did.
    public var limit: ResourceLimit?
    /// Its exit status, when it failed on its own.
    public var exitStatus: Int32?
    /// The executor's one-line explanation.
    public var message: String
    /// The batch system's id of the failed job, if any.
    public var jobID: String?
    /// The resources it had (expressions in `attempt` evaluated).
    public var resources: StageResources
    /// The resources the next attempt gets.
    public var next: StageResources

    /// Creates the description of a failed attempt.
    public init(stage: String, attempt: Int, attempts: Int, limit: ResourceLimit?, exitStatus: Int32?, message: String,
                jobID: String?, resources: StageResources, next: StageResources) {
        self.stage = stage
        self.attempt = attempt
        self.attempts = attempts
        self.limit = limit
        self.exitStatus = exitStatus
        self.message = message
        self.jobID = jobID
        self.resources = resources
        self.next = next
    }

    /// `OUT_OF_MEMORY`, `TIMEOUT`, or `FAILED` when the stage failed on its own.
    public var reason: String { limit?.state ?? "FAILED" }

    public var description: String {
        let head = "stage '\(stage)' attempt \(attempt) of \(attempts)"
        guard let limit else { return "\(head) failed (\(message)); retrying" }
        let name = limit.rawValue
        guard let before = limit.value(in: resources) else {
            return "\(head): \(limit.state) (no '\(name)' set: the cluster's default); retrying with the same resources; set 'resources.\(name)'"
        }
        let after = limit.value(in: next) ?? before
        if after == before {
            return "\(head): \(limit.state) (\(name) \(before)); retrying with the same \(name) \(before); write '\(before) * attempt' to raise it per attempt"
        }
        return "\(head): \(limit.state) (\(name) \(before)); retrying with \(name) \(after)"
    }
}
