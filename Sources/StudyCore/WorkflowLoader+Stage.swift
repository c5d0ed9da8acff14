/// One stage's keys read into a `StageTemplate`: paths, settings and the action, with
/// `${each…}`/`${matrix…}` kept for `instantiate` when the stage is a fan-out template.
extension WorkflowLoader {
    /// Parses one stage as written. `fanout` says it is a `foreach:`/`matrix:` template: then
    /// `${each…}`/`${matrix…}` are accepted where instances fill them in, and the texts holding
    /// them are listed in the result for `instantiate`. Gathered inputs go to `gathers`.
    func parseStage(id: String, keyNode: Node, node: Node, workflowParams: [String: JSONValue], fanout: Bool,
                    gathers: inout [PendingGather], reader: inout YAMLReader) -> StageTemplate? {
        if !Self.isStageID(id) {
            reader.error("bad stage id '\(id)'; use letters, digits, '_' and '-'", at: keyNode)
        } else if id.utf8.count > Self.maximumStageIDBytes {
            reader.error("stage id '\(id.prefix(24))…' is \(id.utf8.count) bytes long, but stage ids may have at most \(Self.maximumStageIDBytes), because they name files such as '.studyflow/logs/RUN/ID.log' and file names hold at most 255 bytes; shorten it", at: keyNode)
        }
        guard case .mapping = node else {
            reader.error("stage '\(id)' must be a mapping with 'run' or 'uses', got \(reader.kindName(node))", at: node)
            return nil
        }
        let pairs = reader.pairs(node, context: "in stage '\(id)'")
        reader.checkKeys(pairs, allowed: WorkflowLoader.stageKeys, context: "in stage '\(id)'")
        let values = KeyedPairs(pairs: pairs)

        var template = StageTemplate(stage: Stage(id: id, action: .shell(CommandTemplate("")), location: reader.location(keyNode)))
        // Only `with:` needs a table: inputs and outputs carry their own locations.
        if let with = pairs.first(where: { $0.key == "with" }) {
            template.stage.fields.setKey("with", reader.location(with.keyNode))
            reader.recordFields(with.value, path: "with", into: &template.stage.fields)
        }
        if let params = values["params"] {
            template.stage.params = parseParams(params, context: "stage '\(id)'", workflowParams: workflowParams,
                                                fanout: fanout, reader: &reader)
            if fanout { template.texts += itemTexts(in: params) }
        }
        let scope = (stage: template.stage.params, workflow: workflowParams)
        let newGathers = gathers.count
        if let inputs = values["inputs"] {
            template.stage.inputs = parseArtifacts(inputs, role: "inputs", stage: id, params: scope, fanout: fanout,
                                                   template: &template, gathers: &gathers, reader: &reader)
        }
        if let outputs = values["outputs"] {
            template.stage.outputs = parseArtifacts(outputs, role: "outputs", stage: id, params: scope, fanout: fanout,
                                                    template: &template, gathers: &gathers, reader: &reader)
        }
        parseSettings(values, template: &template, fanout: fanout, reader: &reader)
        let gathered = gathers[newGathers...].map(\.input)
        parseAction(values, pairs: pairs, keyNode: keyNode, template: &template, gathered: gathered,
                    workflowParams: workflowParams, fanout: fanout, reader: &reader)
        if let node = values["sandbox"] { parseSandbox(node, stage: &template.stage, reader: &reader) }
        parseContainerKeys(pairs, stage: &template.stage, reader: &reader)
        checkToolsApply(template.stage, node: values["tools"], reader: &reader)
        if fanout {
            template.paramsHaveItems = JSONValue.object(template.stage.params).holdsItemPlaceholder
            if case .builtin(_, let with) = template.stage.action { template.withHasItems = with.holdsItemPlaceholder }
        }
        return template
    }

