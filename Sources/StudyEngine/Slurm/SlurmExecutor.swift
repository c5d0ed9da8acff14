import Dispatch
import StudyCore
import Synchronization

/// Runs each stage as a SLURM batch job: writes a job script (and, for built-in stages, a frozen
/// `StageSpecification` that `studyflow exec-stage` runs on the node) beside the stage's log,
/// submits it with `sbatch --parsable`, and waits on the shared `SlurmPoller`.
///
/// Fan-out instances go out as job arrays: `start` hands an instance to an `ArrayBatcher`, which
/// submits the ready instances of one template with equal resources as one
/// `sbatch --array=0-(n-1)%J` (`J` = `-j`, the tasks running at once; chunked at the cluster's
/// `MaxArraySize`), and the instance completes later, from the poller, without holding a thread.
/// Plain stages are single jobs that block their worker as before, so `-j` also bounds them.
/// `local: true` stages run on the submitting host through `local`.
///
/// The submitting process has already planned the run and computed every key; jobs only execute.
/// Outputs land in the workspace (a file system the nodes share) and the runner stores them as it
/// does for local stages, so the cache is the same for both executors.
public final class SlurmExecutor: Executor {
    public let name = "slurm"
    private let settings: SlurmSettings
    let tools: SlurmTools
    let poller: SlurmPoller
    private let cancelled = Atomic<Bool>(false)
    private let local: any Executor
    private let batcher: Mutex<ArrayBatcher?> = Mutex(nil)
    private let arrays = Mutex<(numbers: [String: Int], maxSize: Int?)>(([:], nil))
    /// Where completions of array tasks run (the runner then stores their outputs).
    let completions = DispatchQueue(label: "studyflow.slurm.completions", attributes: .concurrent)
    /// The journal of submitted jobs (`nil` without `settings.journalDirectory`), and the jobs of
    /// earlier runs found in it when the run began.
    let journal: SlurmJournal?
    let earlier = Mutex<EarlierJobs?>(nil)
    let report = Mutex(ReattachReport())
    /// Earlier jobs `reattach` took over, until `start` follows them.
    let adopted = Mutex<[String: EarlierJobs.Job]>([:])

    /// An executor using the tools found on `settings.searchPath`; throws when one is missing.
    /// `local` runs the stages marked `local: true`.
    public init(settings: SlurmSettings, local: any Executor = LocalExecutor()) throws(SlurmError) {
        self.settings = settings
        self.local = local
        let tools = try SlurmTools(searchPath: settings.searchPath)
        self.tools = tools
        journal = settings.journalDirectory.map(SlurmJournal.init(directory:))
        let accounting = AccountingProbe(tools: tools)
        poller = SlurmPoller(interval: settings.pollInterval, lostGrace: settings.lostGrace, tick: settings.statusTick,
                             accounting: { accounting.states($0) }) { tools.jobStates() }
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

    /// Writes `job`'s files (status file removed, specification, job script); the stage's failure
    /// when they cannot be written.
    private func prepare(_ job: StageJob, _ submission: SlurmSubmission) -> StageExecution? {
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
        return nil
    }

    public func submit(_ job: StageJob) -> StageExecution {
        if cancelled.load(ordering: .relaxed) { return StageExecution(outcome: .cancelled) }
        if job.runsLocally { return local.submit(job) }
        let submission = SlurmSubmission(logPath: job.logPath)
        if let failure = prepare(job, submission) { return failure }
        let result = CapturedProcess.run(tools.sbatch, submission.arguments(for: job, settings: settings), directory: job.root)
        let id = result.stdout.split(whereSeparator: \.isNewline).first?.split(separator: ";").first.map(String.init) ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let status = result.status == 0 ? 1 : result.status
            return StageExecution(outcome: .failed(status: status, message: "sbatch rejected the job of stage '\(job.stage)': \(result.message)"))
        }
        if let failure = journalSubmission(id, [(job: job, submission: submission, task: nil)]) { return StageExecution(outcome: failure, jobID: id) }
        defer { journal?.collected([id]) }
        guard let end = poller.wait(for: id, statusFile: submission.statusFile) else {
            // Ctrl-C arrived while sbatch was running: this job missed the batched scancel.
            tools.cancel([id])
            return StageExecution(outcome: .cancelled, jobID: id)
        }
        return Self.execution(end, id: id, stage: job.stage)
    }

