/// A declared workflow: what the user wrote in `Workflows/*.yaml`, validated, as plain values.
///
/// Nothing here knows about the store or the last run; `StageGraph` adds the edges and the engine's
/// `Plan` decides what is stale.
public struct Workflow: Sendable, Equatable {
    /// The workflow file as the user named it; diagnostics and provenance refer to it.
    public var file: String
    /// `name:`, required.
    public var name: String
    /// `description:`, optional free text.
    public var description: String
    /// Workflow parameters (`params:`), overridable with `--param K=V`, referred to as `${params.K}`.
    public var params: [String: JSONValue]
    /// Stages in declaration order; a stage's index here is its dense id in `StageGraph`.
    public var stages: [Stage]
    /// `slurm:` defaults for `--executor slurm` jobs.
    public var slurm: SlurmDefaults
    /// `sign:`: whether every run commit is signed with the user's SSH key (`git config
    /// user.signingKey`), so the audit trail shows who made each result.
    public var sign: Bool
    /// Fan-out templates (`foreach:` / `matrix:`) and the contiguous ranges of `stages` their
    /// instances occupy, in declaration order; see `fanout(of:)`, `template(of:)`, `item(of:)`.
    public var fanouts: [FanoutGroup]
    /// Gathered inputs (`{each: TEMPLATE, output: NAME}`), for built-in kinds' labelled lists.
    public var gathers: [Gather]
    /// The files `include:` merged in (and the patterns that named them), so caches, snapshots and
    /// provenance cover them as they cover the workflow file itself.
    public var includes = WorkflowIncludes()
    /// `profiles:` by name; `--profile NAME` selects one.
    public var profiles: [String: Profile] = [:]
    /// Data-driven fan-outs (`foreach: {levels: …}`), expanded or waiting for their table.
    public var levels: [LevelsFanout]

    /// Creates a workflow from already validated parts.
    public init(file: String, name: String, description: String = "", params: [String: JSONValue] = [:], stages: [Stage],
                slurm: SlurmDefaults = SlurmDefaults(), sign: Bool = false, fanouts: [FanoutGroup] = [],
                gathers: [Gather] = [], levels: [LevelsFanout] = []) {
        self.fanouts = fanouts
        self.levels = levels
        self.gathers = gathers
        self.file = file
        self.name = name
        self.description = description
        self.params = params
        self.stages = stages
        self.slurm = slurm
        self.sign = sign
    }
}

/// One node of the workflow: a shell command or a built-in stage kind, with the artifacts it reads and writes.
public struct Stage: Sendable, Equatable {
    /// The stage id, `[A-Za-z0-9_-]+`, unique in the workflow; a fan-out instance's is
    /// `TEMPLATE@KEY` with the key in `[A-Za-z0-9_.+-]+`.
    public var id: String
    /// What the stage does.
    public var action: StageAction
    /// Declared inputs, in declaration order (named or positional).
    public var inputs: [Artifact]
    /// Declared outputs, in declaration order.
    public var outputs: [Artifact]
    /// Stage parameters; they enter the stage key and are exported as `STUDYFLOW_PARAM_<NAME>`.
    public var params: [String: JSONValue]
    /// Environment variables whose values enter the stage key.
    public var env: [String]
    /// Scheduling and retry settings.
    public var resources: StageResources
    /// Where the stage id is declared.
    public var location: SourceLocation
    /// Where each field of `with:`, `inputs:` and `outputs:` is written, for checks of one value.
    public var fields: FieldLocations
    /// `sandbox:` (or the workflow's default, for `run:` stages): run the command under bubblewrap,
    /// seeing only its inputs and the files its command names. Not part of the stage key.
    public var sandbox = false
    /// `container:` — the image (a tag or `name@sha256:…`) a `run` stage runs in, own or the
    /// workflow's default; `nil` runs it on the host. Its content digest enters the stage key.
    public var container: String?
    /// `network: true` — the stage's container keeps the network (default: none). Not keyed: a
    /// well-declared stage writes the same bytes either way.
    public var network: Bool
    /// `tools:` (or the workflow's default): programs whose SHA-256 enters the stage key, so
    /// upgrading one reruns the stage. Each entry's position is `fields.values["tools[i]"]`.
    public var tools: [String] = []

