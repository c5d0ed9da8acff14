#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import StudyCore
import StudyStore
import Synchronization

/// Runs a workflow: decides each ready stage's fate when it becomes ready (so early cutoff works),
/// executes, restores or skips it, stores outputs and records, and reports events.
///
/// The caller holds the workspace lock. Records are appended by a `RecordCommitter` in batches,
/// after the objects they name are durable.
public final class Runner: Sendable {
    let workspace: Workspace
    private let executor: any Executor
    let options: RunOptions
    private let observers: [any RunObserver]
    let run: Int
    private let events = Mutex<Void>(())
    private let ran: Mutex<[Bool]>
    private let results: Mutex<[StageResult?]>
    private let interrupted = Atomic<Bool>(false)
    /// Queued jobs were withdrawn after a failure (without --keep-going): done once.
    private let withdrew = Atomic<Bool>(false)
    private let scheduler = Mutex<Scheduler?>(nil)
    private let logDirectoryMade = Atomic<Bool>(false)
    private let snapshot: SnapshotCheck?
    private let clearer: OutputClearer
    private let movedAside: Mutex<[[MovedAside]]>

    /// A runner for run number `run` of `workspace`; with `snapshot`, a run that leaves every stage
    /// up to date records a snapshot so the next one can take the no-op shortcut.
    public init(workspace: Workspace, executor: any Executor, options: RunOptions, observers: [any RunObserver], run: Int,
                snapshot: SnapshotCheck? = nil) {
        self.snapshot = snapshot
        self.workspace = workspace
        self.executor = executor
        self.options = options
        self.observers = observers
        self.run = run
        ran = Mutex([Bool](repeating: false, count: workspace.compiled.graph.count))
        results = Mutex([StageResult?](repeating: nil, count: workspace.compiled.graph.count))
        movedAside = Mutex([[MovedAside]](repeating: [], count: workspace.compiled.graph.count))
        clearer = OutputClearer(layout: workspace.layout, log: workspace.log, claims: workspace.claims,
                                hasher: workspace.hasher, run: run)
    }

    /// Runs the selected stages; blocks until done. Throws only for infrastructure failures and
    /// unknown stage names; failed stages are results.
    public func execute() throws -> RunSummary {
        let start = SystemClock.monotonicSeconds()
        let wallStart = SystemClock.wallNanoseconds()
        let selection = try Selection(workspace: workspace, options: options)
        let graph = workspace.compiled.graph
        let plan = Plan(graph: graph, selected: selection.selected, keepGoing: options.keepGoing)
        emit(.started(RunInfo(run: run, workflow: workspace.compiled.workflow.name,
                              workflowFile: workspace.compiled.workflow.file, total: plan.total, executor: executor.name)))
        let committer = RecordCommitter(log: workspace.log)
        executor.expect(TemplateInstances.independent(workflow: workspace.compiled.workflow, graph: graph, selected: selection.selected))
        let threads = workspace.compiled.workflow.stages.map(\.resources.threads)
        let forced = selection.forced
        let scheduler = Scheduler(
            plan: plan, jobs: options.jobs, threads: threads,
            perform: { [self] id, later in
                let handoff = Handoff()
                self.perform(id, forced: forced[id], committer: committer) { result in
                    self.finish(id, result)
                    if !handoff.deliver(result.status) { later(result.status) }
                }
                return handoff.collect()
            },
            skipped: { [self] ids in
                for id in ids {
                    self.finish(id, StageResult(stage: self.workspace.compiled.workflow.stages[id].id, status: .skipped))
                }
            })
        self.scheduler.withLock { $0 = scheduler }
        executor.observeQueue { [weak self] notes in self?.emit(.stageNotes(notes)) }
        if interrupted.load(ordering: .relaxed) { scheduler.stop() }
        _ = scheduler.run()
        // Stages are done: what the hasher remembered for them is not read again in this run.
        workspace.hasher.forgetRemembered()
        let commitError = committer.finish()
        try? workspace.statCache.save()
        workspace.tools.save()
        if let commitError { throw commitError }
        // Moved out, not copied: the summary is the one list of results from here on.
        // Sized exactly: grown by doubling from empty, a 10,000-stage run's list held room for 16,384.
        let ordered = results.withLock { results in
            var ordered: [StageResult] = []
            ordered.reserveCapacity(results.lazy.filter { $0 != nil }.count)
            for id in graph.order { if let result = results[Int(id)] { ordered.append(result) } }
            results = []
            return ordered
        }
        let summary = RunSummary(run: run, results: ordered, interrupted: interrupted.load(ordering: .relaxed),
                                 seconds: SystemClock.monotonicSeconds() - start)
        snapshot?.record(after: summary, workspace: workspace, options: options, runStart: wallStart)
        emit(.finished(summary))
        return summary
    }

