import StudyCore
import StudyEngine
import StudyStore

/// Finds and reads a workflow file for a command and loads it through `CompiledWorkflowCache`
/// (StudyCore), turning workflow mistakes into `CommandError.invalidWorkflow`.
struct WorkflowSource {
    let layout: StoreLayout
    let registry: StageKindRegistry

    /// The workflow file to use: the one given, or the single `*.yaml` in `Workflows/`.
    func locate(_ given: String?) throws -> (display: String, absolute: String) {
        if let given {
            let absolute = given.hasPrefix("/") ? given : layout.root + "/" + given
            guard FileStat.following(absolute) != nil else {
                throw CommandError.usage("workflow file '\(given)' does not exist")
            }
            return (given, absolute)
        }
        let directory = layout.root + "/Workflows"
        let names = ((try? FileIO.listDirectory(directory)) ?? []).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        switch names.count {
        case 1: return ("Workflows/" + names[0], directory + "/" + names[0])
        case 0: throw CommandError.usage("no workflow file: Workflows/ has no *.yaml in '\(layout.root)'; name one, or run 'studyflow init' to start")
        default: throw CommandError.usage("Workflows/ has several workflows (\(names.joined(separator: ", "))); name the one to use, e.g. 'studyflow run Workflows/\(names[0])'")
        }
    }

    /// A workflow file's name, text and digest (the bytes are not kept: at 10,000 stages every
    /// copy of the file counts against peak memory while YAML is parsed).
    struct File {
        var display: String
        var absolute: String
        var text: String
        var digest: Digest
    }

    /// Reads the workflow file to use.
    func read(_ given: String?) throws -> File {
        let (display, absolute) = try locate(given)
        if let stat = FileStat.following(absolute), stat.kind != .file {
            throw CommandError.usage("workflow file '\(display)' is not a regular file; name a *.yaml file")
        }
        do {
            // The size is checked before reading, so a huge file is refused without filling memory.
            if let size = FileIO.size(absolute) { try WorkflowLoader.checkSize(size, file: display) }
            guard let bytes = FileIO.read(absolute) else { throw CommandError.usage("cannot read workflow file '\(display)'") }
            let text = try WorkflowLoader.text(of: bytes, file: display)
            return File(display: display, absolute: absolute, text: text, digest: Digest.of(bytes))
        } catch let error as WorkflowDiagnostics {
            throw CommandError.invalidWorkflow(error, file: display)
        }
    }

    /// The compiled workflow, from the cache when valid; an invalid one throws
    /// `CommandError.invalidWorkflow`.
    func load(_ given: String?, useCache: Bool = true, params: [String: JSONValue] = [:]) throws -> CompiledWorkflow {
        try load(try read(given), useCache: useCache, params: params)
    }

    /// The compiled form of `file` under `--param`, `--params-file` and `--profile` settings
    /// (names are checked by `WorkflowSettings.parameters(for:)` once it is loaded).
    func load(_ file: File, useCache: Bool = true, settings: WorkflowSettings, settled: Bool = false) throws -> CompiledWorkflow {
        try load(file, useCache: useCache, params: settings.overrides, profile: settings.profile, settled: settled)
    }

    /// The compiled form of `file` through `CompiledWorkflowCache` (without `useCache` nothing is
    /// read from or written to `.studyflow/workflows/`).
    /// `settled`: the stages writing `levels:` tables have run (see `LevelsTables`).
    func load(_ file: File, useCache: Bool = true, params: [String: JSONValue] = [:], profile: String? = nil,
              settled: Bool = false) throws -> CompiledWorkflow {
        let cache = CompiledWorkflowCache(root: layout.root, path: useCache ? layout.compiledWorkflow(for: file.absolute) : nil,
                                          kinds: registry.names)
        do {
            return try cache.load(text: file.text, digest: file.digest, file: file.display, params: params, profile: profile,
                                  settled: settled)
        } catch let error as WorkflowDiagnostics {
            throw CommandError.invalidWorkflow(error, file: file.display)
        }
    }

    /// Identifies this build's interpretation of workflows (version and registered kinds), for
    /// the no-op snapshot.
    var stamp: String { CompiledWorkflowCache(root: layout.root, path: nil, kinds: registry.names).stamp }

    /// Built-in stages' load-time checks of their settings under the run's parameters, and outputs
    /// that would replace a source file (`SourceFileCheck`); problems throw
    /// `CommandError.invalidWorkflow`, as a workflow that does not validate.
    func checkSettings(_ workspace: Workspace) throws {
        let diagnostics = SettingsCheck.diagnostics(workspace) + SourceFileCheck.diagnostics(workspace) + ToolCheck.diagnostics(workspace)
        guard !diagnostics.isEmpty else { return }
        throw CommandError.invalidWorkflow(WorkflowDiagnostics(diagnostics), file: workspace.compiled.workflow.file)
    }
}