    /// What a job's end means for its stage.
    static func execution(_ end: JobEnd, id: String, stage: String) -> StageExecution {
        switch end {
        case .exited(0):
            return StageExecution(outcome: .succeeded, jobID: id)
        case .exited(let status):
            return StageExecution(outcome: .failed(status: status, message: "job \(id) exited with status \(status)"), jobID: id)
        case .vanished(let state):
            return StageExecution(outcome: .failed(status: 1, message: Self.describe(vanished: id, stage: stage, state: state)),
                                  jobID: id)
        case .cancelled:
            return StageExecution(outcome: .cancelled, jobID: id)
        case .pollFailed(let message):
            return StageExecution(outcome: .failed(status: 1, message: "cannot follow job \(id) of stage '\(stage)': \(message)"), jobID: id)
        }
    }

    /// A fan-out instance joins a job array (it completes later, from the poller); any other
    /// stage runs as `submit` does, before this returns.
    public func start(_ job: StageJob, completion: @escaping @Sendable (StageExecution) -> Void) {
        if !job.runsLocally, job.attempt == 1, let taken = takeOver(job) {
            return follow(taken, job: job, completion: completion)
        }
        guard let template = job.template, !job.runsLocally, !cancelled.load(ordering: .relaxed) else {
            return completion(submit(job))
        }
        let submission = SlurmSubmission(logPath: job.logPath)
        if let failure = prepare(job, submission) { return completion(failure) }
        let key = ArrayBatcher.Key(template: template, directory: parentDirectory(job.logPath), threads: job.threads,
                                   memory: job.memory, time: job.time)
        let entry = ArrayBatcher.Entry(job: job, submission: submission, completion: completion)
        if !arrayBatcher().add(entry, key: key) { completion(StageExecution(outcome: .cancelled)) }
    }

    private func arrayBatcher() -> ArrayBatcher {
        batcher.withLock { batcher in
            if let batcher { return batcher }
            let made = ArrayBatcher(window: settings.coalesceWindow, cap: settings.coalesceCap,
                                    chunk: { [self] in maxArraySize() }, submit: { [self] in submitArray($0, $1) })
            batcher = made
            return made
        }
    }

    /// `MaxArraySize`, asked of the cluster once.
    private func maxArraySize() -> Int {
        arrays.withLock { state in
            if let size = state.maxSize { return size }
            let size = tools.maxArraySize()
            state.maxSize = size
            return size
        }
    }

    /// Submits `entries` (one template, equal resources) as job arrays of at most `MaxArraySize`
    /// tasks, each throttled to `-j` running tasks, and watches every task's status file.
    private func submitArray(_ key: ArrayBatcher.Key, _ entries: [ArrayBatcher.Entry]) {
        for range in SlurmArray.chunks(entries.count, maxArraySize: maxArraySize()) {
            let chunk = Array(entries[range])
            let number = arrays.withLock { state -> Int in
                state.numbers[key.template, default: 0] += 1
                return state.numbers[key.template]!
            }
            let array = SlurmArray(template: key.template, directory: key.directory,
                                   bases: chunk.map { Self.base(of: $0.submission) }, number: number)
            submitChunk(array, chunk)
        }
    }