    /// Ctrl-C: start nothing more, stop running stages, finish with what is consistent.
    public func interrupt() {
        interrupted.store(true, ordering: .relaxed)
        scheduler.withLock { $0?.stop() }
        executor.cancelAll()
    }

    private func finish(_ id: Int, _ result: StageResult) {
        var result = result
        result.movedAside = movedAside.withLock { $0[id] }
        results.withLock { if id < $0.count { $0[id] = result } }
        executor.settled(result.stage)
        emit(.stageFinished(result))
        // Nothing more starts after a failure without --keep-going: that includes jobs still
        // waiting in the batch queue (array tasks), not only stages the scheduler holds.
        if result.status == .failed, !options.keepGoing, !withdrew.exchange(true, ordering: .relaxed) {
            executor.withdrawQueued()
        }
    }

    private func emit(_ event: RunEvent) {
        events.withLock { _ in
            for observer in observers { observer.handle(event) }
        }
    }

    // MARK: - One stage

    /// Decides stage `id`'s fate and runs it when stale; `done` gets its result exactly once,
    /// later (from the executor's thread) when the executor completes the job later.
    private func perform(_ id: Int, forced: Bool, committer: RecordCommitter, done: @escaping @Sendable (StageResult) -> Void) {
        let stage = workspace.compiled.workflow.stages[id]
        let start = SystemClock.monotonicSeconds()
        if interrupted.load(ordering: .relaxed) { return done(StageResult(stage: stage.id, status: .skipped)) }
        do {
            let resolved: ResolvedStage
            switch try workspace.resolver.resolve(stage, commandWords: workspace.compiled.commandWords[id],
                                                      item: workspace.compiled.workflow.item(of: id),
                                                      lineage: try workspace.resolver.lineage(of: id, in: workspace.compiled)) {
            case .success(let r): resolved = r
            case .failure(let missing):
                return done(StageResult(stage: stage.id, status: .failed, failure: missing.description))
            }
            let decision = try workspace.staleness.decide(resolved, forced: forced)
            switch decision {
            case .upToDate:
                done(StageResult(stage: stage.id, status: .cached, seconds: SystemClock.monotonicSeconds() - start,
                                 record: workspace.log.record(stage: stage.id, key: resolved.key)))
            case .restore(let outputs, let reasons):
                if let refusal = try refuseEscapingOutputs(of: stage) {
                    return done(StageResult(stage: stage.id, status: .failed, reasons: reasons, seconds: SystemClock.monotonicSeconds() - start,
                                            failure: "stage '\(stage.id)': \(refusal)"))
                }
                if let recovery = try restore(outputs, stage: stage.id, id: id) {
                    return try runStale(resolved, id: id, reasons: [.outputNotInStore(recovery.output)], start: start,
                                        committer: committer) { result in
                        var result = result
                        result.warnings.append(recovery.warning)
                        done(result)
                    }
                }
                let record = workspace.log.record(stage: stage.id, key: resolved.key)
                // Re-append it, so the stage's latest record says which version is on disk now.
                if let record, workspace.log.latest(stage.id)?.key != record.key { committer.submit(record) }
                done(StageResult(stage: stage.id, status: .restored, reasons: reasons, seconds: SystemClock.monotonicSeconds() - start,
                                 record: record))
            case .run(let reasons):
                try runStale(resolved, id: id, reasons: explainUpstream(reasons, of: id), start: start, committer: committer, done: done)
            }
        } catch {
            done(StageResult(stage: stage.id, status: .failed, seconds: SystemClock.monotonicSeconds() - start,
                             failure: "stage '\(stage.id)': \(error)"))
        }
    }

