import ArgumentParser
import StudyCore
import StudyProvenance

/// `studyflow audit PATH`: where a file came from, by the run ledger, back to source files.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Trace a file back to its source files: stages, keys, params, digests, runs and source commits.",
        discussion: """
        Finds the newest recorded run that produced PATH (so a file made by an older run, or by a
        stage since removed, is found too), then walks its inputs back through the stages of that
        run to source files. For each stage: id, kind, key, params, what it ran with (container,
        sandbox, each host program its command called with path, sha256 and version line), every
        input and output with sha256 and size, the run that made it and that run's source commit.

        --verify re-hashes the file and every file of its lineage on disk, in the object store
        (.studyflow/objects) and in the ledger (outputs/ of the run's commit), and exits 1 naming
        each mismatch: an output edited since the run, a source edited since, a missing object.
        In a signed history (runs made with 'sign: true' or 'run --sign') it also checks every
        run's SSH signature against git config 'gpg.ssh.allowedSignersFile' and names each
        unsigned, rewritten (bad signature) or unknown-key run.

        --graph dot|mermaid draws the lineage instead: stages (id, kind, short key), the files
        they read and wrote and the source files, each with a short sha256, and each stage's
        params.

        Examples:
          studyflow audit results/km.json
          studyflow audit results/km.json --verify
          studyflow audit results/km.json --json
          studyflow audit results/km.json --graph dot | dot -Tsvg > lineage.svg
          studyflow audit results/km.json --graph mermaid
        """
    )

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("A stage output (relative to the current directory, or to DIR with -C).", valueName: "PATH"))
    var path: String

    @Flag(name: .long, help: "Print the lineage as one JSON object.")
    var json = false

    @Flag(name: .long, help: "Re-hash every file of the lineage; exit 1 naming each mismatch.")
    var verify = false

    @Option(name: .long, help: "Draw the lineage as a graph: dot or mermaid.")
    var graph: LineageGraph.Format?

    func validate() throws {
        if graph != nil, json || verify { throw ValidationError("--graph prints a graph only; drop --json and --verify, or run them separately") }
    }

    func run() throws {
        let (ledger, layout) = try options.ledger()
        let target = Self.normalize(try options.path(path), root: layout.root)
        let lineage = try ledger.lineage(of: target)
        if let graph {
            Console.out(LineageGraph.render(lineage, format: graph))
            return
        }
        // A signed history's signatures are checked too: each run's commit covers its parent, so
        // the history checked down to the oldest signed run covers every run of the lineage.
        let problems = verify ? ledger.verify(lineage) + (try ledger.verifySignatures()) : []
        Console.out(json ? Self.json(lineage, problems: verify ? problems : nil).canonicalJSON + "\n" : Self.text(lineage, problems: verify ? problems : nil))
        if !problems.isEmpty {
            Console.err("studyflow: verification failed: \(problems.count) mismatch\(problems.count == 1 ? "" : "es") in the lineage of '\(target)'; rerun 'studyflow run' to rebuild, or restore the edited sources\n")
            throw CommandError.exit(1)
        }
    }

    /// A workspace-relative path: `./x`, `x/` and an absolute path inside the root all name `x`.
    static func normalize(_ path: String, root: String) -> String {
        var p = path
        if p.hasPrefix(root + "/") { p = String(p.dropFirst(root.count + 1)) }
        while p.hasPrefix("./") { p = String(p.dropFirst(2)) }
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p
    }

    static func text(_ lineage: Lineage, problems: [String]?) -> String {
        var out = "\(lineage.path)\n"
        for step in lineage.steps {
            let r = step.record
            let made = step.madeBy.record
            out += "  stage '\(r.stage)' (\(r.kind)), key \(r.key?.short ?? "none"), \(r.status) in run \(step.run.record.run)\n"
            out += "    made by run \(made.run) (id \(RunID.short(step.madeBy.id)), commit \(step.madeBy.commit.short), \(Timestamp.iso8601(made.timing.started))), source commit \(made.sourceDescription)\n"
            if !r.params.isEmpty { out += "    params \(JSONValue.object(r.params).canonicalJSON)\n" }
            out += environmentLines(r.environment)
            for input in r.inputs { out += "    input  \(describe(input))\n" }
            for output in r.outputs { out += "    output \(describe(output))\n" }
        }
        out += "  sources:\n"
        for source in lineage.sources {
            out += "    \(describe(StageRecord.File(path: source.path, sha256: source.sha256, size: source.size)))  (read by '\(source.readBy)')\n"
        }
        if let problems {
            if problems.isEmpty {
                out += "verified: every file of the lineage matches its recorded sha256 on disk and in the store\n"
            } else {
                for problem in problems { out += "mismatch: \(problem)\n" }
            }
        }
        return out
    }

    /// The lines saying what the stage ran with: its container, whether it ran sandboxed, and
    /// every host program its command called (listed in `tools:` or not) with path, SHA-256 and
    /// version line; empty for a record without an environment (a built-in stage, an older run).
    static func environmentLines(_ environment: StageEnvironment?) -> String {
        guard let environment else { return "" }
        var out = ""
        if let container = environment.container {
            out += "    container \(container.image) \(container.digest) (\(container.runtime) \(container.runtimeVersion))\n"
        }
        if let sandbox = environment.sandbox {
            out += sandbox ? "    sandbox yes (bubblewrap: only its inputs visible, only its outputs writable, no network)\n" : "    sandbox no\n"
        }
        for tool in environment.tools ?? [] {
            let version = tool.version.isEmpty ? "no version line" : tool.version
            out += "    tool   \(tool.name)  \(tool.path)  sha256 \(tool.sha256.hex)  (\(version))\n"
        }
        return out
    }

    static func describe(_ file: StageRecord.File) -> String {
        let size = file.size.map { "\($0) bytes" } ?? "size unknown"
        return "\(file.path)\(file.isDirectory ? "/" : "")  sha256 \(file.sha256?.hex ?? "unknown")  \(size)"
    }

    static func json(_ lineage: Lineage, problems: [String]?) -> JSONValue {
        var steps: [JSONValue] = []
        for step in lineage.steps {
            guard case .object(var members) = step.record.json else { continue }
            members["run"] = .integer(step.run.record.run)
            members["runID"] = .string(step.run.id)
            members["commit"] = .string(step.run.commit.hex)
            if let template = StageSelector.template(ofInstance: step.record.stage) { members["template"] = .string(template) }
            let made = step.madeBy.record
            members["madeBy"] = .object([
                "run": .integer(made.run), "id": .string(step.madeBy.id), "commit": .string(step.madeBy.commit.hex),
                "sourceRepository": made.source.repository.map { .string($0.rawValue) } ?? .null,
                "started": .string(Timestamp.iso8601(made.timing.started)),
                "sourceCommit": made.source.commit.map(JSONValue.string) ?? .null, "dirty": made.source.dirty.map(JSONValue.bool) ?? .null,
            ])
            steps.append(.object(members))
        }
        var object: [String: JSONValue] = [
            "path": .string(lineage.path), "steps": .array(steps),
            "sources": .array(lineage.sources.map {
                .object(["path": .string($0.path), "sha256": $0.sha256.map { .string($0.hex) } ?? .null,
                         "size": $0.size.map { .integer(Int($0)) } ?? .null, "readBy": .string($0.readBy)])
            }),
        ]
        if let problems {
            object["verify"] = .object(["ok": .bool(problems.isEmpty), "problems": .array(problems.map(JSONValue.string))])
        }
        return .object(object)
    }
}