    /// `env`, `threads`, `retries` and `resources`; in a template, values holding item
    /// placeholders are kept for `instantiate`.
    private func parseSettings(_ values: KeyedPairs, template: inout StageTemplate, fanout: Bool, reader: inout YAMLReader) {
        let id = template.stage.id
        var deferred: [(StageTemplate.ItemSetting.Target, Node, String)] = []
        if let tools = values["tools"], let parsed = parseTools(tools, owner: "stage '\(id)'", reader: &reader) {
            template.stage.tools = parsed.names
            for (i, location) in parsed.locations.enumerated() { template.stage.fields.setValue("tools[\(i)]", location) }
            template.stage.fields.setValue("tools", reader.location(tools))
        }
        if let env = values["env"] {
            template.stage.env = parseEnv(env, stage: id, fanout: fanout, deferred: &deferred, reader: &reader)
        }
        for (key, range, target) in [("threads", 1...4096, StageTemplate.ItemSetting.Target.threads),
                                     ("retries", 0...100, .retries)] {
            guard let node = values[key] else { continue }
            if fanout, node.mayHoldItemPlaceholder {
                deferred.append((target, node, "'\(key)'"))
                continue
            }
            let value = reader.integer(node, what: "'\(key)' of stage '\(id)'", range: range)
            if key == "threads" { template.stage.resources.threads = value ?? 1 } else { template.stage.resources.retries = value ?? 0 }
        }
        if let local = values["local"] {
            template.stage.resources.runsLocally = reader.boolean(local, what: "'local' of stage '\(id)'") ?? false
        }
        if let group = values["group"] { parseGroup(group, stage: &template.stage, reader: &reader) }
        if let resources = values["resources"] {
            parseResources(resources, stage: &template.stage, fanout: fanout, deferred: &deferred, reader: &reader)
        }
        for (target, node, what) in deferred {
            deferSetting(target, node: node, what: what, template: &template, reader: &reader)
        }
    }

    /// `sandbox: true|false`; only a `run:` stage can run under bubblewrap (a `uses:` stage runs
    /// inside studyflow itself).
    private func parseSandbox(_ node: Node, stage: inout Stage, reader: inout YAMLReader) {
        guard let value = reader.boolean(node, what: "'sandbox' of stage '\(stage.id)'") else { return }
        if value, case .builtin(let kind, _) = stage.action {
            reader.error("'sandbox' applies only to 'run:' stages; stage '\(stage.id)' uses the built-in kind '\(kind)', which runs inside studyflow: remove 'sandbox: true'", at: node)
            return
        }
        stage.sandbox = value
    }

    /// Keeps a setting that holds item placeholders for `instantiate`; any other placeholder in it
    /// is refused as in a plain stage.
    private func deferSetting(_ target: StageTemplate.ItemSetting.Target, node: Node, what: String,
                              template: inout StageTemplate, reader: inout YAMLReader) {
        guard case .scalar(let scalar) = node else { return }
        let text = CommandTemplate(scalar.string)
        if reportNotExpanded(scalar.string, node: node, what: "\(what) of stage '\(template.stage.id)'", example: "a literal value",
                             fanout: true, reader: &reader) { return }
        template.settings.append(.init(target: target, template: text, node: node))
        template.texts.append(.init(template: text, node: node, scalarFor: what))
    }

    /// `run` or `uses`/`with`.
    private func parseAction(_ values: KeyedPairs, pairs: [(key: String, keyNode: Node, value: Node)], keyNode: Node,
                             template: inout StageTemplate, gathered: [String], workflowParams: [String: JSONValue],
                             fanout: Bool, reader: inout YAMLReader) {
        let id = template.stage.id
        switch (values["run"], values["uses"]) {
        case (nil, nil):
            reader.error("stage '\(id)' needs 'run' (a shell command) or 'uses' (a built-in stage kind)", at: keyNode)
        case (_?, _?):
            reader.error("stage '\(id)' has both 'run' and 'uses'; keep one of them", at: keyNode)
        case (let run?, nil):
            if values["with"] != nil {
                reader.error("'with' applies only to 'uses' stages; stage '\(id)' has 'run' (use 'params' instead)",
                             at: pairs.first { $0.key == "with" }!.keyNode)
            }
            if let text = reader.string(run, what: "'run' of stage '\(id)'") {
                let command = CommandTemplate(text)
                checkPlaceholders(command, node: run, stage: template.stage, gathered: gathered, workflowParams: workflowParams,
                                  fanout: fanout, reader: &reader)
                if fanout, command.placeholders.contains(where: { $0.scope?.isItem == true }) {
                    template.texts.append(.init(template: command, node: run, scalarFor: nil))
                }
                template.stage.action = .shell(command)
            }
        case (nil, let uses?):
            if let kind = reader.string(uses, what: "'uses' of stage '\(id)'") {
                if !knownKinds.contains(kind) {
                    let known = knownKinds.isEmpty ? "none yet" : knownKinds.joined(separator: ", ")
                    reader.error("unknown stage kind '\(kind)' in stage '\(id)' (known kinds: \(known))\(Spelling.hint(for: kind, among: knownKinds))", at: uses)
                }
                if let settings = values["with"] {
                    checkSettingPlaceholders(settings, stage: id, names: Array(template.stage.params.keys) + Array(workflowParams.keys),
                                             fanout: fanout, reader: &reader)
                    if fanout { template.texts += itemTexts(in: settings) }
                }
                let with = values["with"].map { reader.value($0, context: "in 'with' of stage '\(id)'") } ?? .object([:])
                if case .object = with {} else {
                    reader.error("'with' of stage '\(id)' must be a mapping", at: values["with"]!)
                }
                template.stage.action = .builtin(kind: kind, with: with)
            }
        }
    }