    /// Restores `outputs`; returns the output and a warning when one cannot be restored because
    /// its object is corrupt (then quarantined) or missing, so the stage reruns instead of failing.
    private func restore(_ outputs: [OutputState], stage: String, id: Int) throws -> (output: String, warning: String)? {
        for output in outputs {
            let display = output.isDirectory ? output.path + "/" : output.path
            if let moved = try clearer.clear(output.path, isDirectory: output.isDirectory) {
                movedAside.withLock { $0[id].append(moved) }
            }
            do {
                try workspace.objects.restore(output)
            } catch StoreError.corruptObject(let digest, _) {
                let moved = workspace.objects.quarantine(digest).map { "moved it to '\(workspace.layout.relative($0))'" }
                workspace.hasher.invalidate(output.path, isDirectory: output.isDirectory)
                return (display, "object \(digest.short) of output '\(display)' of stage '\(stage)' was corrupt in the store; "
                                 + (moved ?? "deleted it") + " and reran the stage")
            } catch StoreError.missingObject(let digest) {
                workspace.hasher.invalidate(output.path, isDirectory: output.isDirectory)
                return (display, "object \(digest.short) of output '\(display)' of stage '\(stage)' is missing from the store; reran the stage")
            }
            workspace.hasher.remember(output: output)
        }
        return nil
    }

    /// "input results/clean.csv changed" becomes "upstream clean reran" when `clean` ran in this run.
    private func explainUpstream(_ reasons: [Reason], of id: Int) -> [Reason] {
        let stage = workspace.compiled.workflow.stages[id]
        let producers = workspace.compiled.graph.inputProducers[id]
        var seen: Set<String> = []
        return reasons.compactMap { reason in
            // One flag read under the lock, not a copy of every stage's flag per stage.
            guard case .inputChanged(let path) = reason,
                  let index = stage.inputs.firstIndex(where: { $0.path == path }),
                  producers[index] >= 0, ran.withLock({ $0[Int(producers[index])] }) else { return reason }
            let upstream = workspace.compiled.workflow.stages[Int(producers[index])].id
            return seen.insert(upstream).inserted ? .upstreamReran(upstream) : nil
        }
    }

    /// Starts the attempts of a stale stage. A sandboxed stage without `bwrap` fails here, with
    /// the reasons it would have run for, as it would have before any attempt.
    private func runStale(_ resolved: ResolvedStage, id: Int, reasons: [Reason], start: Double, committer: RecordCommitter,
                          done: @escaping @Sendable (StageResult) -> Void) throws {
        let attempts: StageAttempts
        do {
            attempts = try StageAttempts(self, resolved, id: id, reasons: reasons, start: start, committer: committer, done: done)
        } catch let error as SandboxError {
            return done(StageResult(stage: resolved.stage.id, status: .failed, reasons: reasons, failure: error.description))
        }
        attempt(1, attempts)
    }

