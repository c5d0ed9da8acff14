import ArgumentParser
import StudyCore
import StudyProvenance

/// `studyflow log`: the run history from the provenance ledger, newest first.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the run history recorded in refs/studyflow/runs, newest first.",
        discussion: """
        One line a run: run number, the first 8 digits of its unique id, start time (UTC),
        stages that ran / were cached / failed, the outcome, the workspace's git commit at the time
        ('unborn' before the first commit) and '+dirty' when a source input or the workflow file
        differed from that commit. RUN shows one run: a run number, HEAD~N, or a prefix of a run id or
        commit id. A signed run ('sign: true', 'run --sign') ends with its signer: the principal
        of git config 'gpg.ssh.allowedSignersFile' and the key's fingerprint, 'unknown key' or
        'BAD signature'. Only this workspace's runs are shown: other workspaces and git worktrees of the
        repository share the ref but not the history. The same history is plain git:
        'git log refs/studyflow/runs' (or, for a workspace in no repository,
        'git --git-dir .studyflow/provenance.git log refs/studyflow/runs').

        --stage NAME lists one stage's history instead, newest first: run, stage key, status,
        duration ('-' when cached) and what changed since the previous run that recorded it
        (input changed, param a → b, output changed, or unchanged). NAME is a stage id, or an
        output path: then each run shows the stage that wrote that file. A fan-out template
        ('cox') or a glob ('cox@*', 'cox@m?k') lists each recorded instance's history in turn.

        Examples:
          studyflow log
          studyflow log -n 5
          studyflow log 3f9c2a1e
          studyflow log --json | jq .run
          studyflow log --stage cox
          studyflow log --stage results/km.json -n 10
          studyflow log --stage 'cox@*'
        """
    )

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("Show only this run: a run number, HEAD~N (N runs before the latest), or a prefix of a run id or commit id.", valueName: "RUN"))
    var runID: String?

    @Option(name: .customShort("n"), help: "Show only the newest N runs.")
    var count: Int?

    @Flag(name: .long, help: "One JSON object per run (its run.json plus the commit id), one a line.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("One stage's history across runs: a stage id, an output path, or a fan-out template or glob ('cox@*': each instance in turn).", valueName: "NAME"))
    var stage: String?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("-n must be at least 1") }
        if stage != nil, let runID { throw ValidationError("--stage lists every run; drop the run '\(runID)' (or use -n N for the newest N runs)") }
    }

    /// `--stage NAME`: an id as is; a glob (`cox@*`) or a fan-out template (`cox`) becomes every
    /// recorded instance it names, by the rule `run --until` uses (`StageSelector`).
    private func selectedStages(_ name: String, ledger: RunLedger) throws -> [String] {
        let ids = try ledger.recordedStageIDs(limit: count)
        guard StageSelector.isGlob(name) || (!ids.contains(name) && ids.contains { $0.hasPrefix(name + "@") }) else { return [name] }
        do throws(StageSelectionError) { return try StageSelector(ids: ids).selectIDs([name]) } catch {
            guard case .noMatch(_, nil) = error else { throw CommandError.usage(error.description) }
            throw CommandError.usage("no stage of the recorded runs matches '\(name)'; 'studyflow status' lists the workflow's stages")
        }
    }

    func run() throws {
        let (ledger, layout) = try options.ledger()
        if let stage {
            let names = stage.contains("/") ? [AuditCommand.normalize(try options.path(stage), root: layout.root)]
                : try selectedStages(stage, ledger: ledger)
            var out: [String] = []
            for name in names {
                let history: StageHistory
                do { history = try ledger.history(of: name, limit: count) } catch let error as StageHistoryError {
                    throw CommandError.usage(error.description)
                }
                out.append(json ? StageLog.json(history) : StageLog.text(history))
            }
            Console.out(out.joined(separator: json ? "" : "\n"))
            return
        }
        let runs = try runID.map { [try ledger.run($0)] } ?? ledger.runs(limit: count)
        if runs.isEmpty {
            throw CommandError.failure("no run is recorded in '\(ledger.repositoryPath)' yet; run 'studyflow run' first")
        }
        var out = ""
        for run in runs {
            let r = run.record
            if json {
                var object = r.json
                if case .object(var members) = object {
                    members["commit"] = .string(run.commit.hex)
                    let signature = try ledger.signature(of: run.commit)
                    if signature != .unsigned { members["signer"] = .string(signature.signer) }
                    object = .object(members)
                }
                out += object.canonicalJSON + "\n"
                continue
            }
            var counts = "\(r.stages[.ran]) ran, \(r.stages[.cached]) cached, \(r.stages[.failed]) failed"
            if r.stages[.interrupted] > 0 { counts += ", \(r.stages[.interrupted]) interrupted" }
            let source = r.source.commit.map { String($0.prefix(12)) + (r.source.dirty == true ? "+dirty" : r.source.dirty == nil ? "+dirty?" : "") }
                ?? (r.source.repository == .git ? "unborn" : r.source.repository == .sha256 ? "sha256-repository"
                    : r.source.repository == .unreadable ? "unreadable-repository" : "no-git")
            out += "run \(r.run)  id \(RunID.short(run.id))  \(Timestamp.iso8601(r.timing.started))  \(counts)  \(r.outcome)  source \(source)  commit \(run.commit.short)\(try Self.signed(run, ledger))\n"
        }
        Console.out(out)
    }

    /// `  signed alice@lab (SHA256:…)` for a signed run; nothing for an unsigned one.
    static func signed(_ run: LoggedRun, _ ledger: RunLedger) throws -> String {
        let signature = try ledger.signature(of: run.commit)
        return signature == .unsigned ? "" : "  signed \(signature.signer)"
    }
}
