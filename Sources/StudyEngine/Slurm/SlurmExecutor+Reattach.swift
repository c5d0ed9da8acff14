import StudyCore
import StudyStore

/// Reattach (issue 17 item 4): every submitted job is journaled; a run that begins after one that
/// died takes its jobs over when their stage comes up stale with the key they were submitted for,
/// instead of submitting them again, and cancels the ones the plan no longer needs.
extension SlurmExecutor {
    /// A job about to be submitted: its stage, files and array task.
    typealias Submitted = (job: StageJob, submission: SlurmSubmission, task: Int?)

    /// The journal entries of `jobs` submitted as SLURM job `id` (empty before `sbatch` ran).
    static func entries(_ id: String, _ jobs: [Submitted], group: String?, token: String?) -> [JournalEntry] {
        let now = SystemClock.wallSeconds()
        return jobs.map {
            JournalEntry(job: id, task: $0.task, stage: $0.job.stage, key: $0.job.key ?? "", statusFile: $0.submission.statusFile,
                         logPath: $0.job.logPath, submitted: now, group: group, token: token)
        }
    }

    /// Before `sbatch`: journals `jobs` as an intent under a fresh token, durably. Returns the
    /// token to put in the job's `--comment` (`nil` without a journal), or, when the journal cannot
    /// be written, the stages' outcome (nothing was submitted).
    func journalIntent(_ jobs: [Submitted], group: String? = nil) -> (token: String?, failure: StageOutcome?) {
        guard let journal else { return (nil, nil) }
        let token = journal.newToken()
        do {
            try journal.intend(Self.entries("", jobs, group: group, token: token))
            return (token, nil)
        } catch {
            return (nil, .failed(status: 1, message: "cannot write the SLURM journal '\(journal.file)': \(error); submitted nothing; free space or fix the permissions of '\(journal.directory)'"))
        }
    }

    /// `arguments` with `--comment=TOKEN` before the script (the last argument), when there is a token.
    static func commented(_ arguments: [String], token: String?) -> [String] {
        guard let token, !arguments.isEmpty else { return arguments }
        var arguments = arguments
        arguments.insert("--comment=" + token, at: arguments.count - 1)
        return arguments
    }

    /// Journals the jobs just submitted as SLURM job `id` (`task`: the array task of each), durably,
    /// before they are waited on. `nil` when journaled (or there is no journal); otherwise the
    /// job is cancelled and this is its stages' outcome: a job nobody could find again after a
    /// crash must not run on.
    func journalSubmission(_ id: String, _ jobs: [Submitted], token: String? = nil, group: String? = nil) -> StageOutcome? {
        guard let journal else { return nil }
        do {
            try journal.record(Self.entries(id, jobs, group: group, token: token))
            return nil
        } catch {
            tools.cancel([id])
            return .failed(status: 1, message: "cannot write the SLURM journal '\(journal.file)': \(error); cancelled job \(id) so that it does not run untracked; free space or fix the permissions of '\(journal.directory)'")
        }
    }

    /// Takes stock of the journal against `workspace`'s plan; see `Executor.begin`.
    public func begin(_ workspace: Workspace, final: Bool) -> ReattachReport? {
        guard journal != nil else { return nil }
        let stages = workspace.compiled.workflow.stages
        let index = Dictionary(stages.indices.map { (stages[$0].id, $0) }, uniquingKeysWith: { first, _ in first })
        return takeStock(currentKey: { stage in index[stage].map { Self.currentKey(workspace, $0) } }, final: final)
    }

    /// `begin` with each stage's key now from `currentKey` (`nil`: not in the plan; `.some(nil)`:
    /// not resolvable yet).
    func takeStock(currentKey: (String) -> String??, final: Bool) -> ReattachReport? {
        guard let journal else { return nil }
        let (jobs, superseded) = earlier.withLock { earlier -> (EarlierJobs, [JournalEntry]) in
            if let earlier { return (earlier, []) }
            let made = loadEarlier(journal)
            earlier = made
            return (made, made.superseded)
        }
        let (matched, stale) = jobs.check(currentKey: currentKey, final: final)
        var report = ReattachReport()
        for job in matched {
            switch job.fate {
            case .finished: report.finished += 1
            case .running: report.running += 1
            case .lost: report.lost += 1
            }
        }
        report.cancelled = superseded.map { (entry: $0, why: "was submitted again later by that run") } + stale
        cancelEarlier(report.cancelled.map(\.entry))
        self.report.withLock { total in
            total.finished += report.finished
            total.running += report.running
            total.lost += report.lost
            total.cancelled += report.cancelled
        }
        return report.isEmpty ? nil : report
    }

    /// Stage `id`'s key from the workspace as it is now; `nil` when it cannot be resolved yet.
    static func currentKey(_ workspace: Workspace, _ id: Int) -> String? {
        let stage = workspace.compiled.workflow.stages[id]
        let resolved = try? workspace.resolver.resolve(stage, commandWords: workspace.compiled.commandWords[id],
                                                       item: workspace.compiled.workflow.item(of: id))
        guard case .success(let r)? = resolved else { return nil }
        return r.key.hex
    }