    /// Attempt `n` of a stale stage; after a failure with attempts left, the next one starts from
    /// the executor's completion (which may come later, from another thread).
    private func attempt(_ n: Int, _ a: StageAttempts) {
        let stage = a.resolved.stage
        emit(.stageStarted(stage: stage.id, attempt: n))
        var attemptJob = a.job
        attemptJob.attempt = n
        // `memory: 2G * attempt` is 4G on attempt 2; plain values stay as written.
        attemptJob.resources = a.job.resources.forAttempt(n)
        if n > 1 { appendToLog(a.logPath, "\n--- studyflow: attempt \(n) of \(a.attempts) ---\n") }
        do {
            if let refusal = try refuseEscapingOutputs(of: stage) {
                return a.done(StageResult(stage: stage.id, status: .failed, reasons: a.reasons, seconds: SystemClock.monotonicSeconds() - a.start,
                                          failure: "stage '\(stage.id)': \(refusal)", attempts: n - 1))
            }
            // A job of an earlier run doing exactly this may be writing the outputs: leave them.
            if n > 1 || !executor.reattach(reattachable(attemptJob, id: a.id)) {
                try clearOutputs(of: stage, id: a.id, attempt: n)
                try a.staging?.prepare()
            }
        } catch {
            return a.done(StageResult(stage: stage.id, status: .failed, seconds: SystemClock.monotonicSeconds() - a.start,
                                      failure: "stage '\(stage.id)': \(error)"))
        }
        executor.start(attemptJob) { [self, attemptJob] execution in
            // A sandboxed attempt's outputs move from staging into place, whatever its outcome.
            let discarded: String?
            do { discarded = try a.staging?.finish(stage, job: attemptJob) } catch {
                return a.done(StageResult(stage: stage.id, status: .failed, seconds: SystemClock.monotonicSeconds() - a.start,
                                          failure: "stage '\(stage.id)': \(error)"))
            }
            let outcome = execution.outcome
            if outcome == .succeeded || outcome == .cancelled || interrupted.load(ordering: .relaxed) || n >= a.attempts
                || !execution.retryable {
                var result = conclude(a, execution, attempts: n)
                result.warnings += discarded.map { [$0] } ?? []
                a.done(result)
            } else {
                emit(.attemptFailed(failure(of: attemptJob, execution, attempts: a.attempts, next: a.job.resources.forAttempt(n + 1))))
                attempt(n + 1, a)
            }
        }
    }

    /// What the progress line and `--json` say about a failed attempt that is retried.
    private func failure(of job: StageJob, _ execution: StageExecution, attempts: Int, next: StageResources) -> AttemptFailure {
        var status: Int32?, message = ""
        if case .failed(let s, let m) = execution.outcome { (status, message) = (s, m) }
        return AttemptFailure(stage: job.stage, attempt: job.attempt, attempts: attempts, limit: execution.limit,
                              exitStatus: execution.limit == nil ? status : nil, message: message, jobID: execution.jobID,
                              resources: job.resources, next: next)
    }

    /// `job` as offered to `Executor.reattach`: without its key once an upstream stage reran in
    /// this run, as a job of an earlier run may have read that stage's outputs while they were rewritten.
    private func reattachable(_ job: StageJob, id: Int) -> StageJob {
        var job = job
        let producers = workspace.compiled.graph.inputProducers[id].filter { $0 >= 0 }.map { Int($0) }
        if ran.withLock({ ran in producers.contains { ran[$0] } }) { job.key = nil }
        return job
    }

