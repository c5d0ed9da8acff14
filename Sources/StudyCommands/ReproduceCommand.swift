import ArgumentParser
import StudyCore
import StudyEngine
import StudyProvenance
import StudyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `studyflow reproduce [RUN]`: re-executes a recorded run's stages without the cache in a scratch
/// directory holding only the run's inputs, and compares every output with the recorded digest,
/// byte for byte.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Re-execute a recorded run in a scratch copy, without the cache, and compare every output.",
        discussion: """
        Copies the lineage's inputs to a scratch directory — the source files the workflow's
        stages declare or their commands name (scripts), and the workflow file as the run recorded
        it; nothing else, so git-ignored build folders stay behind — runs the run's stages there
        from scratch with the run's --param values, and prints per output 'identical' or 'differs'
        against the sha256 the run recorded. Exit 1 if any output differs or a stage fails.
        Sources edited since the run are reported: they are reproduced with their current bytes.

        A run that failed is said to have failed: the stages that succeeded are reproduced, the
        failed and skipped ones are listed as 'not run', and the exit status is 1.

        RUN is a run number of this workspace, HEAD~N, or a prefix of a run id or commit id (see
        'studyflow log'); a number that names several runs is an error listing them.

        Examples:
          studyflow reproduce                 # the latest run
          studyflow reproduce 12              # run 12
          studyflow reproduce 3f9c2a1e        # the run with this id
          studyflow reproduce --stage km      # km and the stages it depends on
          studyflow reproduce --keep          # keep the scratch directory to inspect it
        """
    )

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("A run number, HEAD~N, or a prefix of a run id or commit id (default: the latest run).", valueName: "RUN"))
    var runID: String?

    @Option(name: .long, help: ArgumentHelp("Reproduce only STAGE (an id, a fan-out template or a glob like 'cox@*') and what it depends on.", valueName: "STAGE"))
    var stage: [String] = []

    @Option(name: [.customShort("j", allowingJoined: true), .long], help: "Stages to run at once (default: the processor count).")
    var jobs: Int?

    @Flag(name: .long, help: "Keep the scratch directory and print its path.")
    var keep = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let (ledger, layout) = try options.ledger()
        let run = try ledger.run(runID)
        let records = try ledger.stages(of: run)
        let name = "run \(run.record.run)"
        let chosen = try chosenStages(records, name: name)
        guard let workflowBytes = try ledger.workflowBytes(of: run) else {
            throw CommandError.failure("\(name) did not record its workflow file; it cannot be reproduced")
        }
        let failure = Self.failure(of: run, records: records)
        let wanted = stage.isEmpty ? records.values.filter { $0.key != nil }.map(\.stage) : chosen
        if let failure {
            guard !wanted.isEmpty else { throw CommandError.failure("\(failure) before any stage succeeded; there is nothing to reproduce") }
            Console.err("studyflow: \(failure); reproducing the \(wanted.count) stage\(wanted.count == 1 ? "" : "s") that succeeded\n")
        }

        let workflowPath = run.record.workflow.file.hasPrefix("/") ? "Workflows/reproduced.yaml" : run.record.workflow.file
        let text = String(decoding: workflowBytes, as: UTF8.self)
        // The run's included workflow files come from its record, as its workflow file does.
        let included = try ledger.includedFiles(of: run)
        let declared = try? WorkflowLoader(knownKinds: StudyflowCommand.registry.names, paramOverrides: run.record.workflow.params,
                                           files: MemoryWorkflowFiles(bytes: included)).load(text: text, file: workflowPath)
        let lineage = ScratchWorkspace.lineageInputs(of: declared, records: Array(records.values))
        let recorded = Set(included.keys).union([workflowPath])
        let scratch = try ScratchWorkspace.make(copying: lineage.inputs.filter { !recorded.contains($0) }, from: layout.root,
                                                except: lineage.produced.union(recorded))
        defer { if !keep { scratch.remove() } }
        for (path, bytes) in included.merging([workflowPath: workflowBytes], uniquingKeysWith: { $1 }) {
            if let parent = WorkspacePath.directory(of: scratch.layout.absolute(path)) { try FileIO.createDirectories(parent) }
            try FileIO.writeAtomically(scratch.layout.absolute(path), bytes, durable: false)
        }
        Console.err(Self.editedSources(records, produced: lineage.produced, layout: layout, name: name))

        let source = WorkflowSource(layout: scratch.layout, registry: StudyflowCommand.registry)
        let compiled = try source.load(workflowPath, useCache: false, params: run.record.workflow.params)
        let present = Set(compiled.workflow.stages.map(\.id))
        let targets = wanted.filter(present.contains).sorted()
        var runOptions = RunOptions(jobs: jobs ?? ProcessorCount.online, forceAll: true, targets: targets,
                                    params: run.record.workflow.params)
        // Sandboxed stages reproduce sandboxed; without bwrap nothing runs.
        do {
            runOptions.sandbox = try SandboxSettings.resolve(everyStage: false, stages: compiled.workflow.stages,
                                                             searchPath: ExecutablePath.searchPath)
        } catch { throw CommandError.usage(error.description) }
        // Container stages run in the image by the digest the run recorded, never by what its tag names now.
        let used = records.values.compactMap { $0.environment?.container }
        let containers = try ContainerCheck.setup(for: compiled.workflow, root: scratch.layout.root, runtime: used.first.flatMap { $0.runtime.isEmpty ? nil : $0.runtime },
                                                  pinned: Dictionary(used.map { ($0.image, $0.digest) }) { first, _ in first })
        let ws = Workspace(layout: scratch.layout, compiled: compiled, registry: StudyflowCommand.registry, params: run.record.workflow.params,
                           containers: containers)
        let runner = Runner(workspace: ws, executor: LocalExecutor(), options: runOptions, observers: [], run: 1)
        Console.err("studyflow: reproducing \(name) (\(targets.count) stage\(targets.count == 1 ? "" : "s")) in \(scratch.layout.root)\n")
        let summary = try runner.execute()

        var report = Self.compare(summary, records: records)
        if stage.isEmpty { report.add(notRun: records.values.filter { $0.key == nil }, name: name) }
        for id in wanted.filter({ !present.contains($0) }).sorted() {
            report.text += "not run    stage '\(id)' (not in the workflow file \(name) recorded)\n"
            report.notRun += 1
        }
        Console.out(report.text)
        if keep { Console.err("studyflow: scratch copy kept at \(scratch.layout.root)\n") }
        if report.failedHere > 0 {
            Console.err("studyflow: note: the scratch copy holds only the run's inputs (declared inputs, files its commands name); a command that reads an undeclared file fails there: declare that file as an input\n")
        }
        if report.differs > 0 {
            Console.err("studyflow: \(report.differs) output\(report.differs == 1 ? "" : "s") of \(name) did not reproduce\n")
        }
        if report.notRun > 0 {
            Console.err("studyflow: \(failure.map { $0 + ": " } ?? "")\(report.notRun) stage\(report.notRun == 1 ? "" : "s") could not be reproduced\n")
        }
        if report.differs > 0 || report.notRun > 0 { throw CommandError.exit(1) }
    }

    /// The recorded stages `--stage` names (ids, fan-out templates, globs such as `cox@*`, one rule
    /// with `run --until`); rejects names the run does not have, or has without recorded outputs.
    /// A glob or template keeps its instances that succeeded and is an error only if none did.
    private func chosenStages(_ records: [String: StageRecord], name: String) throws -> [String] {
        let selector = StageSelector(ids: records.keys.sorted())
        var chosen: [String] = [], seen: Set<String> = []
        for pattern in stage {
            let ids: [String]
            do throws(StageSelectionError) { ids = try selector.selectIDs([pattern]) } catch {
                let (what, suggestion) = switch error {
                case .unknown(_, let suggestion): ("has no stage '\(pattern)'", suggestion)
                case .noMatch(_, let suggestion): ("has no stage matching '\(pattern)'", suggestion)
                }
                let hint = suggestion.map { "did you mean '\($0)'?" } ?? "its stages: " + Self.listed(selector.ids)
                throw CommandError.usage("\(name) \(what); \(hint)")
            }
            let succeeded = ids.filter { records[$0]?.key != nil }
            if succeeded.isEmpty, let record = records[ids[0]] {
                let all = records.values.filter { $0.key != nil }.map(\.stage).sorted()
                let hint = all.isEmpty ? "no stage of it succeeded" : "name one that succeeded: " + Self.listed(all)
                let what = ids.count == 1 ? "stage '\(ids[0])' \(record.status)" : "no stage matching '\(pattern)' succeeded"
                throw CommandError.usage("\(what) in \(name), so it has no recorded outputs to reproduce; \(hint)")
            }
            for id in succeeded where seen.insert(id).inserted { chosen.append(id) }
        }
        return chosen
    }

    /// Up to 10 names, then how many more.
    private static func listed(_ names: [String]) -> String {
        names.prefix(10).joined(separator: ", ") + (names.count > 10 ? " and \(names.count - 10) more" : "")
    }

    /// `run 3 failed at stage 'x'` (or `was interrupted at stage 'x'`) for a run that did not
    /// succeed; nil for one that did.
    static func failure(of run: LoggedRun, records: [String: StageRecord]) -> String? {
        let failed = records.values.filter { $0.status.known?.isFailure == true }.map(\.stage).sorted()
        let name = "run \(run.record.run)"
        let verb = run.record.outcome == .known(.interrupted) ? "was interrupted" : "failed"
        if !failed.isEmpty {
            return "\(name) \(verb) at stage\(failed.count == 1 ? "" : "s") \(failed.map { "'\($0)'" }.joined(separator: ", "))"
        }
        if run.record.outcome == .known(.interrupted) { return "\(name) was interrupted" }
        if run.record.outcome != .known(.ok) || records.values.contains(where: { $0.key == nil }) { return "\(name) did not complete (\(run.record.outcome))" }
        return nil
    }

    /// Notes for sources the run read whose bytes changed since: reproduced with what is there now.
    static func editedSources(_ records: [String: StageRecord], produced: Set<String>, layout: StoreLayout, name: String) -> String {
        var notes = ""
        var checked: Set<String> = []
        for record in records.values.sorted(by: { $0.stage < $1.stage }) {
            for input in record.inputs where !produced.contains(input.path) && checked.insert(input.path).inserted {
                guard let digest = input.sha256, let bytes = FileIO.read(layout.absolute(input.path)) else { continue }
                if Digest.of(bytes) != digest { notes += "note: source \(input.path) changed since \(name); reproducing with its current bytes\n" }
            }
        }
        return notes
    }

    /// One line per recorded output (`identical`, `differs`) or stage (`failed`, `not run`).
    struct Report {
        var text = ""
        var differs = 0
        var failedHere = 0
        var notRun = 0

        mutating func add(notRun stages: [StageRecord], name: String) {
            for record in stages.sorted(by: { $0.stage < $1.stage }) {
                text += "not run    stage '\(record.stage)' (\(record.status) in \(name): no recorded outputs)\n"
                notRun += 1
            }
        }
    }

    static func compare(_ summary: RunSummary, records: [String: StageRecord]) -> Report {
        var report = Report()
        for result in summary.results {
            guard let recorded = records[result.stage] else { continue }
            guard result.status == .ran, let record = result.record else {
                let firstLine: String = result.failure.flatMap { $0.split(separator: "\n").first.map(String.init) } ?? ""
                let reason = firstLine.isEmpty ? "" : ": " + firstLine
                report.text += "failed     stage '\(result.stage)' (\(result.status.rawValue)\(reason))\n"
                report.differs += 1
                if result.status == .failed { report.failedHere += 1 }
                continue
            }
            let made = Dictionary(record.outputs.map { ($0.path, $0.digest) }, uniquingKeysWith: { a, _ in a })
            for output in recorded.outputs {
                let shown = output.path + (output.isDirectory ? "/" : "")
                if let digest = output.sha256, made[output.path] == digest {
                    report.text += "identical  \(shown)\n"
                } else {
                    report.differs += 1
                    report.text += "differs    \(shown)  (recorded sha256 \(output.sha256?.short ?? "unknown"), reproduced \(made[output.path]?.short ?? "missing"))\n"
                }
            }
        }
        return report
    }
}
