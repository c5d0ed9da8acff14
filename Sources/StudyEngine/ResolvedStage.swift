import StudyCore
import StudyStore

/// A stage with everything for this run filled in: placeholders expanded with the run's
/// parameters, inputs hashed, and the stage key computed from them.
public struct ResolvedStage: Sendable {
    /// The declared stage.
    public var stage: Stage
    /// `shell` or `kind@version`.
    public var kindTag: String
    /// The expanded shell command (empty for built-ins).
    public var command: String
    /// Built-in settings with `${params.x}` resolved (`.null` for shell stages).
    public var with: JSONValue
    /// Digest of the `run` text or canonical `with` before parameters, for "command changed".
    public var commandDigest: Digest
    /// Parameters that entered the key: the stage's own and workflow parameters it refers to.
    public var params: [String: JSONValue]
    /// Listed environment variables and their values (`nil` when unset).
    public var env: [String: String?]
    /// Inputs that entered the key: declared ones in order, then files the command names.
    public var inputs: [InputState]
    /// The container it runs in, with the image's content digest (which entered the key); nil
    /// for a host stage.
    public var container: ContainerUse?
    /// The stage key.
    public var key: Digest
    /// The `stat` of each input's files taken before they were hashed for the key, by input path
    /// (none for digests a preview assumed); compared again after the stage ran.
    public var inputStamps: [String: ArtifactStamp] = [:]
    /// The tools `tools:` lists, whose digests entered the key (empty without `tools:`).
    public var tools: [ToolState] = []
    /// The upstream lineage that entered the key (`StageResolver.lineage(of:in:)`), `.null` for
    /// a stage whose kind does not describe it.
    public var lineage: JSONValue = .null

    /// The parameters as the record stores them. None: the shared empty dictionary, as `mapValues`
    /// would allocate one per stage, held by every record of the run.
    public var recordedParams: [String: String] { params.isEmpty ? [:] : params.mapValues(\.canonicalJSON) }

    /// The environment as the record stores it (digests, so secrets stay out of the store).
    public var recordedEnv: [String: Digest?] { env.isEmpty ? [:] : env.mapValues { $0.map { Digest.of(string: $0) } } }
}

/// Computes `ResolvedStage`s: expands placeholders, hashes inputs through the stat cache and
/// builds the stage key (DESIGN.md section 3).
public struct StageResolver: Sendable {
    /// The workflow's parameters after `--param` overrides.
    public var workflowParams: [String: JSONValue]
    /// Hashes inputs.
    public var hasher: ArtifactHasher
    /// Kind tags for built-ins.
    public var registry: StageKindRegistry
    /// Reads an environment variable.
    public var environment: @Sendable (String) -> String?
    /// The run's runtime and image digests, settled at plan time.
    public var containers: ContainerSetup = .none
    /// Resolves `tools:` for the key; stages that list tools need one.
    public var tools: ToolResolver?

    /// Version of the key encoding; bump to invalidate every key.
    static let keyVersion = "studyflow-key 1"

    /// Creates a resolver.
    public init(workflowParams: [String: JSONValue], hasher: ArtifactHasher, registry: StageKindRegistry,
                environment: @escaping @Sendable (String) -> String?) {
        self.workflowParams = workflowParams
        self.hasher = hasher
        self.registry = registry
        self.environment = environment
    }

    /// Resolves `stage`; `commandWords` are its candidate implicit inputs. Returns the missing path
    /// when a declared input does not exist. `assuming` gives digests to use instead of the disk
    /// (a preview's outputs that a run would restore first). `item` is the instance's item of a
    /// fan-out (`Workflow.item(of:)`): `${each…}`/`${matrix…}` in `run` expand from it, quoted for
    /// their position like every placeholder, so the key depends on this item and no other.
    public func resolve(_ stage: Stage, commandWords: [String], assuming: [String: Digest] = [:],
                        item: FanoutItem? = nil, lineage: JSONValue = .null) throws -> Result<ResolvedStage, MissingInput> {
        var params = stage.params
        var inputs: [InputState] = []
        inputs.reserveCapacity(stage.inputs.count + commandWords.count)
        var stamps: [String: ArtifactStamp] = [:]
        for input in stage.inputs {
            if let digest = assuming[input.path] {
                inputs.append(InputState(path: input.path, digest: digest))
                continue
            }
            guard let found = try hasher.fingerprint(of: input.path) else {
                return .failure(MissingInput(stage: stage.id, path: input.path))
            }
            inputs.append(InputState(path: input.path, digest: found.digest))
            stamps[input.path] = found.stamp
        }
        for word in commandWords {
            if let found = try hasher.fingerprint(of: word) {
                inputs.append(InputState(path: word, digest: found.digest))
                stamps[word] = found.stamp
            }
        }
        let kindTag: String, command: String, with: JSONValue, commandDigest: Digest
        switch stage.action {
        case .shell(let template):
            kindTag = "shell"
            commandDigest = Digest.of(string: template.text)
            command = template.expand { placeholder in
                switch (placeholder.scope, placeholder.name) {
                case (.inputs?, nil): return stage.inputs.map(\.displayPath)
                case (.outputs?, nil): return stage.outputs.map(\.displayPath)
                case (.inputs?, let name?): return stage.inputs.filter { $0.name == name }.map(\.displayPath)
                case (.outputs?, let name?): return stage.outputs.filter { $0.name == name }.map(\.displayPath)
                case (.params?, let name?):
                    let value = stage.params[name] ?? workflowParams[name] ?? .null
                    if stage.params[name] == nil { params[name] = value }
                    return [value.scalarText]
                case (.each?, _), (.matrix?, _):
                    guard case .value(let value)? = item?.resolve(scope: placeholder.scopeText, name: placeholder.name) else { return [] }
                    return [value.scalarText]
                default: return []
                }
            }
            with = .null
        case .builtin(let kind, let settings):
            kindTag = registry.tag(for: kind)
            commandDigest = Digest.of(string: settings.canonicalJSON)
            command = ""
            with = substitute(settings, params: &params, stageParams: stage.params)
        }
        var env: [String: String?] = [:]
        for name in stage.env { env[name] = .some(environment(name)) }

        var b = DigestBuilder()
        b.field(Self.keyVersion)
        b.field(kindTag)
        b.field(command)
        b.field(with.canonicalJSON)
        b.field(UInt64(params.count))
        for name in params.keys.sorted() { b.field(name); b.field(params[name]!.canonicalJSON) }
        b.field(UInt64(env.count))
        for name in env.keys.sorted() {
            b.field(name)
            if let value = env[name]! { b.field(1); b.field(value) } else { b.field(0) }
        }
        b.field(UInt64(inputs.count))
        for input in inputs { b.field(input.path); b.field(input.digest) }
        b.field(UInt64(stage.outputs.count))
        for output in stage.outputs { b.field(output.displayPath) }
        let (container, tools) = try environmentFields(of: stage, into: &b)
        Self.keyFields(lineage: lineage, into: &b)
        var resolved = ResolvedStage(stage: stage, kindTag: kindTag, command: command, with: with,
                                     commandDigest: commandDigest, params: params, env: env, inputs: inputs,
                                     container: container, key: b.finalize(), inputStamps: stamps)
        resolved.tools = tools
        resolved.lineage = lineage
        return .success(resolved)
    }

