import StudyCore
import StudyEngine
import StudyProvenance
import StudyStore

/// One `studyflow run` once its workflow file is read and the workspace is locked: the
/// composition root that answers a no-op run from the snapshot, reserves the run number, hands
/// the engine its workspace, executor and observers, and records the run in the ledger.
/// `RunCommand` parses the options and builds it; the decisions themselves live with their
/// owners (`SnapshotCheck`, `Runner`, `RunLedger`).
struct RunSession {
    let layout: StoreLayout
    let file: WorkflowSource.File
    /// nil under the benchmark switch `STUDYFLOW_NO_PROVENANCE=1`.
    let ledger: RunLedger?
    /// Wall-clock start, for the run record.
    let started: Double
    /// `local` or `slurm`, as recorded for a no-op run.
    let executorName: String
    let reporter: any RunObserver
    let snapshot: SnapshotCheck
    /// `--profile NAME`, recorded with the run.
    var profile: String?
    /// `--json`: notes about earlier SLURM jobs go out as JSON lines.
    var json = false
    /// The number a no-op attempt reserved when the ledger wanted the run recorded in full.
    private var reservedRun: Int?

    init(layout: StoreLayout, file: WorkflowSource.File, ledger: RunLedger?, started: Double, executorName: String,
         reporter: any RunObserver, snapshot: SnapshotCheck) {
        self.layout = layout
        self.file = file
        self.ledger = ledger
        self.started = started
        self.executorName = executorName
        self.reporter = reporter
        self.snapshot = snapshot
    }

    /// The run ledger, checked before anything runs (locked or unreadable ref: exit 1, nothing
    /// run); nil under the benchmark switch. On a first run, `.studyflow/` is added to the git
    /// ignore file when the repository does not ignore it yet.
    static func openLedger(_ layout: StoreLayout, firstRun: Bool) throws -> RunLedger? {
        var ledger: RunLedger?
        if !ProvenanceRecorder.disabled {
            ledger = try RunLedger.open(layout, create: true)
            if let note = ledger?.note { Console.err("studyflow: note: \(note)\n") }
            if let removed = try ledger?.preflight(readingTip: false) { Console.err("studyflow: note: \(removed)\n") }
        }
        if firstRun, ledger.map({ $0.ignores(".studyflow/") == false }) ?? GitIgnoreFile.inGitWorkTree(layout.root) {
            _ = try? GitIgnoreFile.ensureStateIgnored(root: layout.root)
        }
        return ledger
    }

    /// Answers the run from the snapshot's `stages` (all cached) when the ledger records it as a
    /// no-op, or there is no ledger: reports it and returns true. Otherwise keeps the run number
    /// it reserved for the full run and returns false.
    mutating func answerFromSnapshot(_ stages: [String], phases: inout PhaseTimer) throws -> Bool {
        let runNumber = try nextRunNumber()
        // The ledger records a no-op run by reusing the previous commit's tree; when the previous
        // run was not the same no-op (first run with the ledger, another HEAD…), the full path
        // records it in full, and the next no-op run takes this shortcut again.
        // flatMap, not map: a ledger that declines the shortcut (nil) must send the run down the
        // full path, or the run would go unrecorded.
        let recorded = try ledger.flatMap { try recordNoOp(into: $0, run: runNumber, stages: stages) }
        phases.mark("provenance")
        guard ledger == nil || recorded != nil else {
            reservedRun = runNumber
            return false
        }
        reporter.handle(.started(RunInfo(run: runNumber, workflow: "", workflowFile: file.display,
                                         total: stages.count, executor: executorName)))
        let summary = SnapshotCheck.summary(run: runNumber, stages: stages, seconds: phases.elapsed)
        for result in summary.results { reporter.handle(.stageFinished(result)) }
        reporter.handle(.finished(summary))
        phases.mark("report")
        return true
    }

    /// The ledger's checks before stages run: its ref is readable and its repository writable.
    func preflight() throws {
        if let removed = try ledger?.preflight() { Console.err("studyflow: note: \(removed)\n") }
        try ledger?.checkWritable()
    }

