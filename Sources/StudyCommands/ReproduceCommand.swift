import ArgumentParser
import StudyCore
import StudyEngine
import StudyProvenance
import StudyStore
#if canImport(Glibc)
import Glibc
#endif

/// `studyflow reproduce [RUN]`: re-executes a recorded run's stages without the cache in a scratch
/// copy of the workspace and compares every output with the recorded digest, byte for byte.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Re-execute a recorded run in a scratch copy, without the cache, and compare every output.",
        discussion: """
        Copies the workspace (without .studyflow/, .git and stage outputs) to a scratch directory,
        writes the workflow file as the run recorded it, runs the run's stages there from scratch
        with the run's --param values, and prints per output 'identical' or 'differs' against the
        sha256 the run recorded. Exit 1 if any output differs or a stage fails. Sources edited
        since the run are reported: they are reproduced with their current bytes.

        Examples:
          studyflow reproduce                 # the latest run
          studyflow reproduce 12              # run 12
          studyflow reproduce --stage km      # km and the stages it depends on
          studyflow reproduce --keep          # keep the scratch directory to inspect it
        """
    )

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("A run number or commit id (default: the latest run).", valueName: "RUN"))
    var runID: String?

    @Option(name: .long, help: ArgumentHelp("Reproduce only STAGE and what it depends on.", valueName: "STAGE"))
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
        let run = try provenance { try ledger.run(runID) }
        let records = try provenance { try ledger.stages(of: run) }
        for name in stage where records[name] == nil {
            throw CommandError.usage("run \(run.record.run) has no stage '\(name)'; its stages: \(records.keys.sorted().joined(separator: ", "))")
        }
        guard let workflowBytes = try provenance({ try ledger.workflowBytes(of: run) }) else {
            throw CommandError.failure("run \(run.record.run) did not record its workflow file; it cannot be reproduced")
        }
        let scratch = try ScratchWorkspace.make(copying: layout.root, except: Set(records.values.flatMap { $0.outputs.map(\.path) }))
        defer { if !keep { scratch.remove() } }
        let workflowPath = run.record.workflowFile.hasPrefix("/") ? "Workflows/reproduced.yaml" : run.record.workflowFile
        if let parent = WorkspacePath.directory(of: scratch.layout.absolute(workflowPath)) { try FileIO.createDirectories(parent) }
        try FileIO.writeAtomically(scratch.layout.absolute(workflowPath), workflowBytes, durable: false)

        // Sources the run read whose bytes changed since: reproduced with what is there now.
        let produced = Set(records.values.flatMap { $0.outputs.map(\.path) })
        var notes: [String] = []
        var checked: Set<String> = []
        for record in records.values.sorted(by: { $0.stage < $1.stage }) {
            for input in record.inputs where !produced.contains(input.path) && checked.insert(input.path).inserted {
                guard let digest = input.sha256, let bytes = FileIO.read(layout.absolute(input.path)) else { continue }
                if Digest.of(bytes) != digest { notes.append("note: source \(input.path) changed since run \(run.record.run); reproducing with its current bytes\n") }
            }
        }
        Console.err(notes.joined())

        let source = WorkflowSource(layout: scratch.layout, registry: StudyflowCommand.registry)
        let compiled = try source.load(workflowPath, useCache: false, params: run.record.params)
        let wanted = stage.isEmpty ? records.values.filter { $0.key != nil }.map(\.stage) : stage
        let present = Set(compiled.workflow.stages.map(\.id))
        let targets = wanted.filter(present.contains).sorted()
        let runOptions = RunOptions(jobs: jobs ?? ProcessorCount.online, forceAll: true, targets: targets,
                                    params: run.record.params)
        let ws = Workspace(layout: scratch.layout, compiled: compiled, registry: StudyflowCommand.registry, params: run.record.params)
        let runner = Runner(workspace: ws, executor: LocalExecutor(), options: runOptions, observers: [], run: 1)
        Console.err("studyflow: reproducing run \(run.record.run) (\(targets.count) stage\(targets.count == 1 ? "" : "s")) in \(scratch.layout.root)\n")
        let summary = try mapRunErrors { try runner.execute() }

        var out = ""
        var differs = 0
        for result in summary.results {
            guard let recorded = records[result.stage] else { continue }
            guard result.status == .ran, let record = result.record else {
                out += "failed     stage '\(result.stage)' (\(result.status.rawValue)\(result.failure.map { ": " + $0.split(separator: "\n").first.map(String.init)! } ?? ""))\n"
                differs += 1
                continue
            }
            let made = Dictionary(record.outputs.map { ($0.path, $0.digest) }, uniquingKeysWith: { a, _ in a })
            for output in recorded.outputs {
                let shown = output.path + (output.isDirectory ? "/" : "")
                if let digest = output.sha256, made[output.path] == digest {
                    out += "identical  \(shown)\n"
                } else {
                    differs += 1
                    out += "differs    \(shown)  (recorded sha256 \(output.sha256?.short ?? "unknown"), reproduced \(made[output.path]?.short ?? "missing"))\n"
                }
            }
        }
        Console.out(out)
        if keep { Console.err("studyflow: scratch copy kept at \(scratch.layout.root)\n") }
        if differs > 0 {
            Console.err("studyflow: \(differs) output\(differs == 1 ? "" : "s") of run \(run.record.run) did not reproduce\n")
            throw CommandError.exit(1)
        }
    }
}

/// A scratch copy of a workspace for `reproduce`, in a fresh directory under /tmp.
struct ScratchWorkspace {
    let layout: StoreLayout

    /// Copies `root` except `.studyflow`, `.git` and the workspace-relative paths in `except`.
    static func make(copying root: String, except: Set<String>) throws -> ScratchWorkspace {
        var template = Array("/tmp/studyflow-reproduce-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }),
              let real = FileIO.realPath(String(cString: made)) else {
            throw CommandError.failure("cannot create a scratch directory under /tmp: \(String(cString: strerror(errno)))")
        }
        let scratch = ScratchWorkspace(layout: StoreLayout(root: real))
        try copy(from: root, to: real, relative: "", except: except)
        return scratch
    }

    private static func copy(from source: String, to destination: String, relative: String, except: Set<String>) throws {
        for name in try FileIO.listDirectory(source + (relative.isEmpty ? "" : "/" + relative)) {
            let path = relative.isEmpty ? name : relative + "/" + name
            if path == ".studyflow" || path == ".git" || except.contains(path) { continue }
            guard let st = FileStat.of(source + "/" + path) else { continue }
            switch st.kind {
            case .directory:
                try FileIO.createDirectories(destination + "/" + path)
                try copy(from: source, to: destination, relative: path, except: except)
            case .file:
                guard let bytes = FileIO.read(source + "/" + path) else { continue }
                try FileIO.writeAtomically(destination + "/" + path, bytes, durable: false)
                if st.isExecutable { chmod(destination + "/" + path, 0o755) }
            default:
                continue
            }
        }
    }

    /// Deletes the scratch directory.
    func remove() { try? FileIO.removeTree(layout.root) }
}
