import ArgumentParser
import StudyCore
import StudyProvenance

/// `studyflow diff [A] [B] [PATH]`: what differs between two recorded runs, or why one file does.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two recorded runs: params, settings, inputs, stages, outputs and the numbers that moved.",
        discussion: """
        Reads only the run history on refs/studyflow/runs, so it works in a fresh clone once that \
        ref is fetched (git fetch origin 'refs/studyflow/*:refs/studyflow/*'), without rerunning.

        A and B name runs: a run number, HEAD (the latest run), HEAD~N (N runs before it), or a \
        prefix of a run id or commit id (see 'studyflow log'). Without runs, the last two runs are \
        compared; with one, that run and the latest. Lists workflow parameters and stage settings \
        that changed, source files (old → new sha256 and size), stages in one run only or whose \
        key changed, outputs whose bytes changed, and for *.json outputs the values that moved, by \
        path: results/cox.json terms[term=age].hr 1.906 → 1.912. Elements of JSON arrays are \
        matched by a natural key (term, group, name, id, … time) when they have one, else by index.

        PATH (a stage output or a source file) narrows the comparison to that file's lineage and \
        names the upstream cause of each change: results/report.html changed because \
        results/cox.json changed because data/clinical.csv changed (12 rows edited).

        Examples:
          studyflow diff                          # the last two runs
          studyflow diff 3 5
          studyflow diff HEAD~2 --tolerance 1e-9
          studyflow diff results/cox.json         # why it changed since the previous run
          studyflow diff 3 HEAD results/report.html
          studyflow diff --text                   # unified diffs of text outputs up to 1 MiB
          studyflow diff --format md >> NOTEBOOK.md
          studyflow diff --json | jq '.results[]'
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, md, json
    }

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("Up to two runs (default: the last two), then optionally a PATH to explain.", valueName: "RUN|PATH"))
    var arguments: [String] = []

    @Option(name: .long, help: "Hide numeric changes with |new - old| <= T x max(1, |old|, |new|).")
    var tolerance: Double = 0

    @Flag(name: .long, help: "Also print unified diffs of changed text outputs (those up to 1 MiB the ledger stores).")
    var text = false

    @Option(name: .long, help: "Output format: text, md (Markdown) or json.")
    var format: Format = .text

    @Flag(name: .long, help: "Same as --format json.")
    var json = false

    func validate() throws {
        guard tolerance >= 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a number >= 0, got \(tolerance)") }
        if arguments.count > 3 { throw ValidationError("at most two runs and one PATH, got \(arguments.count) arguments; see 'studyflow diff --help'") }
    }

    func run() throws {
        let (ledger, layout) = try options.ledger()
        let runs = try ledger.runs()
        guard let latest = runs.first else {
            throw CommandError.failure("no run is recorded in '\(ledger.repositoryPath)' yet; run 'studyflow run' first, or, in a clone, "
                + "fetch the run history: git fetch origin 'refs/studyflow/*:refs/studyflow/*'")
        }
        var named: [LoggedRun] = []
        var path: String?
        for argument in arguments {
            if let path { throw CommandError.usage("'\(argument)' follows the path '\(path)'; give the runs first: studyflow diff [A] [B] PATH") }
            do {
                named.append(try RunReference.resolve(argument, in: runs))
            } catch {
                guard path == nil, Self.looksLikePath(argument) else { throw CommandError.usage(error.description) }
                path = AuditCommand.normalize(try options.path(argument), root: layout.root)
            }
        }
        if named.count > 2 { throw CommandError.usage("at most two runs can be compared, got \(named.count); see 'studyflow diff --help'") }
        let (old, new) = try Self.pair(named, runs: runs, latest: latest)
        let diff = try ledger.diff(old, new, options: .init(tolerance: tolerance, text: text))
        let format = json ? .json : self.format
        if let path {
            let chain = try ledger.explain(path, in: diff)
            Console.out(DiffReport.render(chain, diff: diff, format: format))
        } else {
            Console.out(DiffReport.render(diff, format: format))
        }
    }

    /// The two runs to compare: both given, one given (and the latest), or the last two.
    static func pair(_ named: [LoggedRun], runs: [LoggedRun], latest: LoggedRun) throws -> (LoggedRun, LoggedRun) {
        switch named.count {
        case 2: return (named[0], named[1])
        case 1: return (named[0], latest)
        default:
            guard runs.count >= 2 else { throw CommandError.usage(RunReferenceError.onlyOneRun(latest.label).description) }
            return (runs[1], runs[0])
        }
    }

    /// Whether an argument that names no run is meant as a path: it has a `/` or a `.` in it, as
    /// results and sources do; a bare word is a mistyped run (an error listing the runs).
    static func looksLikePath(_ argument: String) -> Bool {
        argument.contains("/") || argument.contains(".")
    }
}
