import StudyCore
import StudyStore

/// What happens during a run, in order, for whoever listens: the progress display, the JSON event
/// stream, and the provenance recorder, which needs every stage's record and status.
public enum RunEvent: Sendable {
    /// The run begins: its number, the workflow and how many stages are selected.
    case started(RunInfo)
    /// A stage began executing (not sent for cached stages).
    case stageStarted(stage: String, attempt: Int)
    /// News about stages still running (waiting in the batch queue for a reason, retrying), in
    /// batches: one `squeue` call may say why hundreds of array tasks wait.
    case stageNotes([StageNote])
    /// An attempt of a stage failed and the next one starts (not sent for the last attempt).
    case attemptFailed(AttemptFailure)
    /// A stage reached its final status.
    case stageFinished(StageResult)
    /// The run ended.
    case finished(RunSummary)
}

/// Receives run events. Called from worker threads, one event at a time (the runner serializes them).
public protocol RunObserver: Sendable {
    /// Handles one event.
    func handle(_ event: RunEvent)
}

/// Facts about a run known when it starts.
public struct RunInfo: Sendable {
    /// The run number (names its log directory).
    public var run: Int
    /// The workflow's name.
    public var workflow: String
    /// The workflow file.
    public var workflowFile: String
    /// Number of selected stages.
    public var total: Int
    /// Executor name.
    public var executor: String

    /// Creates run facts.
    public init(run: Int, workflow: String, workflowFile: String, total: Int, executor: String) {
        self.run = run
        self.workflow = workflow
        self.workflowFile = workflowFile
        self.total = total
        self.executor = executor
    }
}

/// How one stage ended, with what the provenance of the run needs.
public struct StageResult: Sendable {
    /// Stage id.
    public var stage: String
    /// Final status.
    public var status: StageStatus
    /// Why it ran or was restored (empty when cached or skipped).
    public var reasons: [Reason]
    /// Wall-clock seconds spent on it (executing, restoring or checking).
    public var seconds: Double
    /// The record that now stands for its outputs (nil when failed or skipped).
    public var record: ActionRecord?
    /// Exit status of a failed stage, if it ran.
    public var exitStatus: Int32?
    /// A one-line explanation of a failure, and the tail of its log.
    public var failure: String?
    /// The log of its last execution, if it executed.
    public var logPath: String?
    /// Executions it took (1 + retries used); 0 when it did not execute.
    public var attempts: Int
    /// The batch system's id of its last execution (SLURM job id), for provenance; `nil` when run locally.
    public var jobID: String?
    /// Problems the run repaired on the way (e.g. a corrupt store object quarantined and the stage
    /// rerun), shown as warnings.
    public var warnings: [String] = []
    /// What was found at its output paths and moved into `.studyflow/trash/` instead of deleted.
    public var movedAside: [MovedAside] = []
    /// Whether it executed under bubblewrap (`sandbox: true` or `run --sandbox`), for its record.
    public var sandboxed = false

    /// Creates a result.
    public init(stage: String, status: StageStatus, reasons: [Reason] = [], seconds: Double = 0, record: ActionRecord? = nil,
                exitStatus: Int32? = nil, failure: String? = nil, logPath: String? = nil, attempts: Int = 0,
                jobID: String? = nil, sandboxed: Bool = false) {
        self.sandboxed = sandboxed
        self.stage = stage
        self.status = status
        self.reasons = reasons
        self.seconds = seconds
        self.record = record
        self.exitStatus = exitStatus
        self.failure = failure
        self.logPath = logPath
        self.attempts = attempts
        self.jobID = jobID
    }
}

/// The outcome of a whole run.
public struct RunSummary: Sendable {
    /// The run number.
    public let run: Int
    /// Every selected stage's result, in topological order.
    public let results: [StageResult]
    /// Whether Ctrl-C or SIGTERM stopped the run.
    public let interrupted: Bool
    /// Wall-clock seconds.
    public let seconds: Double

    /// True when nothing failed and the run was not interrupted.
    public let ok: Bool

    /// Creates a summary.
    public init(run: Int, results: [StageResult], interrupted: Bool, seconds: Double) {
        self.run = run
        self.results = results
        self.interrupted = interrupted
        self.seconds = seconds
        ok = !interrupted && !results.contains { $0.status.isFailure || $0.status == .skipped }
    }

    /// How the run ended, as provenance records it and the progress line says it.
    public var outcome: RunOutcome { interrupted ? .interrupted : ok ? .ok : .failed }

    /// Stage ids with `status`, in topological order.
    public func stages(_ status: StageStatus) -> [String] { results.filter { $0.status == status }.map(\.stage) }
}
