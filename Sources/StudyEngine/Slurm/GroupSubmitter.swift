import Dispatch
import StudyCore
import Synchronization

/// Submits the ready stages of each `group:` as group jobs (see `SlurmGroup`): collected for a
/// short window like fan-out instances (`ArrayBatcher`), split into jobs of at most the group's
/// `group_components` stages (all of them in one job when it has none), and sent as one
/// `sbatch --array` per collection. Each stage completes from its group job's end and its own
/// status file; a stage after a failing one in its job did not run and says so.
final class GroupSubmitter: Sendable {
    /// How group jobs reach the reattach journal (`SlurmExecutor`'s): an intent before `sbatch`,
    /// the submission after, and each stage's collection; every stage is an entry of its own.
    struct Journaling: Sendable {
        var intend: @Sendable ([SlurmExecutor.Submitted], String) -> (token: String?, failure: StageOutcome?)
        var record: @Sendable (String, [SlurmExecutor.Submitted], String?, String) -> StageOutcome?
        var collected: @Sendable ([JournalEntry]) -> Void
    }

    private let journal: Journaling?
    private let settings: SlurmSettings
    private let tools: SlurmTools
    private let poller: SlurmPoller
    private let maxArraySize: @Sendable () -> Int
    private let numbers = Mutex<[String: Int]>([:])
    private let batcher = Mutex<ArrayBatcher?>(nil)
    /// Where the stages' completions run (the runner then stores their outputs).
    private let completions = DispatchQueue(label: "studyflow.slurm.groups", attributes: .concurrent)

    /// A submitter using `tools` and `poller`; `maxArraySize` is the cluster's `MaxArraySize`.
    init(settings: SlurmSettings, tools: SlurmTools, poller: SlurmPoller, maxArraySize: @escaping @Sendable () -> Int,
         journal: Journaling? = nil) {
        self.journal = journal
        self.settings = settings
        self.tools = tools
        self.poller = poller
        self.maxArraySize = maxArraySize
    }

    /// Queues a stage of group `group` whose files are written; false after `cancelAll`.
    func add(_ entry: ArrayBatcher.Entry, group: String) -> Bool {
        let key = ArrayBatcher.Key(template: group, directory: parentDirectory(entry.job.logPath), threads: 0, memory: nil, time: nil)
        let collector = batcher.withLock { batcher in
            if let batcher { return batcher }
            // A group goes out when its stages stop arriving; its size never forces it out.
            let made = ArrayBatcher(window: settings.coalesceWindow, cap: settings.coalesceCap, chunk: { Int.max },
                                    submit: { [self] in submit($0, $1) })
            batcher = made
            return made
        }
        return collector.add(entry, key: key)
    }

    /// Refuses new stages and returns the ones never submitted.
    func cancelAll() -> [ArrayBatcher.Entry] {
        batcher.withLock { $0?.cancelAll() } ?? []
    }

    /// Sends the collected stages of one group (in the order they became ready) as group jobs.
    private func submit(_ key: ArrayBatcher.Key, _ entries: [ArrayBatcher.Entry]) {
        let components = settings.groupComponents[key.template]
        for array in SlurmGroup.plan(entries.count, components: components, maxArraySize: maxArraySize()) {
            let members = array.map { Array(entries[$0]) }
            let number = numbers.withLock { n -> Int in
                n[key.template, default: 0] += 1
                return n[key.template]!
            }
            let group = SlurmGroup(name: key.template, directory: key.directory,
                                   jobs: members.map { $0.map { SlurmExecutor.base(of: $0.submission) } }, number: number)
            submitArray(group, members)
        }
    }

