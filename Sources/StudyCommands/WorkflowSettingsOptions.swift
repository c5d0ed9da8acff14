import ArgumentParser
import StudyCore
import StudyStore

/// The options that change what a loaded workflow means — `--param`, `--params-file` and
/// `--profile` — shared by every command that loads one (run, status, graph, validate), so they
/// are spelled and ordered the same everywhere: workflow `params:` < profile < params file < `--param`.
struct WorkflowSettingsOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Override a workflow parameter (wins over --params-file and --profile).", valueName: "K=V"))
    var param: [String] = []

    @Option(name: .customLong("params-file"), help: ArgumentHelp("Override workflow parameters from a YAML mapping of name to value.", valueName: "FILE"))
    var paramsFile: String?

    @Option(name: .long, help: ArgumentHelp("Use the settings of profile NAME from the workflow's 'profiles:'.", valueName: "NAME"))
    var profile: String?

    func validate() throws {
        for p in param where !p.contains("=") { throw ValidationError("--param '\(p)' must look like NAME=VALUE") }
    }

    /// The settings with the params file read and parsed (its mistakes are workflow diagnostics
    /// positioned in it); `workspace` maps a path typed in a subdirectory.
    func resolve(_ workspace: WorkspaceOptions, layout: StoreLayout) throws -> WorkflowSettings {
        var settings = WorkflowSettings(arguments: splitParams(param), profile: profile)
        guard let given = paramsFile else { return settings }
        let display = (try? workspace.locator().map(given)) ?? given
        let absolute = display.hasPrefix("/") ? display : layout.root + "/" + display
        guard let stat = FileStat.following(absolute) else {
            throw CommandError.usage("params file '\(given)' does not exist; name a YAML file of 'NAME: value' lines")
        }
        let unreadable = CommandError.usage("params file '\(given)' is not a readable regular file; name a YAML file of 'NAME: value' lines")
        guard stat.kind == .file else { throw unreadable }
        do {
            // The size is checked before reading, so a huge file is refused without filling memory.
            try WorkflowLoader.checkSize(Int(stat.size), file: display)
            guard let bytes = FileIO.read(absolute) else { throw unreadable }
            settings.file = try ParamsFile.parse(bytes, file: display)
        } catch let error as WorkflowDiagnostics {
            throw CommandError.invalidWorkflow(error, file: display)
        }
        return settings
    }
}

/// `--param`, `--params-file` and `--profile` once read: what the loader applies, checked
/// against the loaded workflow, and the overrides a run records.
struct WorkflowSettings {
    /// `--param` values.
    var arguments: [String: JSONValue]
    /// `--profile NAME`.
    var profile: String?
    /// The parsed `--params-file`.
    var file: ParamsFile?

    init(arguments: [String: JSONValue] = [:], profile: String? = nil, file: ParamsFile? = nil) {
        self.arguments = arguments
        self.profile = profile
        self.file = file
    }

    /// What overrides the workflow's and the profile's parameters: the params file, then `--param`.
    var overrides: [String: JSONValue] {
        (file?.values ?? [:]).merging(arguments) { $1 }
    }

    /// The selected profile of `workflow`; an unknown name is a usage error listing the known ones.
    func selectedProfile(of workflow: Workflow) throws -> Profile? {
        guard let profile else { return nil }
        if let selected = workflow.profiles[profile] { return selected }
        let file = workflow.file
        guard !workflow.profiles.isEmpty else {
            throw CommandError.usage("no profile '\(profile)': '\(file)' has no 'profiles:'; add e.g. 'profiles: {\(profile): {jobs: 4}}' or drop --profile")
        }
        let known = workflow.profiles.keys.sorted()
        let hint = Spelling.suggestion(for: profile, among: known).map { "did you mean '\($0)'? " } ?? ""
        throw CommandError.usage("no profile '\(profile)' in '\(file)'; \(hint)its profiles: \(known.joined(separator: ", "))")
    }

    /// Every parameter the run overrides, by precedence (profile < params file < `--param`),
    /// after checking each name against `workflow` (and the profile's name).
    func parameters(for workflow: Workflow) throws -> [String: JSONValue] {
        let profile = try selectedProfile(of: workflow)
        if let file {
            let unknown = file.unknownNames(declared: workflow.params)
            if !unknown.isEmpty { throw CommandError.invalidWorkflow(WorkflowDiagnostics(unknown), file: file.file) }
        }
        try checkParamNames(arguments, workflow: workflow)
        return (profile?.params ?? [:]).merging(overrides) { $1 }
    }

    /// A string that differs whenever the settings could change the compiled workflow or the
    /// stage keys, for the no-op snapshot (the params file enters through `overrides`).
    var snapshotSuffix: String { profile.map { " profile=" + $0 } ?? "" }
}
