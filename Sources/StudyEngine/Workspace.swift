import StudyCore
import StudyStore

/// One workspace's loaded state for a run or a preview: the compiled workflow, the store, the
/// stage resolver and the staleness decider, all over the same `StoreLayout`.
public struct Workspace: Sendable {
    /// Paths.
    public let layout: StoreLayout
    /// The workflow and its graph.
    public let compiled: CompiledWorkflow
    /// Built-in kinds.
    public let registry: StageKindRegistry
    /// Objects.
    public let objects: ObjectStore
    /// Action records.
    public let log: SharedActionLog
    /// The stat cache.
    public let statCache: StatCache
    /// Input and output hashing.
    public let hasher: ArtifactHasher
    /// Stage resolution with the run's parameters.
    public let resolver: StageResolver
    /// Decisions.
    public let staleness: Staleness
    /// Output paths stages were started on (see `OutputClaims`).
    public let claims: OutputClaims
    /// Host programs the stages call, resolved once per run (`tools:` and run records).
    public let tools: ToolResolver

    /// Opens the store of `layout` for `compiled`, with workflow parameters overridden by `params`.
    public init(layout: StoreLayout, compiled: CompiledWorkflow, registry: StageKindRegistry,
                params: [String: JSONValue] = [:],
                environment: @escaping @Sendable (String) -> String? = Workspace.processEnvironment,
                containers: ContainerSetup = .none) {
        self.layout = layout
        self.compiled = compiled
        self.registry = registry
        objects = ObjectStore(layout: layout)
        log = SharedActionLog(ActionLog(path: layout.actionLog))
        statCache = StatCache(path: layout.statCache)
        hasher = ArtifactHasher(layout: layout, cache: statCache)
        tools = ToolResolver(root: layout.root, searchPath: environment("PATH"), statCache: statCache,
                             versions: ToolVersions(path: layout.toolVersions))
        var resolver = StageResolver(workflowParams: compiled.workflow.params.merging(params) { $1 }, hasher: hasher,
                                     registry: registry, environment: environment)
        resolver.tools = tools
        resolver.containers = containers
        self.resolver = resolver
        staleness = Staleness(log: log, objects: objects, hasher: hasher)
        claims = OutputClaims(path: layout.outputClaims)
    }

    /// `getenv`.
    public static let processEnvironment: @Sendable (String) -> String? = { name in
        getenv(name).map { String(cString: $0) }
    }

    /// Dense id of the stage named `id`.
    public func stageIndex(_ id: String) -> Int? {
        compiled.workflow.stages.firstIndex { $0.id == id }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