    private func submitChunk(_ array: SlurmArray, _ chunk: [ArrayBatcher.Entry]) {
        func fail(_ status: Int32, _ message: String) {
            for entry in chunk { complete(entry, StageExecution(outcome: .failed(status: status, message: message))) }
        }
        do {
            try FileIO.writeAtomically(array.manifest, Array(array.manifestText.utf8), durable: false)
            try FileIO.writeAtomically(array.script, Array(array.scriptText.utf8), durable: false)
        } catch {
            return fail(127, "cannot write the job array of stage '\(array.template)': \(error)")
        }
        let arguments = SlurmSubmission.arguments(name: array.template, log: array.output, job: chunk[0].job, settings: settings,
                                                  script: array.script, array: array.range(throttle: settings.arrayThrottle))
        let result = CapturedProcess.run(tools.sbatch, arguments, directory: chunk[0].job.root)
        let id = result.stdout.split(whereSeparator: \.isNewline).first?.split(separator: ";").first.map(String.init) ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            return fail(result.status == 0 ? 1 : result.status, "sbatch rejected the job array of stage '\(array.template)': \(result.message)")
        }
        if let failure = journalSubmission(id, chunk.enumerated().map { (job: $0.element.job, submission: $0.element.submission, task: Optional($0.offset)) }) {
            for entry in chunk { complete(entry, StageExecution(outcome: failure, jobID: id)) }
            return
        }
        var refused = false
        for (index, entry) in chunk.enumerated() {
            let task = SlurmArray.taskID(id, index)
            let watching = !refused && poller.watch(task, statusFile: entry.submission.statusFile) { [self] end in
                complete(entry, Self.execution(end, id: task, stage: entry.job.stage))
            }
            if !watching {
                // Ctrl-C arrived while sbatch was running: this array missed the batched scancel.
                if !refused { tools.cancel([id]) }
                refused = true
                complete(entry, StageExecution(outcome: .cancelled, jobID: task))
            }
        }
    }

    /// Hands an array task's end to the runner off the poller's thread (it stores outputs), then
    /// marks it collected in the journal.
    private func complete(_ entry: ArrayBatcher.Entry, _ execution: StageExecution) {
        completions.async { [journal] in
            entry.completion(execution)
            if let id = execution.jobID { journal?.collected([id]) }
        }
    }

    /// `cox@msk` for the files `…/cox@msk.sbatch`, `.log`, `.status`.
    static func base(of submission: SlurmSubmission) -> String {
        let name = submission.script.split(separator: "/").last.map(String.init) ?? submission.script
        return String(name.dropLast(".sbatch".count))
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
        let unsent = batcher.withLock { $0?.cancelAll() } ?? []
        // Jobs taken over from an earlier run but not yet followed go too (one scancel for all).
        let earlierJobs = (earlier.withLock { $0 }?.drain() ?? []) + adopted.withLock { Array($0.values) }
        poller.cancelAll { ids in
            // This run's arrays go whole; an earlier run's tasks one by one (their arrays may hold others).
            let earlierIDs = earlierJobs.filter { $0.fate == .running }.map(\.entry.id)
            let own = ids.filter { !Set(earlierIDs).contains($0) }
            tools.cancel(own)
            tools.cancelExactly(earlierIDs)
        }
        local.cancelAll()
        for entry in unsent { entry.completion(StageExecution(outcome: .cancelled)) }
    }
}

/// `sacct`, used only while it works: the first "accounting storage is disabled" (or any failure)
/// turns it off for the rest of the run, so a cluster without accounting costs one call at most.
final class AccountingProbe: Sendable {
    private let tools: SlurmTools
    private let usable = Atomic<Bool>(true)

    init(tools: SlurmTools) {
        self.tools = tools
        usable.store(tools.sacct != nil, ordering: .relaxed)
    }

    /// Final states of `ids`, or `nil` when the cluster keeps no accounting.
    func states(_ ids: [String]) -> [String: String]? {
        guard usable.load(ordering: .relaxed) else { return nil }
        guard let states = tools.accountedStates(ids) else {
            usable.store(false, ordering: .relaxed)
            return nil
        }
        return states
    }
}