    /// Reads the earlier processes' journal files; asks `squeue` once (only when some job has no
    /// status file yet) how the rest stand; records them all in this process's journal, then
    /// deletes the earlier files, so a crash at any point loses none.
    private func loadEarlier(_ journal: SlurmJournal) -> EarlierJobs {
        let files = journal.earlierFiles()
        let texts = files.compactMap(FileIO.readText)
        var entries = SlurmJournal.pending(texts: texts)
        // Jobs whose process died between sbatch's return and the journal: found by their token.
        let dangling = SlurmJournal.dangling(texts: texts)
        if !dangling.isEmpty, let found = tools.jobsByToken() {
            for (token, intended) in dangling.sorted(by: { $0.key < $1.key }) {
                guard let job = found[token] else { continue }
                entries += intended.map { entry in
                    var entry = entry
                    entry.job = job
                    return entry
                }
            }
        }
        let exists: (String) -> Bool = { FileStat.of($0) != nil }
        let states = entries.contains { !exists($0.statusFile) } ? tools.jobStates() : [:]
        let jobs = EarlierJobs(entries) { EarlierJobs.fate(of: $0, states: states, statusExists: exists) }
        if !entries.isEmpty {
            guard (try? journal.record(jobs.all.map(\.entry) + jobs.superseded)) != nil else { return jobs }
        }
        journal.removeEarlier(files)
        return jobs
    }

    /// `scancel` for `entries` in one call, and their journal lines closed.
    private func cancelEarlier(_ entries: [JournalEntry]) {
        guard !entries.isEmpty else { return }
        tools.cancelExactly(entries.map(\.id))
        journal?.collected(entries.map(\.id))
    }

    /// See `Executor.reattach`: a job without a key (the runner's way to say an upstream stage
    /// reran, so the earlier job may have read inputs being rewritten) matches nothing, and an
    /// earlier job of its stage that does not match is cancelled here, before the runner clears
    /// the stage's outputs.
    public func reattach(_ job: StageJob) -> Bool {
        guard journal != nil, !job.runsLocally, let jobs = earlier.withLock({ $0 }) else { return false }
        let (taken, mismatch) = jobs.claim(stage: job.stage, key: job.key)
        if let mismatch {
            let why = job.key == nil ? "reruns after its upstream stages reran" : "changed (its inputs, parameters or command differ)"
            cancelEarlier([mismatch])
            report.withLock { $0.cancelled.append((mismatch, why)) }
        }
        guard let taken else { return false }
        adopted.withLock { $0[job.stage] = taken }
        return true
    }

    /// The earlier job `reattach` took over for `job`'s stage, handed out once.
    func takeOver(_ job: StageJob) -> EarlierJobs.Job? {
        adopted.withLock { $0.removeValue(forKey: job.stage) }
    }

    /// Follows an earlier run's job for `job`: collects it at once when it finished, waits for it
    /// through the poller when it still runs, reports it lost when it vanished; its log is
    /// appended to this run's log of the stage when it ends.
    func follow(_ taken: EarlierJobs.Job, job: StageJob, completion: @escaping @Sendable (StageExecution) -> Void) {
        let entry = taken.entry
        let finish: @Sendable (JobEnd) -> Void = { [self] end in
            completions.async { [self] in
                if entry.logPath != job.logPath {
                    let earlier = FileIO.readText(entry.logPath) ?? ""
                    appendToLog(job.logPath, "--- studyflow: output of job \(entry.id), submitted by an earlier run (\(entry.logPath)) ---\n" + earlier)
                }
                var execution = Self.execution(end, id: entry.id, stage: job.stage)
                if case .failed(let status, let message) = execution.outcome {
                    execution.outcome = .failed(status: status, message: message + " (a job submitted by an earlier run)")
                }
                completion(execution)
                if entry.group == nil { journal?.collected([entry.id]) } else { journal?.collected([entry]) }
            }
        }
        switch taken.fate {
        case .finished:
            finish(StatusFiles.status(entry.statusFile).map(JobEnd.exited) ?? .vanished(state: nil))
        case .lost(let state):
            finish(.vanished(state: state))
        case .running:
            if !poller.watch(entry.identity, statusFile: entry.statusFile, job: entry.id, notify: finish) {
                tools.cancelExactly([entry.id])
                completions.async { completion(StageExecution(outcome: .cancelled, jobID: entry.id)) }
            }
        }
    }

    /// See `Executor.end`: earlier jobs no stage took over that still run are cancelled (one
    /// `scancel`), and this process's journal is deleted.
    public func end() -> ReattachReport? {
        guard let journal else { return nil }
        let left = (earlier.withLock { $0 }?.drain() ?? []) + adopted.withLock { adopted in
            defer { adopted = [:] }
            return Array(adopted.values)
        }
        var report = ReattachReport()
        report.cancelled = left.filter { $0.fate == .running }.map {
            (entry: $0.entry, why: "was not needed by this run (up to date, not selected, or not reached)")
        }
        tools.cancelExactly(report.cancelled.map(\.entry.id))
        journal.discard()
        return report.isEmpty ? nil : report
    }

    /// What this run did with earlier jobs so far.
    public var reattachReport: ReattachReport { report.withLock { $0 } }
}
