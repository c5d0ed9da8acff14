import ArgumentParser
@preconcurrency import Dispatch
import StudyCore
import StudyEngine
import StudyProvenance
import StudyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `studyflow run`: run the workflow, redoing only stages whose inputs, parameters or code changed.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the workflow; only stale stages execute.",
        discussion: """
        Examples:
          studyflow run                          # the single workflow in Workflows/
          studyflow run Workflows/study.yaml -j 8
          studyflow run -n                       # dry run: what would run, and why
          studyflow run --until km               # km and everything it needs
          studyflow run --force clean            # clean and everything downstream
          studyflow run --until 'cox@*'          # every instance of fan-out cox (also: --until cox)
          studyflow run --force cox@msk          # one instance and what reads it

        STAGE (--until, --force) is a stage id, a fan-out instance 'cox@msk', a fan-out template
        'cox' (all its instances), or a glob with *, ? and [...] ('cox@m*'; quote it for the
        shell). A name or glob that selects no stage is an error.
          studyflow run -k                       # keep going past failures
          studyflow run --param seed=7 --json    # NDJSON events on stdout
          studyflow run --profile cluster --params-file params/full.yaml
          studyflow run --executor slurm --partition short --sbatch-arg=--qos=normal
          studyflow run --container-runtime podman --pull   # 'container:' stages; pull missing images
        """
    )

    @OptionGroup var workspace: WorkspaceOptions

    @Option(name: [.customShort("j", allowingJoined: true), .long],
            help: "Stages to run at once (default: the processor count); -j4 works as in make.")
    var jobs: Int?

    @Flag(name: [.customShort("n"), .long], help: "Print what would run and why; run nothing.")
    var dryRun = false

    @Flag(name: [.short, .long], help: "Keep running stages that do not depend on a failed one.")
    var keepGoing = false

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Run STAGE (an id, a fan-out template or a glob like 'cox@*') and everything downstream even if up to date.", valueName: "STAGE"))
    var force: [String] = []

    @Flag(name: .long, help: "Run every selected stage even if up to date.")
    var forceAll = false

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Run only STAGE (an id, a fan-out template or a glob like 'cox@*') and what it depends on.", valueName: "STAGE"))
    var until: [String] = []

    @Option(name: .long, help: "Retries for every failing stage (overrides 'retries:').")
    var retries: Int?

    @OptionGroup var settingsOptions: WorkflowSettingsOptions

    @Option(name: .long, help: "Where stages run: local (default), or slurm (each stage an sbatch job).")
    var executor: String?

    @Option(name: .long, help: "SLURM partition for every job (--executor slurm).")
    var partition: String?

    @Option(name: .long, help: "SLURM account for every job (--executor slurm).")
    var account: String?

    @Option(name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("An extra sbatch argument for every job, repeatable (--executor slurm).", valueName: "ARG"))
    var sbatchArguments: [String] = []

    @Option(name: .long, help: "Least seconds between squeue calls (default 30; --executor slurm). Completion comes from status files.")
    var pollInterval: Double?

    @Option(name: .long, help: ArgumentHelp("Run 'container:' stages with NAME: podman, docker or apptainer, or a path to one (default: the first of them on PATH).", valueName: "NAME"))
    var containerRuntime: String?

    @Flag(name: .long, help: "Pull container images that are not present locally (never done silently).")
    var pull = false

    @Flag(name: .long, help: "Fail at once if another run holds the workspace, instead of waiting.")
    var noWait = false

    @Flag(name: .long, help: "Write one JSON object per line (stage events, then a summary) to stdout.")
    var json = false

    @Flag(name: [.short, .long], help: "Explain every decision (stage, key, reasons) on stderr.")
    var verbose = false

    @Flag(name: .long, help: "Run every 'run:' stage under bubblewrap, seeing only its inputs (as 'sandbox: true' does).")
    var sandbox = false

    @Flag(name: .long, help: "Sign the run's commit with your SSH key (git config user.signingKey), as 'sign: true' does.")
    var sign = false

    @Flag(name: .long, help: ArgumentHelp("Print how long each phase took (as ninja's -d stats).", visibility: .hidden))
    var timings = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let retries, retries < 0 { throw ValidationError("--retries must not be negative") }
        if let executor, executor != "local" && executor != "slurm" {
            throw ValidationError("unknown executor '\(executor)'; available: local, slurm")
        }
        // A profile may choose slurm; then the workflow is needed to tell (see `makeExecutor`).
        if settingsOptions.profile == nil, executor != "slurm", partition != nil || account != nil || !sbatchArguments.isEmpty {
            throw ValidationError(Self.slurmOnly)
        }
        if let pollInterval, !(pollInterval > 0 && pollInterval <= 3600) {
            throw ValidationError("--poll-interval must be in (0, 3600] seconds")
        }
    }

    static let slurmOnly = "--partition, --account and --sbatch-arg apply only with --executor slurm"

    func run() throws {
        var phases = PhaseTimer(enabled: timings)
        defer { phases.report() }
        let layout = try workspace.layout()
        let source = WorkflowSource(layout: layout, registry: StudyflowCommand.registry)
        let file = try source.read(workspace.workflow)
        let settings = try settingsOptions.resolve(workspace, layout: layout)
        if dryRun {
            let (_, options, ws) = try loadChecked(source, file, settings)
            phases.mark("load workflow")
            let preview = try Preview.evaluate(ws, options: options)
            phases.mark("plan")
            PreviewPrinter.printDryRun(preview, json: json)
            phases.mark("print")
            return
        }

        // A workflow that does not load writes nothing: on a first run (no lock file yet) it is
        // loaded before the lock creates .studyflow/. Later runs lock first, keeping the no-op
        // check cheap, and write nothing else before loading either.
        let firstRun = FileStat.of(layout.lockFile) == nil
        // Stages are forked by a process forked before the workflow is loaded, while studyflow is
        // small (see `LocalExecutor.prepareLaunching`); a no-op run answered from the snapshot never starts it.
        defer { LocalExecutor.finishLaunching() }
        if firstRun { LocalExecutor.prepareLaunching() }
        let preloaded = firstRun ? try loadChecked(source, file, settings, useCache: false) : nil
        // A missing or unusable signing key stops the run before the lock or the ledger is made.
        let runSigner = try signer(layout, workflow: preloaded?.0.workflow, file: file.display)
        let lock = try acquireLock(layout)
        defer { withExtendedLifetime(lock) {} }
        phases.mark("read + lock")
        let display: any RunObserver = json ? JSONEventWriter() : ProgressReporter(terminal: Console.stderrIsTerminal)
        // Unchecked names are fine here: a snapshot is only written by a run whose parameters were valid.
        // The runtime asked for decides which image store a container's digest comes from.
        let snapshot = SnapshotCheck(stamp: source.stamp + settings.snapshotSuffix + (containerRuntime.map { " runtime=" + $0 } ?? ""),
                                     workflowDigest: file.digest,
                                     params: settings.overrides)
        let started = SystemClock.wallSeconds()
        let ledger = try RunSession.openLedger(layout, firstRun: firstRun)
        ledger?.signer = runSigner
        phases.mark("open ledger")
        var session = RunSession(layout: layout, file: file, ledger: ledger, started: started, executorName: executor ?? "local",
                                 reporter: verbose ? ObserverList([VerboseLog(), display]) : display, snapshot: snapshot)
        session.profile = settings.profile
        session.json = json
        // Which executor a profile picks is known only after loading: a no-op is then checked in full.
        let executorKnown = executor != nil || settings.profile == nil
        // Jobs of a run that died are taken over by a full run, never answered from the snapshot.
        let journaled = !((try? FileIO.listDirectory(layout.slurmJournal)) ?? []).isEmpty
        if executorKnown, !journaled, let stages = snapshot.shortcut(layout, force: force, forceAll: forceAll, targets: until, explaining: verbose) {
            phases.mark("snapshot")
            if try session.answerFromSnapshot(stages, phases: &phases) { return }
        }

        LocalExecutor.prepareLaunching()
        let (compiled, options, ws) = try preloaded ?? loadChecked(source, file, settings)
        phases.mark("load workflow")
        if ledger?.signer == nil, let workflowSigner = try signer(layout, workflow: compiled.workflow, file: file.display) {
            ledger?.signer = workflowSigner
        }
        try session.preflight()
        let (summary, signalStatus) = try session.execute(ws, options: options, executor: try makeExecutor(compiled.workflow, settings: settings, lock: lock, layout: layout),
                                                          reload: { try loadChecked(source, file, settings, useCache: false, settled: true).2 },
                                                          phases: &phases)
        if summary.interrupted {
            Console.err("studyflow: interrupted; finished stages are cached, rerun 'studyflow run' to continue\n")
            throw CommandError.exit(signalStatus)
        }
        if !summary.ok { throw CommandError.exit(1) }
    }

    /// The workflow, the run's options and the workspace, with every load-time check passed
    /// (`CommandError.invalidWorkflow` otherwise); without `useCache` nothing is written.
    private func loadChecked(_ source: WorkflowSource, _ file: WorkflowSource.File, _ settings: WorkflowSettings,
                             useCache: Bool = true, settled: Bool = false) throws -> (CompiledWorkflow, RunOptions, Workspace) {
        let compiled = try source.load(file, useCache: useCache, settings: settings, settled: settled)
        let options = try runOptions(compiled.workflow, settings: settings)
        let runtime = try containerRuntime ?? settings.selectedProfile(of: compiled.workflow)?.containerRuntime
        let containers = try ContainerCheck.setup(for: compiled.workflow, root: source.layout.root, runtime: runtime, pull: pull)
        let ws = Workspace(layout: source.layout, compiled: compiled, registry: source.registry, params: options.params,
                           containers: containers)
        try source.checkSettings(ws)
        return (compiled, options, ws)
    }

    /// The signer the run needs (`--sign`, or `sign: true` in `workflow`), with its key checked by
    /// one trial signature; nil for an unsigned run. A key problem is a usage error (exit 2).
    private func signer(_ layout: StoreLayout, workflow: Workflow?, file: String) throws -> RunSigner? {
        let reason: String
        if sign {
            reason = "signing is on ('--sign')"
        } else if workflow?.sign == true {
            reason = "signing is on ('sign: true' in '\(file)')"
        } else {
            return nil
        }
        do { return try RunSigner.configured(root: layout.root, reason: reason) } catch let error as SigningError {
            throw CommandError.usage(error.description)
        }
    }

    /// The local executor, or a SLURM executor whose cluster has been checked: tools on PATH, the
    /// controller answering, every stage's `threads` within the largest node. Nothing is submitted yet.
    private func makeExecutor(_ workflow: Workflow, settings workflowSettings: WorkflowSettings, lock: WorkspaceLock,
                              layout: StoreLayout) throws -> any Executor {
        let profile = try workflowSettings.selectedProfile(of: workflow)
        guard (executor ?? profile?.executor ?? "local") == "slurm" else {
            if partition != nil || account != nil || !sbatchArguments.isEmpty {
                throw CommandError.usage(Self.slurmOnly + " (or a profile with 'executor: slurm')")
            }
            let left = SlurmJournal.pending(in: layout.slurmJournal).count
            if left > 0 {
                Console.err("studyflow: warning: \(left) SLURM job\(left == 1 ? "" : "s") of an earlier run may still be running and writing outputs; run with '--executor slurm' to take them over or cancel them\n")
            }
            return LocalExecutor(holding: lock)
        }
        // The command line wins over the profile's `slurm:`, which wins over the workflow's; sbatch
        // arguments follow in that order, the command line's last.
        let profiled = profile?.slurm ?? SlurmDefaults()
        var settings = SlurmSettings(partition: partition ?? profiled.partition ?? workflow.slurm.partition,
                                     account: account ?? profiled.account ?? workflow.slurm.account,
                                     extraArguments: workflow.slurm.sbatchArguments + profiled.sbatchArguments + sbatchArguments,
                                     pollInterval: pollInterval ?? profiled.pollInterval ?? workflow.slurm.pollInterval ?? 30,
                                     studyflowBinary: ExecutablePath.current, searchPath: ExecutablePath.searchPath)
        settings.arrayThrottle = jobs ?? profile?.jobs ?? ProcessorCount.online
        settings.groupComponents = workflow.slurm.groupComponents.merging(profiled.groupComponents) { $1 }
        settings.holdArrays = profiled.holdArrays ?? workflow.slurm.holdArrays ?? true
        settings.journalDirectory = layout.slurmJournal
        let slurm = try SlurmExecutor(settings: settings, local: LocalExecutor(holding: lock))
        try slurm.check(stages: workflow.stages.map { ($0.id, $0.resources.threads) })
        return slurm
    }

    private func runOptions(_ workflow: Workflow, settings: WorkflowSettings) throws -> RunOptions {
        let params = try settings.parameters(for: workflow)
        let profile = try settings.selectedProfile(of: workflow)
        var options = RunOptions(jobs: jobs ?? profile?.jobs ?? ProcessorCount.online, keepGoing: keepGoing, force: force,
                                 forceAll: forceAll, targets: until, retries: retries, params: params)
        // A missing bwrap stops the run before anything runs (a dry run needs none).
        do {
            options.sandbox = try SandboxSettings.resolve(everyStage: sandbox, stages: workflow.stages, searchPath: ExecutablePath.searchPath)
        } catch where !dryRun {
            throw CommandError.usage(error.description)
        } catch {}
        return options
    }

    private func acquireLock(_ layout: StoreLayout) throws -> WorkspaceLock {
        do {
            return try WorkspaceLock.acquire(layout, wait: !noWait) { holder in
                Console.err("studyflow: waiting for \(holder) to finish its run of this workspace…\n")
            }
        } catch StoreError.locked(let holder) {
            throw CommandError.failure("workspace '\(layout.root)' is locked by \(holder); wait for it or drop --no-wait")
        }
    }
}

/// Checks `--param K=V` names against the workflow's declared parameters (a usage error names the first unknown one).
func checkParamNames(_ values: [String: JSONValue], workflow: Workflow) throws {
    for name in values.keys.sorted() where workflow.params[name] == nil {
        throw CommandError.usage(RunError.unknownParam(name, suggestion: Spelling.suggestion(for: name, among: workflow.params.keys)).description)
    }
}

/// `--param K=V` values typed as YAML types a plain scalar, not yet checked against a workflow.
func splitParams(_ raw: [String]) -> [String: JSONValue] {
    var result: [String: JSONValue] = [:]
    for item in raw {
        let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        result[String(parts[0])] = JSONValue(parsingScalar: parts.count > 1 ? String(parts[1]) : "")
    }
    return result
}

/// Several observers as one, called in order.
struct ObserverList: RunObserver {
    let observers: [any RunObserver]
    init(_ observers: [any RunObserver]) { self.observers = observers }
    func handle(_ event: RunEvent) {
        for observer in observers { observer.handle(event) }
    }
}
