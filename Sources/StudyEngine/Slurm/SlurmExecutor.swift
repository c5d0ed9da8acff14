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
/// `local: true` stages run on the submitting host through `local`. Stages with `group: NAME` go to
/// a `GroupSubmitter`, which runs the ready ones of a group one after another in group jobs.
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
    private let groups: Mutex<GroupSubmitter?> = Mutex(nil)
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
                             accounting: { accounting.states($0) }, queue: { tools.queue() })
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
        let jobs: [Submitted] = [(job: job, submission: submission, task: nil)]
        let intent = journalIntent(jobs)
        if let failure = intent.failure { return StageExecution(outcome: failure) }
        let arguments = Self.commented(submission.arguments(for: job, settings: settings), token: intent.token)
        let result = tools.submit(arguments, directory: job.root, stop: { cancelled.load(ordering: .relaxed) })
        let id = result.stdout.split(whereSeparator: \.isNewline).first?.split(separator: ";").first.map(String.init) ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let status = result.status == 0 ? 1 : result.status
            return StageExecution(outcome: .failed(status: status, message: "sbatch rejected the job of stage '\(job.stage)': \(result.message)"))
        }
        if let failure = journalSubmission(id, jobs, token: intent.token) { return StageExecution(outcome: failure, jobID: id) }
        defer { journal?.collected([id]) }
        guard let end = poller.wait(for: id, statusFile: submission.statusFile, stage: job.stage) else {
            // Ctrl-C arrived while sbatch was running: this job missed the batched scancel.
            tools.cancel([id])
            return StageExecution(outcome: .cancelled, jobID: id)
        }
        // SLURM's output for a single job goes to the stage's log.
        return ended(JobKillEvidence.refine(end, id: id, output: job.logPath), id: id, stage: job.stage, resources: job.resources)
    }

    /// `execution(end, …)`, after cancelling a job SLURM requeued behind studyflow's back (the
    /// runner's retry replaces it; two copies would write the same outputs at once).
    private func ended(_ end: JobEnd, id: String, stage: String, resources: StageResources) -> StageExecution {
        if end == .vanished(state: "REQUEUED") { tools.cancelExactly([id]) }
        return Self.execution(end, id: id, stage: stage, resources: resources)
    }

    /// What a job's end means for its stage; `resources` (this attempt's) name the limit a job
    /// killed for memory or time had.
    static func execution(_ end: JobEnd, id: String, stage: String, resources: StageResources = StageResources()) -> StageExecution {
        if case .vanished(let state) = end, let limit = ResourceLimit(state: state) {
            return StageExecution(outcome: .failed(status: 1, message: describe(limit, id: id, stage: stage, resources: resources)),
                                  jobID: id, limit: limit)
        }
        switch end {
        case .exited(0):
            return StageExecution(outcome: .succeeded, jobID: id)
        case .exited(let status):
            return StageExecution(outcome: .failed(status: status, message: "job \(id) exited with status \(status)"), jobID: id)
        case .vanished(let state):
            // A job cancelled on purpose stays cancelled: a retry would undo someone's scancel.
            return StageExecution(outcome: .failed(status: 1, message: Self.describe(vanished: id, stage: stage, state: state)),
                                  jobID: id, retryable: state != "CANCELLED")
        case .cancelled:
            return StageExecution(outcome: .cancelled, jobID: id)
        case .pollFailed(let message):
            return StageExecution(outcome: .failed(status: 1, message: "cannot follow job \(id) of stage '\(stage)': \(message)"), jobID: id)
        }
    }

    /// A stage with `group:` joins a group job, and a fan-out instance a job array (both complete
    /// later, from the poller); any other stage runs as `submit` does, before this returns.
    public func start(_ job: StageJob, completion: @escaping @Sendable (StageExecution) -> Void) {
        if !job.runsLocally, job.attempt == 1, let taken = takeOver(job) {
            settled(job.stage)
            return follow(taken, job: job, completion: completion)
        }
        guard job.template != nil || job.resources.group != nil, !job.runsLocally, !cancelled.load(ordering: .relaxed) else {
            settled(job.stage)
            return completion(submit(job))
        }
        let submission = SlurmSubmission(logPath: job.logPath)
        if let failure = prepare(job, submission) {
            settled(job.stage)
            return completion(failure)
        }
        if let group = job.resources.group {
            settled(job.stage)
            let entry = ArrayBatcher.Entry(job: job, submission: submission, completion: completion)
            if !groupSubmitter().add(entry, group: group) { completion(StageExecution(outcome: .cancelled)) }
            return
        }
        guard let template = job.template else { return completion(submit(job)) }
        let key = ArrayBatcher.Key(template: template, directory: parentDirectory(job.logPath), threads: job.threads,
                                   memory: job.memory, time: job.time)
        let entry = ArrayBatcher.Entry(job: job, submission: submission, completion: completion)
        if !arrayBatcher().add(entry, key: key) { completion(StageExecution(outcome: .cancelled)) }
    }

    /// Holds each template's instances until the last one is ready (see `ArrayBatcher`), so a
    /// fan-out costs one `sbatch` however far apart its upstreams finish.
    public func expect(_ instances: [String: [String]]) {
        guard settings.holdArrays, !instances.isEmpty else { return }
        arrayBatcher().expect(instances)
    }

    /// Releases a held template once `stage` was its last awaited instance.
    public func settled(_ stage: String) {
        batcher.withLock { $0 }?.settle(stage)
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

    private func groupSubmitter() -> GroupSubmitter {
        groups.withLock { groups in
            if let groups { return groups }
            let made = GroupSubmitter(settings: settings, tools: tools, poller: poller, maxArraySize: { [self] in maxArraySize() },
                                      journal: GroupSubmitter.Journaling(
                                          intend: { [self] jobs, group in journalIntent(jobs, group: group) },
                                          record: { [self] id, jobs, token, group in journalSubmission(id, jobs, token: token, group: group) },
                                          collected: { [journal] entries in journal?.collected(entries) }))
            groups = made
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
            for entry in chunk { complete(entry) { StageExecution(outcome: .failed(status: status, message: message)) } }
        }
        do {
            try FileIO.writeAtomically(array.manifest, Array(array.manifestText.utf8), durable: false)
            try FileIO.writeAtomically(array.script, Array(array.scriptText.utf8), durable: false)
        } catch {
            return fail(127, "cannot write the job array of stage '\(array.template)': \(error)")
        }
        let jobs: [Submitted] = chunk.enumerated().map { (job: $0.element.job, submission: $0.element.submission, task: Optional($0.offset)) }
        let intent = journalIntent(jobs)
        if let failure = intent.failure {
            for entry in chunk { complete(entry) { StageExecution(outcome: failure) } }
            return
        }
        let arguments = Self.commented(SlurmSubmission.arguments(name: array.template, log: array.output, job: chunk[0].job, settings: settings,
                                                                 script: array.script, array: array.range(throttle: settings.arrayThrottle)),
                                       token: intent.token)
        let result = tools.submit(arguments, directory: chunk[0].job.root, stop: { cancelled.load(ordering: .relaxed) })
        let id = result.stdout.split(whereSeparator: \.isNewline).first?.split(separator: ";").first.map(String.init) ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            return fail(result.status == 0 ? 1 : result.status, "sbatch rejected the job array of stage '\(array.template)': \(result.message)")
        }
        if let failure = journalSubmission(id, jobs, token: intent.token) {
            for entry in chunk { complete(entry) { StageExecution(outcome: failure, jobID: id) } }
            return
        }
        var refused = false
        for (index, entry) in chunk.enumerated() {
            let task = SlurmArray.taskID(id, index)
            let output = array.output
            let watching = !refused && poller.watch(task, statusFile: entry.submission.statusFile, stage: entry.job.stage) { [self] end in
                // Off the poller's thread: finding why SLURM killed it reads the array's output.
                complete(entry) { [self] in
                    ended(JobKillEvidence.refine(end, id: task, output: output), id: task, stage: entry.job.stage,
                          resources: entry.job.resources)
                }
            }
            if !watching {
                // Ctrl-C arrived while sbatch was running: this array missed the batched scancel.
                if !refused { tools.cancel([id]) }
                refused = true
                complete(entry) { StageExecution(outcome: .cancelled, jobID: task) }
            }
        }
    }

    /// Works out an array task's end and hands it to the runner off the poller's thread (it stores
    /// outputs), then marks it collected in the journal.
    private func complete(_ entry: ArrayBatcher.Entry, _ end: @escaping @Sendable () -> StageExecution) {
        completions.async { [journal] in
            let execution = end()
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
        case let state? where ResourceLimit(state: state) != nil:
            return describe(ResourceLimit(state: state)!, id: id, stage: stage, resources: StageResources())
        case "NODE_FAIL"?:
            return "job \(id) of stage '\(stage)' was lost with its node (NODE_FAIL: the node failed or was set DOWN while it ran); 'retries:' reruns it"
        case "REQUEUED"?:
            return "job \(id) of stage '\(stage)' was lost with its node (SLURM requeued it; studyflow cancelled the copy); 'retries:' reruns it"
        case "BOOT_FAIL"?:
            return "job \(id) of stage '\(stage)' was lost: its node failed to boot (BOOT_FAIL); 'retries:' reruns it"
        case let state?:
            return "job \(id) of stage '\(stage)' ended as \(state) with no exit status of its own"
        }
    }

    public func observeQueue(_ observer: @escaping @Sendable ([StageNote]) -> Void) {
        poller.observe(observer)
    }

    /// Withdraws what has not started: instances still being collected into an array complete as
    /// `.cancelled` without a job, and the jobs and array tasks one fresh `squeue` shows pending
    /// are cancelled one by one (`42_7`, never the whole array: its running tasks finish). A task
    /// that starts in between ends as cancelled too: its stage is not recorded; the next run redoes it.
    public func withdrawQueued() {
        let unsent = batcher.withLock { $0?.withdraw() } ?? []
        for entry in unsent { entry.completion(StageExecution(outcome: .cancelled)) }
        guard !poller.waitingJobs().isEmpty, let queue = tools.queue() else { return }
        let pending = poller.waitingJobs().filter { queue.states[$0] == "PENDING" }
        tools.cancelExactly(poller.withdraw(pending))
    }

    /// `job 12 of stage 'km' ran out of memory (OUT_OF_MEMORY, memory 2G); raise 'resources.memory'`.
    static func describe(_ limit: ResourceLimit, id: String, stage: String, resources: StageResources) -> String {
        let what = limit == .memory ? "ran out of memory" : "hit its time limit"
        let value = limit.value(in: resources).map { ", \(limit.rawValue) \($0)" } ?? ""
        return "job \(id) of stage '\(stage)' \(what) (\(limit.state)\(value)); raise 'resources.\(limit.rawValue)'"
    }

    /// Ctrl-C: `scancel` every job still outstanding, in one call; waiting workers return `.cancelled`.
    public func cancelAll() {
        cancelled.store(true, ordering: .relaxed)
        let unsent = (batcher.withLock { $0?.cancelAll() } ?? []) + (groups.withLock { $0?.cancelAll() } ?? [])
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