    /// Every scalar under `node` that holds an item placeholder, for per-instance checks.
    func itemTexts(in node: Node) -> [StageTemplate.ItemText] {
        switch node {
        case .scalar(let scalar):
            guard node.mayHoldItemPlaceholder else { return [] }
            let text = CommandTemplate(scalar.string)
            // A whole-value placeholder takes the item's value with its type; inside text, a scalar.
            let whole = text.segments.count == 1
            return text.placeholders.contains { $0.scope?.isItem == true }
                ? [.init(template: text, node: node, scalarFor: whole ? nil : "text")] : []
        case .sequence(let items): return items.flatMap(itemTexts)
        case .mapping(let mapping): return mapping.map(\.value).flatMap(itemTexts)
        }
    }

    private func parseArtifacts(_ node: Node, role: String, stage: String,
                                params: (stage: [String: JSONValue], workflow: [String: JSONValue]),
                                fanout: Bool, template: inout StageTemplate, gathers: inout [PendingGather],
                                reader: inout YAMLReader) -> [Artifact] {
        var entries: [(name: String?, node: Node)] = []
        switch node {
        case .sequence(let sequence):
            entries = sequence.map { (nil, $0) }
        case .mapping:
            for pair in reader.pairs(node, context: "in '\(role)' of stage '\(stage)'") {
                if !Self.isName(pair.key) {
                    reader.error("bad \(role.dropLast()) name '\(pair.key)' in stage '\(stage)'; use letters, digits and '_'", at: pair.keyNode)
                }
                entries.append((pair.key, pair.value))
            }
        case .scalar:
            entries = [(nil, node)]
        }
        var artifacts: [Artifact] = []
        // Paths listed so far: scanned while few (most stages list one or two), hashed beyond.
        var listed: [String] = []
        var seen: Set<String>?
        for entry in entries {
            if role == "inputs", case .mapping = entry.node {
                if let gather = parseGather(entry.node, input: entry.name, stage: stage, reader: &reader) { gathers.append(gather) }
                continue
            }
            guard let written = reader.string(entry.node, what: "a path in '\(role)' of stage '\(stage)'") else { continue }
            let raw = expandPath(written, node: entry.node, role: role, stage: stage, stageParams: params.stage,
                                 workflowParams: params.workflow, fanout: fanout, reader: &reader)
            let location = reader.location(entry.node)
            if fanout, raw.holdsItemPlaceholder {
                let text = CommandTemplate(raw)
                template.paths.append(.init(isOutput: role == "outputs", index: artifacts.count, template: text, location: location))
                template.texts.append(.init(template: CommandTemplate(written), node: entry.node, scalarFor: "a path"))
                artifacts.append(Artifact(name: entry.name, path: raw, location: location))
                continue
            }
            switch Self.artifact(raw, name: entry.name, role: role, owner: " of stage '\(stage)'", location: location) {
            case .success(let artifact):
                if seen == nil, listed.count > 16 { seen = Set(listed) }
                let repeated = seen != nil ? !seen!.insert(artifact.path).inserted : listed.contains(artifact.path)
                if seen == nil, !repeated { listed.append(artifact.path) }
                if repeated {
                    reader.error("path '\(raw)' is listed twice in '\(role)' of stage '\(stage)'", at: location)
                    continue
                }
                artifacts.append(artifact)
            case .failure(let problem):
                reader.error(problem.message, at: location)
            }
        }
        return artifacts
    }

