import StudyCore
import StudyStore

extension Runner {
    /// Everything the attempts of one stale stage share.
    struct StageAttempts: Sendable {
        var resolved: ResolvedStage
        var id: Int
        var reasons: [Reason]
        var start: Double
        var committer: RecordCommitter
        var job: StageJob
        var logPath: String
        var attempts: Int
        /// How a sandboxed stage's outputs are staged; `nil` when it does not run sandboxed.
        var staging: SandboxStaging?
        /// The host programs its command calls, for its record.
        var tools: [ToolState]
        var done: @Sendable (StageResult) -> Void

        /// Throws `SandboxError` when the stage runs sandboxed and `bwrap` is missing.
        init(_ runner: Runner, _ resolved: ResolvedStage, id: Int, reasons: [Reason], start: Double, committer: RecordCommitter,
             done: @escaping @Sendable (StageResult) -> Void) throws {
            try runner.makeLogDirectory()
            self.resolved = resolved
            self.id = id
            self.reasons = reasons
            self.start = start
            self.committer = committer
            logPath = runner.workspace.layout.log(run: runner.run, stage: resolved.stage.id)
            var job = runner.makeJob(resolved, id: id, logPath: logPath)
            job.template = runner.workspace.compiled.workflow.template(of: id)
            job.runsLocally = resolved.stage.resources.runsLocally
            staging = try runner.sandbox(&job, resolved)
            self.job = job
            tools = runner.hostTools(resolved)
            attempts = 1 + (runner.options.retries ?? resolved.stage.resources.retries)
            self.done = done
        }

        /// The stage's result with `attempt` attempts made so far.
        func result(_ status: StageStatus, attempts attempt: Int, exitStatus: Int32? = nil, failure: String? = nil,
                    jobID: String? = nil, record: ActionRecord? = nil, sandboxed: Bool = false) -> StageResult {
            StageResult(stage: resolved.stage.id, status: status, reasons: reasons, seconds: SystemClock.monotonicSeconds() - start,
                        record: record, exitStatus: exitStatus, failure: failure, logPath: existing(logPath), attempts: attempt, jobID: jobID,
                        sandboxed: sandboxed)
        }
    }
}