    /// Creates a stage; defaults suit a test fixture.
    public init(
        id: String, action: StageAction, inputs: [Artifact] = [], outputs: [Artifact] = [],
        params: [String: JSONValue] = [:], env: [String] = [], resources: StageResources = StageResources(),
        location: SourceLocation = SourceLocation(file: "<memory>", line: 1, column: 1),
        fields: FieldLocations = FieldLocations(), container: String? = nil, network: Bool = false
    ) {
        self.fields = fields
        self.container = container
        self.network = network
        self.id = id
        self.action = action
        self.inputs = inputs
        self.outputs = outputs
        self.params = params
        self.env = env
        self.resources = resources
        self.location = location
    }

    /// The output named `name`, if any.
    public func output(named name: String) -> Artifact? { outputs.first { $0.name == name } }
}

/// What a stage does when it runs.
public enum StageAction: Sendable, Equatable {
    /// `run:` — a command for `/bin/sh -c`, with placeholders still unexpanded.
    case shell(CommandTemplate)
    /// `uses:` / `with:` — a built-in stage kind from the registry, with its settings.
    case builtin(kind: String, with: JSONValue)

    /// `"shell"` or the built-in kind's name, as shown in plans and provenance.
    public var kindName: String {
        switch self {
        case .shell: return "shell"
        case .builtin(let kind, _): return kind
        }
    }
}

/// A path a stage reads or writes, relative to the workspace root.
public struct Artifact: Sendable, Equatable, Hashable {
    /// The name given in a mapping (`inputs: {raw: …}`), or `nil` in a list.
    public var name: String?
    /// Normalized path (no `./`, no doubled slashes); a directory keeps no trailing slash.
    public var path: String
    /// Declared with a trailing `/`: the stage writes (or reads) a whole directory.
    public var isDirectory: Bool
    /// Where the path is written in the workflow file.
    public var location: SourceLocation

    /// Creates an artifact; `path` should already be normalized (see `WorkspacePath.normalize`).
    public init(name: String? = nil, path: String, isDirectory: Bool = false,
                location: SourceLocation = SourceLocation(file: "<memory>", line: 1, column: 1)) {
        self.name = name
        self.path = path
        self.isDirectory = isDirectory
        self.location = location
    }

    /// The path as the user spells it: directories end with `/`.
    public var displayPath: String { isDirectory ? path + "/" : path }
}

/// How much of the machine a stage takes and how often it may be retried.
public struct StageResources: Sendable, Equatable, Hashable {
    /// Local slots it takes (`threads:`); SLURM `--cpus-per-task`.
    public var threads: Int
    /// `resources.memory`, e.g. `2G`, as written.
    public var memory: String?
    /// `resources.time`, e.g. `30m`, as written.
    public var time: String?
    /// Extra attempts after a failure (`retries:`).
    public var retries: Int
    /// `local: true`: runs on the submitting host even under `--executor slurm` (reports, small
    /// joins). Never part of the stage key: where a stage runs does not change its outputs.
    public var runsLocally: Bool
    /// `group: NAME`: under the SLURM executor, ready stages of one group run one after another
    /// inside one job (many tiny stages, one job). Never part of the stage key, as `runsLocally`.
    public var group: String?

    /// One thread, no limits, no retries.
    public init(threads: Int = 1, memory: String? = nil, time: String? = nil, retries: Int = 0, runsLocally: Bool = false) {
        self.runsLocally = runsLocally
        self.threads = threads
        self.memory = memory
        self.time = time
        self.retries = retries
    }
}