    /// A path's normalized artifact, or why it cannot be one; `owner` (` of stage 'x'`, or empty
    /// when the message is prefixed with the instance) completes the message.
    static func artifact(_ raw: String, name: String?, role: String, owner: @autoclosure () -> String,
                         location: SourceLocation) -> Result<Artifact, PathProblem> {
        switch WorkspacePath.normalize(raw) {
        case .inside(let path, let isDirectory):
            return .success(Artifact(name: name, path: path, isDirectory: isDirectory, location: location))
        case .absolute(let path, let isDirectory), .escapes(let path, let isDirectory):
            if role == "outputs" {
                return .failure(PathProblem(message: "output '\(raw)'\(owner()) is outside the workspace; write it under the workspace, e.g. 'results/…'"))
            }
            return .success(Artifact(name: name, path: path, isDirectory: isDirectory, location: location))
        case .empty:
            if role == "outputs" && !raw.isEmpty {
                return .failure(PathProblem(message: "output '\(raw)'\(owner()) is the workspace root itself, which holds '.git/', '.studyflow/' and the workflow file; write into a subdirectory, e.g. 'results/'"))
            }
            return .failure(PathProblem(message: "empty path in '\(role)'\(owner())"))
        }
    }

    /// Why a path cannot be an artifact.
    struct PathProblem: Error {
        var message: String
    }

    private func parseEnv(_ node: Node, stage: String, fanout: Bool,
                          deferred: inout [(StageTemplate.ItemSetting.Target, Node, String)], reader: inout YAMLReader) -> [String] {
        guard case .sequence(let sequence) = node else {
            reader.error("'env' of stage '\(stage)' must be a list of variable names, got \(reader.kindName(node))", at: node)
            return []
        }
        var names: [String] = []
        for item in sequence {
            guard let name = reader.string(item, what: "an entry of 'env' of stage '\(stage)'") else { continue }
            if fanout, item.mayHoldItemPlaceholder {
                deferred.append((.env(names.count), item, "an entry of 'env'"))
                names.append(name)
            } else if reportNotExpanded(name, node: item, what: "'env' of stage '\(stage)'", example: "[LANG]", fanout: fanout, reader: &reader) {
                continue
            } else if name.isEmpty || name.first!.isNumber || !Self.isName(name) {
                reader.error("bad environment variable name '\(name)' in stage '\(stage)'", at: item)
            } else {
                names.append(name)
            }
        }
        return names
    }

    private func parseResources(_ node: Node, stage: inout Stage, fanout: Bool,
                                deferred: inout [(StageTemplate.ItemSetting.Target, Node, String)], reader: inout YAMLReader) {
        let context = "in 'resources' of stage '\(stage.id)'"
        guard case .mapping = node else {
            reader.error("'resources' of stage '\(stage.id)' must be a mapping like {memory: 2G, time: 30m}", at: node)
            return
        }
        let pairs = reader.pairs(node, context: context)
        reader.checkKeys(pairs, allowed: ["memory", "time"], context: context)
        for pair in pairs {
            guard let text = reader.string(pair.value, what: "'\(pair.key)' of stage '\(stage.id)'") else { continue }
            if fanout, pair.value.mayHoldItemPlaceholder, pair.key == "memory" || pair.key == "time" {
                deferred.append((pair.key == "memory" ? .memory : .time, pair.value, "'\(pair.key)'"))
                continue
            }
            if reportNotExpanded(text, node: pair.value, what: "'\(pair.key)' of stage '\(stage.id)'",
                                 example: pair.key == "memory" ? "2G" : "30m", fanout: fanout, reader: &reader) { continue }
            guard let kind = ResourceExpression.Kind(rawValue: pair.key) else { continue }
            if case .failure(let error) = ResourceExpression.parse(text, kind: kind) {
                reader.error(error.message(subject: "'\(pair.key)' of stage '\(stage.id)'"), at: pair.value)
            } else if kind == .memory {
                stage.resources.memory = text
            } else {
                stage.resources.time = text
            }
        }
    }
}
