import StudyCore
import StudyStore

/// A built-in stage kind (`uses: survival/cox`): runs in-process on its inputs and `with:` settings.
/// StudyStages provides the kinds and StudyCommands registers them; the engine knows only this protocol.
public protocol StageKind: Sendable {
    /// The name used in `uses:`, e.g. `survival/kaplan-meier`.
    var name: String { get }
    /// The implementation version; bumping it changes every key of this kind, so results rerun.
    var version: Int { get }
    /// Checks the settings and declared input/output names before anything runs, so a mistake in
    /// `with:` is a load error (exit 2) rather than a failed stage. Each problem is one line that
    /// names the field, e.g. `with.alpha: must be in (0, 1), not 1.5`.
    func check(_ declaration: StageDeclaration) -> [String]
    /// Produces the stage's outputs. A problem with the data is a `.failed` outcome with a message
    /// written to the log, not a throw.
    func run(_ context: StageKindContext) -> StageOutcome
    /// Whether a stage with settings `with` is handed its upstream lineage
    /// (`StageKindContext.lineage`), which then enters its key: a kind that writes about the
    /// stages behind its inputs (a report's methods) must rerun when one of them changes, even
    /// when that stage's outputs did not.
    func describesLineage(with: JSONValue) -> Bool
}

extension StageKind {
    /// No load-time checks: problems surface when the stage runs.
    public func check(_ declaration: StageDeclaration) -> [String] { [] }
    /// No lineage: the key holds only the stage's own inputs and settings.
    public func describesLineage(with: JSONValue) -> Bool { false }
}

/// What a built-in stage's load-time check sees: its settings and declared names, no file contents
/// except what the kind chooses to read (e.g. a small YAML file named in `with:`).
public struct StageDeclaration: Sendable {
    /// Stage id.
    public var stage: String
    /// Absolute workspace root.
    public var root: String
    /// Inputs by name (positional inputs are named by their index), workspace-relative paths.
    public var inputs: [String: String]
    /// Outputs by name, workspace-relative paths.
    public var outputs: [String: String]
    /// The `with:` settings with `${params.x}` resolved.
    public var with: JSONValue
    /// Gathered inputs by input name: one entry per instance, in instance order, labelled (see
    /// `GatheredInput`), with workspace-relative paths. `inputs[name]` holds only one of them.
    public var gathered: [String: [GatheredInput]]

    /// Creates a declaration.
    public init(stage: String, root: String, inputs: [String: String], outputs: [String: String], with: JSONValue,
                gathered: [String: [GatheredInput]] = [:]) {
        self.gathered = gathered
        self.stage = stage
        self.root = root
        self.inputs = inputs
        self.outputs = outputs
        self.with = with
    }
}

/// What a built-in stage sees when it runs.
public struct StageKindContext: Sendable {
    /// Stage id.
    public var stage: String
    /// Absolute workspace root.
    public var root: String
    /// Inputs by name (positional inputs are named by their index), absolute paths.
    public var inputs: [String: String]
    /// Outputs by name, absolute paths; parent directories exist.
    public var outputs: [String: String]
    /// The `with:` settings with `${params.x}` resolved.
    public var with: JSONValue
    /// Resolved stage and workflow parameters.
    public var params: [String: JSONValue]
    /// For each input another stage writes, that stage's id, by input name (source files are absent),
    /// so a report can say which stage made what it shows.
    public var inputProducers: [String: String]
    /// Threads the stage may use (its `threads:`, the slots the scheduler reserved for it), for
    /// kinds that split their own work.
    public var threads: Int
    /// The digest of each input that entered the stage key, by input name (for a directory, the
    /// digest of its manifest), so a kind that shows digests need not hash the bytes again. Empty
    /// when the engine did not say (an older frozen SLURM specification): then a kind hashes. Read
    /// file inputs through `readInput(_:limit:)`, which hands out a digest only for the bytes read.
    public var inputDigests: [String: Digest]
    /// The `stat` of each single-file input taken before it was hashed for the key, by input name;
    /// `readInput(_:limit:)` trusts `inputDigests` only while the file read still has it.
    public var inputStamps: [String: FileStat]
    /// Gathered inputs (`inputs: {models: {each: cox, output: result}}`) by input name: one entry
    /// per instance gathered, in instance order, with its label (the item's `label` field, else
    /// its key), instance key, instance stage id and absolute path. For such a name, `inputs`
    /// holds only one path; read the list here.
    public var gathered: [String: [GatheredInput]]
    /// Appends a line to the stage's log.
    public var log: @Sendable (String) -> Void
    /// The stages upstream of this one and the source files under them, as
    /// `StageResolver.lineage(of:in:)` describes them; `.null` unless the kind asks for it
    /// (`StageKind.describesLineage`). It entered the stage key.
    public var lineage: JSONValue = .null

    /// Creates a context.
    public init(stage: String, root: String, inputs: [String: String], outputs: [String: String], with: JSONValue,
                params: [String: JSONValue], inputProducers: [String: String] = [:], threads: Int = 1,
                inputDigests: [String: Digest] = [:], inputStamps: [String: FileStat] = [:],
                gathered: [String: [GatheredInput]] = [:], log: @escaping @Sendable (String) -> Void) {
        self.gathered = gathered
        self.stage = stage
        self.root = root
        self.inputs = inputs
        self.outputs = outputs
        self.with = with
        self.params = params
        self.inputProducers = inputProducers
        self.threads = max(1, threads)
        self.inputDigests = inputDigests
        self.inputStamps = inputStamps
        self.log = log
    }
}

/// The built-in stage kinds available to a run, by name.
public struct StageKindRegistry: Sendable {
    private var kinds: [String: any StageKind] = [:]

    /// A registry holding `kinds`.
    public init(_ kinds: [any StageKind] = []) {
        for kind in kinds { self.kinds[kind.name] = kind }
    }

    /// Every registered name, sorted (for the loader's "known kinds").
    public var names: [String] { kinds.keys.sorted() }

    /// The kind named `name`.
    public func kind(named name: String) -> (any StageKind)? { kinds[name] }

    /// `name@version`, the kind's tag in keys and records.
    public func tag(for name: String) -> String {
        kinds[name].map { "\($0.name)@\($0.version)" } ?? name
    }
}
