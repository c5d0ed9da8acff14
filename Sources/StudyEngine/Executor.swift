import StudyCore

/// Runs one stage's action somewhere: a local child process, in-process for built-ins, or a SLURM
/// job. The engine decides *what* runs; an executor only runs it.
public protocol Executor: Sendable {
    /// `local`, `slurm`, … as recorded in provenance.
    var name: String { get }
    /// Runs `job` to completion, blocking the calling worker. A non-zero exit is a result, not a throw.
    func execute(_ job: StageJob) -> StageOutcome
    /// Runs `job` like `execute`, and also says which batch job ran it (SLURM's job id), so the
    /// run's provenance can name it. Executors without job ids need not implement it.
    func submit(_ job: StageJob) -> StageExecution
    /// Starts `job` and calls `completion` exactly once with how it ended: before returning, for
    /// an executor that runs a job in the caller's thread (the default, via `submit`), or later
    /// from another thread, for one that collects jobs into batches (SLURM job arrays). A job
    /// completed later no longer holds the caller's thread, so thousands can wait at once.
    func start(_ job: StageJob, completion: @escaping @Sendable (StageExecution) -> Void)
    /// Stops everything still running (Ctrl-C); running `execute` calls then return `.cancelled`.
    func cancelAll()
    /// Hands `observer` the news about jobs a batch system holds (why they wait in its queue);
    /// the runner turns it into `RunEvent.stageNotes`. Executors without a queue ignore it.
    func observeQueue(_ observer: @escaping @Sendable ([StageNote]) -> Void)
    /// A stage failed and the run stops without `--keep-going`: jobs handed over but not yet
    /// started (queued array tasks) are withdrawn and complete as `.cancelled`; running ones
    /// finish. Executors that start jobs at once have nothing to withdraw.
    func withdrawQueued()
    /// Before stages start (once per runner; `final` for a run's last one): takes stock of jobs an
    /// earlier run left behind (SLURM's journal) against `workspace`'s plan, cancelling those it
    /// no longer needs. `nil` when there is nothing to say.
    func begin(_ workspace: Workspace, final: Bool) -> ReattachReport?
    /// Whether a job of an earlier run already does exactly `job` (same stage, same key): then the
    /// next `start(job)` follows that job instead of submitting it again, and the runner leaves
    /// the stage's outputs alone, as the job may be writing them.
    func reattach(_ job: StageJob) -> Bool
    /// The run is over: earlier jobs no stage took over are cancelled (returned), and what the
    /// executor kept for a later run is removed.
    func end() -> ReattachReport?
    /// Before stages start: the fan-out instances (stage ids by template) this run may hand
    /// over, so an executor that batches them (SLURM job arrays) can wait for a template's last one.
    func expect(_ instances: [String: [String]])
    /// Stage `stage` will not be handed over (again) in this run: it finished, was up to date or
    /// restored, or was skipped. Called for every stage; executors that do not batch ignore it.
    func settled(_ stage: String)
}

extension Executor {
    /// No batch system: the outcome alone.
    public func submit(_ job: StageJob) -> StageExecution { StageExecution(outcome: execute(job)) }

    /// No queue: nothing to report.
    public func observeQueue(_ observer: @escaping @Sendable ([StageNote]) -> Void) {}

    /// Nothing waits unstarted.
    public func withdrawQueued() {}

    /// Runs the job in the caller's thread.
    public func start(_ job: StageJob, completion: @escaping @Sendable (StageExecution) -> Void) {
        completion(submit(job))
    }

    /// Nothing outlives a run.
    public func begin(_ workspace: Workspace, final: Bool) -> ReattachReport? { nil }

    /// Nothing to take over.
    public func reattach(_ job: StageJob) -> Bool { false }

    /// Nothing kept.
    public func end() -> ReattachReport? { nil }

    /// Nothing batched: nothing to wait for.
    public func expect(_ instances: [String: [String]]) {}

    /// Nothing batched.
    public func settled(_ stage: String) {}
}

/// How one execution ended, and the batch system's id for it when there was one.
public struct StageExecution: Sendable, Equatable {
    /// How it ended.
    public var outcome: StageOutcome
    /// SLURM's job id (`nil` for local execution, or when submission itself failed).
    public var jobID: String?
    /// Whether a failure may be retried (`retries:`): false when someone ended the job on purpose
    /// (`scancel` from outside studyflow), which a retry would undo.
    public var retryable: Bool
    /// The limit the batch system killed the job for (`OUT_OF_MEMORY`, `TIMEOUT`), so a retry can
    /// say why and ask for the next attempt's resources.
    public var limit: ResourceLimit?

    /// Creates an execution result.
    public init(outcome: StageOutcome, jobID: String? = nil, retryable: Bool = true, limit: ResourceLimit? = nil) {
        self.outcome = outcome
        self.jobID = jobID
        self.retryable = retryable
        self.limit = limit
    }
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
    /// What the stage asks of the machine: slots (SLURM `--cpus-per-task`), `memory` (`--mem`)
    /// and `time` (`--time`) as written.
    public var resources: StageResources
    /// Slots the stage takes.
    public var threads: Int { resources.threads }
    /// `resources.memory` of this attempt (an expression in `attempt` evaluated), if any.
    public var memory: String? { resources.memory }
    /// `resources.time` of this attempt (an expression in `attempt` evaluated), if any.
    public var time: String? { resources.time }
    /// Absolute path of the stage's log (stdout and stderr).
    public var logPath: String
    /// 1 for the first try, 2 for the first retry, …
    public var attempt: Int
    /// For a sandboxed shell stage: the bwrap command line that runs it (`sandbox: true`).
    public var sandbox: SandboxInvocation?
    /// For a shell stage with `container:`, how its runtime runs `sh -c COMMAND` in the image
    /// instead of `/bin/sh` on the host.
    public var container: ContainerInvocation?
    /// The fan-out template this stage is an instance of (`cox` for `cox@msk`): a batch system
    /// may submit ready instances of one template with equal resources as one job array.
    public var template: String?
    /// `local: true`: runs on the submitting host whatever the executor.
    public var runsLocally = false
    /// The stage key (hex) this job computes, journaled with a batch job so a later run can
    /// tell whether the job still does what its plan needs.
    public var key: String?

    /// What a job runs.
    public enum Action: Sendable {
        /// `/bin/sh -c COMMAND`.
        case shell(String)
        /// A built-in kind, run in-process.
        case builtin(any StageKind, StageKindContext)
    }

    /// Creates a job.
    public init(stage: String, action: Action, root: String, environment: [String: String],
                resources: StageResources = StageResources(), logPath: String, attempt: Int = 1,
                container: ContainerInvocation? = nil) {
        self.container = container
        self.stage = stage
        self.action = action
        self.root = root
        self.environment = environment
        self.resources = resources
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
