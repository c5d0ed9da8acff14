import StudyCore
import Synchronization

/// Runs each stage as a SLURM batch job: writes a job script (and, for built-in stages, a frozen
/// `StageSpecification` that `studyflow exec-stage` runs on the node) beside the stage's log,
/// submits it with `sbatch --parsable`, and waits on the shared `SlurmPoller`.
///
/// The submitting process has already planned the run and computed every key; jobs only execute.
/// Outputs land in the workspace (a file system the nodes share) and the runner stores them as it
/// does for local stages, so the cache is the same for both executors.
public final class SlurmExecutor: Executor {
    public let name = "slurm"
    private let settings: SlurmSettings
    private let tools: SlurmTools
    private let poller: SlurmPoller
    private let cancelled = Atomic<Bool>(false)

    /// An executor using the tools found on `settings.searchPath`; throws when one is missing.
    public init(settings: SlurmSettings) throws(SlurmError) {
        self.settings = settings
        let tools = try SlurmTools(searchPath: settings.searchPath)
        self.tools = tools
        poller = SlurmPoller(interval: settings.pollInterval, lostGrace: settings.lostGrace) { tools.jobStates() }
    }

    /// Checks, before anything is submitted, that the controller answers and that no stage asks
    /// for more CPUs than the largest node has (SLURM would reject it, or let it pend forever).
    public func check(stages: [(id: String, threads: Int)]) throws(SlurmError) {
        let largest = try tools.largestNodeCPUs(partition: settings.partition)
        if let stage = stages.first(where: { $0.threads > largest }) {
            throw SlurmError.tooManyCPUs(stage: stage.id, asked: stage.threads, largest: largest)
        }
    }

    public func execute(_ job: StageJob) -> StageOutcome { submit(job).outcome }

    public func submit(_ job: StageJob) -> StageExecution {
        if cancelled.load(ordering: .relaxed) { return StageExecution(outcome: .cancelled) }
        let submission = SlurmSubmission(logPath: job.logPath)
        do {
            try FileIO.removeTree(submission.statusFile)
            if case .builtin(let kind, let context) = job.action {
                let spec = StageSpecification(kind: kind, context: context)
                try FileIO.writeAtomically(submission.specFile, Array(spec.json.utf8), durable: false)
            }
            let command = submission.command(for: job.action, container: job.container, sandbox: job.sandbox,
                                             studyflowBinary: settings.studyflowBinary)
            try FileIO.writeAtomically(submission.script, Array(submission.scriptText(for: job, command: command).utf8),
                                       durable: false)
        } catch {
            return StageExecution(outcome: .failed(status: 127, message: "cannot write the job script of stage '\(job.stage)': \(error)"))
        }
        let result = CapturedProcess.run(tools.sbatch, submission.arguments(for: job, settings: settings), directory: job.root)
        let id = result.stdout.split(whereSeparator: \.isNewline).first?.split(separator: ";").first.map(String.init) ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let status = result.status == 0 ? 1 : result.status
            return StageExecution(outcome: .failed(status: status, message: "sbatch rejected the job of stage '\(job.stage)': \(result.message)"))
        }
        guard let end = poller.wait(for: id, statusFile: submission.statusFile) else {
            // Ctrl-C arrived while sbatch was running: this job missed the batched scancel.
            tools.cancel([id])
            return StageExecution(outcome: .cancelled, jobID: id)
        }
        switch end {
        case .exited(0):
            return StageExecution(outcome: .succeeded, jobID: id)
        case .exited(let status):
            return StageExecution(outcome: .failed(status: status, message: "job \(id) exited with status \(status)"), jobID: id)
        case .vanished(let state):
            return StageExecution(outcome: .failed(status: 1, message: Self.describe(vanished: id, stage: job.stage, state: state)),
                                  jobID: id)
        case .cancelled:
            return StageExecution(outcome: .cancelled, jobID: id)
        case .pollFailed(let message):
            return StageExecution(outcome: .failed(status: 1, message: "cannot follow job \(id) of stage '\(job.stage)': \(message)"), jobID: id)
        }
    }

    /// Why a job ended without an exit status of its own, from the state SLURM gives it.
    static func describe(vanished id: String, stage: String, state: String?) -> String {
        switch state {
        case nil:
            return "job \(id) of stage '\(stage)' was cancelled or lost (not in squeue, no exit status)"
        case "CANCELLED"?:
            return "job \(id) of stage '\(stage)' was cancelled (scancel from outside studyflow, or by the cluster)"
        case "TIMEOUT"?:
            return "job \(id) of stage '\(stage)' hit its time limit; raise 'resources.time'"
        case "OUT_OF_MEMORY"?:
            return "job \(id) of stage '\(stage)' ran out of memory; raise 'resources.memory'"
        case let state?:
            return "job \(id) of stage '\(stage)' ended as \(state) with no exit status of its own"
        }
    }

    /// Ctrl-C: `scancel` every job still outstanding, in one call; waiting workers return `.cancelled`.
    public func cancelAll() {
        cancelled.store(true, ordering: .relaxed)
        poller.cancelAll { tools.cancel($0) }
    }
}