    private func submitArray(_ group: SlurmGroup, _ members: [[ArrayBatcher.Entry]]) {
        func fail(_ status: Int32, _ message: String) {
            for entry in members.joined() { complete(entry, StageExecution(outcome: .failed(status: status, message: message))) }
        }
        do {
            for task in members.indices { try FileIO.removeTree(group.statusFile(task: task)) }
            try FileIO.writeAtomically(group.manifest, Array(group.manifestText.utf8), durable: false)
            try FileIO.writeAtomically(group.script, Array(group.scriptText.utf8), durable: false)
        } catch {
            return fail(127, "cannot write the job of group '\(group.name)': \(error)")
        }
        var job = members[0][0].job
        job.resources = SlurmGroup.resources(members.map { $0.map(\.job.resources) })
        let jobs: [SlurmExecutor.Submitted] = members.enumerated().flatMap { task, stages in
            stages.map { (job: $0.job, submission: $0.submission, task: Optional(task)) }
        }
        let intent = journal?.intend(jobs, group.name)
        if let failure = intent?.failure {
            for entry in members.joined() { complete(entry, StageExecution(outcome: failure)) }
            return
        }
        let arguments = SlurmExecutor.commented(
            SlurmSubmission.arguments(name: "group-" + group.name, log: group.output, job: job, settings: settings,
                                      script: group.script, array: group.range(throttle: settings.arrayThrottle)),
            token: intent?.token ?? nil)
        let result = CapturedProcess.run(tools.sbatch, arguments, directory: job.root)
        let id = result.stdout.split(whereSeparator: \.isNewline).first?.split(separator: ";").first.map(String.init) ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            return fail(result.status == 0 ? 1 : result.status, "sbatch rejected the job of group '\(group.name)': \(result.message)")
        }
        if let failure = journal?.record(id, jobs, intent?.token ?? nil, group.name) {
            for entry in members.joined() { complete(entry, StageExecution(outcome: failure, jobID: id)) }
            return
        }
        var refused = false
        for (task, stages) in members.enumerated() {
            let taskID = SlurmArray.taskID(id, task)
            let watching = !refused && poller.watch(taskID, statusFile: group.statusFile(task: task)) { [self] end in
                let executions = Self.executions(end, task: taskID, group: group.name,
                                                 stages: stages.map { ($0.job.stage, $0.submission.statusFile) }, status: StatusFiles.status)
                for (entry, execution) in zip(stages, executions) { complete(entry, execution) }
            }
            if !watching {
                // Ctrl-C arrived while sbatch was running: this array missed the batched scancel.
                if !refused { tools.cancel([id]) }
                refused = true
                for entry in stages { complete(entry, StageExecution(outcome: .cancelled, jobID: taskID)) }
            }
        }
    }

    /// Hands a stage's end to the runner (off the poller's thread: it stores outputs), then marks
    /// the stage collected in the journal when a job ran it.
    private func complete(_ entry: ArrayBatcher.Entry, _ execution: StageExecution) {
        completions.async { [journal] in
            entry.completion(execution)
            guard let journal, let id = execution.jobID, id.contains("_") else { return }
            let job = String(id.prefix { $0 != "_" }), task = Int(id.drop { $0 != "_" }.dropFirst())
            journal.collected([JournalEntry(job: job, task: task, stage: entry.job.stage, key: "", statusFile: "", logPath: "",
                                            submitted: 0, group: "")])
        }
    }

    /// How each stage of group job `task` ended, in run order, from the job's end and the status
    /// each stage's job script recorded (`status` reads one). A stage that recorded 0 succeeded;
    /// the first that did not is the one the job's end speaks of; every stage after it never ran.
    static func executions(_ end: JobEnd, task: String, group: String, stages: [(stage: String, statusFile: String)],
                           status: (String) -> Int32?) -> [StageExecution] {
        var executions: [StageExecution] = []
        var stopper: String?
        for (stage, file) in stages {
            if let stopper {
                let outcome: StageOutcome = end == .cancelled ? .cancelled
                    : .failed(status: 1, message: "not run: stage '\(stopper)' before it in job \(task) of group '\(group)' did not succeed; the next run runs it")
                executions.append(StageExecution(outcome: outcome, jobID: task))
                continue
            }
            let recorded = status(file)
            if recorded == 0 {
                executions.append(StageExecution(outcome: .succeeded, jobID: task))
                continue
            }
            stopper = stage
            switch (recorded, end) {
            case (let code?, .vanished(let state)) where code > 128:
                // SLURM killed the job (scancel, time limit) and this stage lived to record the signal.
                executions.append(SlurmExecutor.execution(.vanished(state: state), id: task, stage: stage))
            case (let code?, _):
                executions.append(SlurmExecutor.execution(.exited(code), id: task, stage: stage))
            case (nil, .exited(0)):
                executions.append(SlurmExecutor.execution(.vanished(state: nil), id: task, stage: stage))
            case (nil, _):
                executions.append(SlurmExecutor.execution(end, id: task, stage: stage))
            }
        }
        return executions
    }
}