    /// The stage's software environment in the key: the container image's digest, the listed
    /// tools' digests. Each only when present, tagged and versioned, so a host stage without
    /// `tools:` keeps the key it always had.
    private func environmentFields(of stage: Stage, into b: inout DigestBuilder) throws -> (ContainerUse?, [ToolState]) {
        let container = containers.use(for: stage)
        if let container { b.field("container 1"); b.field(container.digest) }
        let tools = try listedTools(of: stage)
        Self.keyFields(of: tools, into: &b)
        return (container, tools)
    }

    /// The upstream lineage as a tagged, versioned key field, only for a kind that describes it
    /// (`.null` otherwise), so every other key stays as it was.
    static func keyFields(lineage: JSONValue, into b: inout DigestBuilder) {
        guard lineage != .null else { return }
        b.field("lineage 1")
        b.field(lineage.canonicalJSON)
    }

    /// The listed tools' digests as a tagged, versioned key field, only when there are any: a
    /// stage without `tools:` keeps its key.
    static func keyFields(of tools: [ToolState], into b: inout DigestBuilder) {
        guard !tools.isEmpty else { return }
        b.field("tools 1")
        b.field(UInt64(tools.count))
        for tool in tools.sorted(by: { $0.name < $1.name }) { b.field(tool.name); b.field(tool.digest) }
    }

    /// The `tools:` of a `run` stage, resolved (none for built-in kinds, which run no program).
    func listedTools(of stage: Stage) throws -> [ToolState] {
        guard !stage.tools.isEmpty, case .shell = stage.action, stage.container == nil else { return [] }
        guard let tools else {
            throw ToolError(stage: stage.id, tool: stage.tools[0], searchPath: environment("PATH") ?? ToolResolver.defaultSearchPath)
        }
        return try tools.listed(stage)
    }

    /// `with:` of a built-in stage with `${params.x}` resolved (`.null` for shell stages).
    public func settings(of stage: Stage) -> JSONValue {
        guard case .builtin(_, let settings) = stage.action else { return .null }
        var params = stage.params
        return substitute(settings, params: &params, stageParams: stage.params)
    }

    /// Replaces `${params.x}` in string values of `with:`; a value that is exactly one placeholder
    /// takes the parameter's type.
    private func substitute(_ value: JSONValue, params: inout [String: JSONValue], stageParams: [String: JSONValue]) -> JSONValue {
        switch value {
        case .string(let text) where text.contains("${params."):
            let template = CommandTemplate(text)
            let placeholders = template.placeholders
            if placeholders.count == 1, template.segments.count == 1, let name = placeholders[0].name {
                let resolved = stageParams[name] ?? workflowParams[name] ?? .null
                params[name] = resolved
                return resolved
            }
            var out = ""
            for segment in template.segments {
                switch segment {
                case .literal(let s): out += s
                case .placeholder(let p):
                    let resolved = p.name.flatMap { stageParams[$0] ?? workflowParams[$0] } ?? .null
                    if let name = p.name { params[name] = resolved }
                    out += resolved.scalarText
                }
            }
            return .string(out)
        case .array(let items):
            return .array(items.map { substitute($0, params: &params, stageParams: stageParams) })
        case .object(let members):
            return .object(members.mapValues { substitute($0, params: &params, stageParams: stageParams) })
        default:
            return value
        }
    }
}

/// A declared source input is gone (it existed when the workflow was validated).
public struct MissingInput: Error, Sendable, CustomStringConvertible {
    public var stage: String
    public var path: String
    public var description: String {
        "input '\(path)' of stage '\(stage)' does not exist and no stage writes it; restore the file or fix the path"
    }
}
