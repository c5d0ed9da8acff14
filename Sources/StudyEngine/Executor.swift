import StudyCore

/// Runs one stage's action somewhere: a local child process, in-process for built-ins, or (later)
/// a SLURM job. The engine decides *what* runs; an executor only runs it.
public protocol Executor: Sendable {
    /// `local`, `slurm`, … as recorded in provenance.
    var name: String { get }
    /// Runs `job` to completion, blocking the calling worker. A non-zero exit is a result, not a throw.
    func execute(_ job: StageJob) -> StageOutcome
    /// Stops everything still running (Ctrl-C); running `execute` calls then return `.cancelled`.
    func cancelAll()
}

/// One execution of a stage, fully resolved: the executor needs nothing else.
public struct StageJob: Sendable {
    /// Stage id.
    public var stage: String
    /// What to run.
    public var action: Action
    /// Absolute workspace root, the working directory.
    public var root: String
    /// Extra environment (`STUDYFLOW_PARAM_*`, `STUDYFLOW_STAGE`).
    public var environment: [String: String]
    /// Slots the stage takes.
    public var threads: Int
    /// Absolute path of the stage's log (stdout and stderr).
    public var logPath: String
    /// 1 for the first try, 2 for the first retry, …
    public var attempt: Int

    /// What a job runs.
    public enum Action: Sendable {
        /// `/bin/sh -c COMMAND`.
        case shell(String)
        /// A built-in kind, run in-process.
        case builtin(any StageKind, StageKindContext)
    }

    /// Creates a job.
    public init(stage: String, action: Action, root: String, environment: [String: String], threads: Int,
                logPath: String, attempt: Int = 1) {
        self.stage = stage
        self.action = action
        self.root = root
        self.environment = environment
        self.threads = threads
        self.logPath = logPath
        self.attempt = attempt
    }
}

/// How an execution ended. Failure is a normal value (as in swift-subprocess), never a throw.
public enum StageOutcome: Equatable, Sendable {
    /// Exit status 0.
    case succeeded
    /// Non-zero exit status, or killed by a signal (then `status` is 128 + signal), with an explanation.
    case failed(status: Int32, message: String)
    /// Stopped by Ctrl-C / SIGTERM.
    case cancelled
}