    /// The result of a stage's last attempt: its outputs stored and its record committed when it succeeded.
    private func conclude(_ a: StageAttempts, _ execution: StageExecution, attempts attempt: Int) -> StageResult {
        let stage = a.resolved.stage, jobID = execution.jobID
        if execution.outcome != .succeeded { rememberLeftovers(of: stage) }
        switch execution.outcome {
        case .cancelled where !interrupted.load(ordering: .relaxed):
            // Withdrawn from the batch queue before it started, as the run stopped after a failure.
            return a.result(.skipped, attempts: attempt - 1, jobID: jobID)
        case .cancelled:
            return a.result(.interrupted, attempts: attempt, failure: "stage '\(stage.id)' was interrupted", jobID: jobID)
        case .failed(let status, let message):
            return a.result(.failed, attempts: attempt, exitStatus: status,
                            failure: "stage '\(stage.id)' failed: \(message)"
                                + (a.staging == nil ? "" : sandboxNote(a.resolved, logPath: a.logPath)) + LogTail.render(a.logPath),
                            jobID: jobID, sandboxed: a.staging != nil)
        case .succeeded:
            break
        }
        do {
            if let failure = try unrecordable(a.resolved) {
                return a.result(.failed, attempts: attempt, exitStatus: 0, failure: failure, jobID: jobID)
            }
            var outputs: [OutputState] = []
            outputs.reserveCapacity(stage.outputs.count)
            for output in stage.outputs {
                let absolute = workspace.layout.absolute(output.path)
                guard let st = FileStat.of(absolute), st.kind == (output.isDirectory ? .directory : .file) else {
                    rememberLeftovers(of: stage)
                    let what = output.isDirectory ? "directory" : "file"
                    return a.result(.failed, attempts: attempt, exitStatus: 0,
                                    failure: "stage '\(stage.id)' exited 0 but did not write output \(what) '\(output.displayPath)'; check that the command writes to ${outputs…}",
                                    jobID: jobID)
                }
                outputs.append(try workspace.objects.ingest(path: output.path, isDirectory: output.isDirectory))
            }
            let resolved = a.resolved
            let record = ActionRecord(stage: stage.id, key: resolved.key, kind: resolved.kindTag,
                                      commandDigest: resolved.commandDigest, params: resolved.recordedParams,
                                      env: resolved.recordedEnv, inputs: resolved.inputs, outputs: outputs,
                                      container: resolved.container, tools: a.tools)
            a.committer.submit(record)
            for output in outputs {
                workspace.hasher.remember(output: output, manifest: output.isDirectory ? workspace.objects.manifest(output.digest) : nil)
            }
            ran.withLock { $0[a.id] = true }
            return a.result(.ran, attempts: attempt, exitStatus: 0, jobID: jobID, record: record, sandboxed: a.staging != nil)
        } catch {
            return StageResult(stage: stage.id, status: .failed, seconds: SystemClock.monotonicSeconds() - a.start,
                               failure: "stage '\(stage.id)': \(error)")
        }
    }

    /// Empties a stage's declared outputs before an attempt, so every attempt starts from a clean
    /// slate, and creates their parent directories. Before the first attempt, only what the store
    /// can give back is deleted; anything else is moved aside (see `OutputClearer`). Later attempts
    /// delete what the failed attempt before them wrote.
    private func clearOutputs(of stage: Stage, id: Int, attempt: Int) throws {
        if attempt == 1 {
            let unrecorded = stage.outputs.map(\.path).filter { !workspace.log.hasRecordedOutput(at: $0) }
            try workspace.claims.claim(unrecorded)
        }
        for output in stage.outputs {
            let absolute = workspace.layout.absolute(output.path)
            if attempt == 1 {
                if let moved = try clearer.clear(output.path, isDirectory: output.isDirectory) {
                    movedAside.withLock { $0[id].append(moved) }
                }
            } else {
                workspace.hasher.invalidate(output.path, isDirectory: output.isDirectory)
                try FileIO.removeTree(absolute)
            }
            try FileIO.createDirectories(parentDirectory(absolute))
        }
    }

    /// Why the outputs of a stage that exited 0 must still not be recorded: the stage put a link
    /// out of the workspace on an output's path (never store bytes from outside), or an input
    /// changed while it ran (issue 13 items 8 and 6). Checked here, where records are made, so
    /// every executor (local, SLURM) goes through it.
    private func unrecordable(_ resolved: ResolvedStage) throws -> String? {
        if let refusal = try refuseEscapingOutputs(of: resolved.stage) { return "stage '\(resolved.stage.id)': \(refusal)" }
        return InputDrift.firstChange(in: resolved, hasher: workspace.hasher).map {
            InputDrift.message(stage: resolved.stage.id, path: $0)
        }
    }