    /// Runs the selected stages of `workspace` on `executor` (Ctrl-C interrupts them), records the
    /// run in the ledger whatever its outcome, and returns the summary with the exit status a
    /// signal asks for.
    /// `reload` loads the workflow again once the stages that write `levels:` tables have run.
    func execute(_ workspace: Workspace, options: RunOptions, executor: any Executor,
                 reload: (() throws -> Workspace)? = nil,
                 phases: inout PhaseTimer) throws -> (summary: RunSummary, signalStatus: Int32) {
        let runNumber = try reservedRun ?? nextRunNumber()
        let recorder = ProvenanceRecorder()
        var workspace = workspace
        var observers: [any RunObserver] = [reporter, recorder]
        let producers = TwoPhaseEvents.producers(workspace.compiled.workflow)
        var signalStatus: Int32 = 0
        var phaseTwo: RunOptions?
        if !producers.isEmpty, let reload {
            // Data-driven fan-outs: run what writes their tables, then expand them and run the rest.
            let joined = TwoPhaseEvents(observers)
            observers = [joined]
            let first = TwoPhaseEvents.firstPhaseOptions(options, producers: producers, workflow: workspace.compiled.workflow)
            announce(executor.begin(workspace, final: false))
            let firstRunner = Runner(workspace: workspace, executor: executor, options: first, observers: observers,
                                     run: runNumber, snapshot: snapshot)
            let firstSignals = SignalTrap { firstRunner.interrupt() }
            let firstSummary = try firstRunner.execute()
            firstSignals.cancel()
            signalStatus = firstSignals.exitStatus
            joined.beginSecondPhase()
            if !firstSummary.ok {
                announce(executor.end())
                joined.handle(.finished(firstSummary))
                try record(recorder, workspace: workspace, options: options, run: runNumber, phases: &phases)
                return (firstSummary, signalStatus)
            }
            do {
                workspace = try reload()
            } catch {
                announce(executor.end())
                joined.handle(.finished(firstSummary))
                try record(recorder, workspace: workspace, options: options, run: runNumber, phases: &phases)
                throw error
            }
            phaseTwo = TwoPhaseEvents.secondPhaseOptions(options, firstPhase: joined.firstPhaseStages, workspace: workspace)
        }
        announce(executor.begin(workspace, final: true))
        let runner = Runner(workspace: workspace, executor: executor, options: phaseTwo ?? options, observers: observers,
                            run: runNumber, snapshot: snapshot)
        let signals = SignalTrap { runner.interrupt() }
        let outcome = Result { try runner.execute() }
        announce(executor.end())
        phases.mark("run stages")
        signals.cancel()
        try record(recorder, workspace: workspace, options: options, run: runNumber, phases: &phases)
        return (try outcome.get(), signalStatus != 0 ? signalStatus : signals.exitStatus)
    }

    /// Tells the user what the run did with jobs an earlier run left on the cluster: a JSON
    /// line `{"event":"reattach",…}` with `--json`, else lines on stderr.
    private func announce(_ report: ReattachReport?) {
        guard let report else { return }
        if json {
            Console.out(report.json + "\n")
        } else {
            for line in report.lines { Console.err("studyflow: \(line)\n") }
        }
    }

    /// Records the run in the ledger whatever its outcome.
    private func record(_ recorder: ProvenanceRecorder, workspace: Workspace, options: RunOptions, run runNumber: Int,
                        phases: inout PhaseTimer) throws {
        if let ledger {
            // Every run that got past loading is recorded: success, failed stages, interruption.
            do {
                try recorder.record(into: ledger, workspace: workspace, file: file, params: options.params, profile: profile,
                                    started: started)
            } catch let error as ProvenanceError {
                throw CommandError.failure("run \(runNumber) finished but was not recorded in the provenance ledger: \(error)")
            } catch let error as SigningError {
                throw CommandError.failure("run \(runNumber) finished but was not recorded in the provenance ledger: \(error)")
            }
            phases.mark("provenance")
        }
    }

    private func nextRunNumber() throws -> Int {
        try RunCounter.next(layout, after: ledger?.latestRunNumber() ?? 0)
    }

    /// The ledger's no-op record; a failed write is explained by the write check when it is the
    /// repository's permissions. A no-op run repeats the previous run with the same workflow file,
    /// so it is signed when that run is (this path does not load the workflow to see its `sign:`).
    private func recordNoOp(into ledger: RunLedger, run: Int, stages: [String]) throws -> GitOID? {
        let inherited = try ledger.signer == nil && ledger.tipIsSigned()
        if inherited {
            do {
                ledger.signer = try RunSigner.configured(root: layout.root, reason: "signing is on (the previous run, which this no-op run repeats, is signed)")
            } catch let error as SigningError {
                throw CommandError.usage(error.description)
            }
        }
        do {
            let id = try ledger.recordNoOp(run: run, started: started, stages: stages,
                                         workflowFile: ProvenanceRecorder.relative(file.display, root: layout.root) ?? file.display,
                                         workflowDigest: file.digest, studyflowVersion: StudyflowVersion.current,
                                         executor: executorName)
            // Not a no-op after all: the full run signs as its workflow and flags say.
            if id == nil, inherited { ledger.signer = nil }
            return id
        } catch {
            try ledger.checkWritable()
            throw error
        }
    }
}

extension ReattachReport {
    /// `{"event":"reattach","reattached":N,"finished":F,"running":R,"lost":L,"cancelled":[{"job","stage","reason"}]}`.
    var json: String {
        let cancelled = self.cancelled.map {
            JSONValue.object(["job": .string($0.entry.id), "stage": .string($0.entry.stage), "reason": .string($0.why)])
        }
        return JSONValue.object(["event": .string("reattach"), "reattached": .integer(reattached), "finished": .integer(finished),
                                 "running": .integer(running), "lost": .integer(lost), "cancelled": .array(cancelled)]).canonicalJSON
    }
}