    /// Checks, right before a stage's outputs are cleared and written, that each output's
    /// directory really is inside the workspace now (a symbolic link may have appeared since the
    /// workflow was validated and cached), creating missing directories through checked
    /// descriptors. Returns the refusal, or `nil` when every output stays inside.
    private func refuseEscapingOutputs(of stage: Stage) throws -> StoreError? {
        for output in stage.outputs {
            do {
                _ = try WorkspaceDirectory.open(WorkspacePath.directory(of: output.path) ?? "", root: workspace.layout.root,
                                                output: output.displayPath, create: true)
            } catch let error as StoreError {
                if case .outsideWorkspace = error { return error }
                throw error
            }
        }
        return nil
    }

    /// Notes what a failed or interrupted stage left at its outputs, so the next run deletes it
    /// instead of moving it aside as if a user had made it.
    private func rememberLeftovers(of stage: Stage) {
        var leftovers: [(path: String, digest: Digest)] = []
        for output in stage.outputs {
            let kind = FileStat.of(workspace.layout.absolute(output.path))?.kind
            guard kind == (output.isDirectory ? .directory : .file),
                  let digest = try? workspace.hasher.digest(of: output.path, role: .output) else { continue }
            leftovers.append((output.path, digest))
        }
        try? workspace.claims.rememberLeftovers(leftovers)
    }

    func makeJob(_ resolved: ResolvedStage, id: Int, logPath: String) -> StageJob {
        let stage = resolved.stage
        var environment = ["STUDYFLOW_STAGE": stage.id, "STUDYFLOW_RUN": String(run)]
        for (name, value) in resolved.params { environment["STUDYFLOW_PARAM_" + name.uppercased()] = value.scalarText }
        let action: StageJob.Action
        switch stage.action {
        case .shell:
            action = .shell(resolved.command)
        case .builtin(let kindName, _):
            guard let kind = workspace.registry.kind(named: kindName) else {
                action = .shell("echo \(ShellQuote.quote("unknown stage kind '\(kindName)'")) >&2; exit 2")
                break
            }
            func named(_ artifacts: [Artifact]) -> [String: String] {
                SettingsCheck.named(artifacts).mapValues { workspace.layout.absolute($0) }
            }
            var producers: [String: String] = [:]
            let stages = workspace.compiled.workflow.stages
            for (i, input) in stage.inputs.enumerated() {
                let producer = Int(workspace.compiled.graph.inputProducers[id][i])
                if producer >= 0 { producers[input.name ?? String(i)] = stages[producer].id }
            }
            let keyed = KeyedInputs(resolved)
            var context = StageKindContext(
                stage: stage.id, root: workspace.layout.root, inputs: named(stage.inputs), outputs: named(stage.outputs),
                with: resolved.with, params: resolved.params, inputProducers: producers,
                threads: min(stage.resources.threads, max(1, options.jobs)), inputDigests: keyed.digests,
                inputStamps: keyed.stamps, gathered: gathered(id), log: { line in appendToLog(logPath, line + "\n") })
            context.lineage = resolved.lineage
            action = .builtin(kind, context)
        }
        // Inside a container the stage sees only what its key covers: STUDYFLOW_* and its `env:`.
        let variables = Set(environment.keys).union(stage.env).sorted()
        let container = workspace.resolver.containers.invocation(for: stage, root: workspace.layout.root,
                                                                 user: (getuid(), getgid()), variables: variables)
        var job = StageJob(stage: stage.id, action: action, root: workspace.layout.root, environment: environment,
                           resources: stage.resources, logPath: logPath, container: container)
        job.key = resolved.key.hex
        return job
    }

    /// Stage `id`'s gathered inputs with absolute paths, for its `StageKindContext`.
    private func gathered(_ id: Int) -> [String: [GatheredInput]] {
        workspace.compiled.workflow.gathered(forStage: id).mapValues { entries in
            entries.map { GatheredInput(label: $0.label, key: $0.key, stage: $0.stage, path: workspace.layout.absolute($0.path)) }
        }
    }

    func makeLogDirectory() throws {
        if logDirectoryMade.load(ordering: .relaxed) { return }
        try FileIO.createDirectories(workspace.layout.logDirectory(run: run))
        try workspace.objects.prepare()
        logDirectoryMade.store(true, ordering: .relaxed)
    }
}
