/// Fan-out at load: a `stages:` entry with `foreach:` or `matrix:` is parsed once as a
/// `StageTemplate`, expanded into items (`FanoutSpec.expand`) and instantiated per item into
/// plain `Stage`s `TEMPLATE@KEY`, so validation, the graph, the engine and provenance see
/// ordinary stages and edges still come from paths.
extension WorkflowLoader {
    /// One `stages:` entry read: a plain stage, or a template's instances and their items.
    struct StageEntry {
        var stages: [Stage]
        /// The items, in instance order, when the entry is a fan-out.
        var items: [FanoutItem]?
        var location: SourceLocation
        /// A `levels:` fan-out's table, settled after every stage is read (`settleLevels`).
        var levels: PendingLevels? = nil
    }

    /// Reads the entry `id`; `nil` after reporting why it cannot be used.
    func parseStageEntry(id: String, keyNode: Node, node: Node, workflowParams: [String: JSONValue],
                         gathers: inout [PendingGather], reader: inout YAMLReader) -> StageEntry? {
        let pairs = Self.firstPairs(node)
        let isFanout = pairs.contains { $0.key == "foreach" || $0.key == "matrix" }
        let parsed = parseFanout(stage: id, pairs: pairs, workflowParams: workflowParams, reader: &reader)
        guard let template = parseStage(id: id, keyNode: keyNode, node: node, workflowParams: workflowParams,
                                        fanout: isFanout, gathers: &gathers, reader: &reader) else { return nil }
        guard isFanout else { return StageEntry(stages: [template.stage], location: template.stage.location) }
        guard let parsed else { return nil }
        var levels: PendingLevels?
        if case .levels(let raw, let column) = parsed.spec.source {
            let tableNode = Self.levelsField("table", of: parsed.node) ?? parsed.node
            guard let table = levelsTablePath(raw, node: tableNode, stage: id, reader: &reader) else { return nil }
            levels = PendingLevels(template: id, table: table, column: column, node: parsed.node,
                                   columnNode: Self.levelsField("column", of: parsed.node))
            switch readLevels(table: table, column: column) {
            case .failure(let problem):
                levels?.problem = problem
                return StageEntry(stages: [], location: template.stage.location, levels: levels)
            case .success(let values):
                levels?.problem = nil
                return instances(of: template, items: expandFanout(parsed, stage: id, levels: values, reader: &reader),
                                 levels: levels, reader: &reader)
            }
        }
        return instances(of: template, items: expandFanout(parsed, stage: id, reader: &reader), levels: nil, reader: &reader)
    }

    /// The entry of `template`'s instances, one per item; nil when there are none (reported).
    private func instances(of template: StageTemplate, items: [FanoutItem], levels: PendingLevels?,
                           reader: inout YAMLReader) -> StageEntry? {
        let id = template.stage.id
        guard !items.isEmpty else { return nil }
        var problems = InstanceProblems()
        var stages: [Stage] = []
        stages.reserveCapacity(items.count)
        for item in items { stages.append(instantiate(template, item: item, problems: &problems, reader: reader)) }
        problems.flush(into: &reader, template: id, at: template.stage.location)
        return StageEntry(stages: stages, items: items, location: template.stage.location, levels: levels)
    }

    /// A mapping's pairs with string keys, first occurrence only, without reporting anything
    /// (`parseStage` reports duplicate and unknown keys).
    static func firstPairs(_ node: Node) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { return [] }
        // A stage has a handful of keys: scanning them beats hashing (and a set per stage).
        var seen: Set<String>? = mapping.count > 12 ? [] : nil
        var result: [(key: String, keyNode: Node, value: Node)] = []
        result.reserveCapacity(mapping.count)
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else { continue }
            let repeated = seen != nil ? !seen!.insert(scalar.string).inserted : result.contains { $0.key == scalar.string }
            if repeated { continue }
            result.append((scalar.string, keyNode, value))
        }
        return result
    }

    /// The instance of `template` for `item`: the template with its id, item-dependent paths,
    /// settings, `params` and `with` filled in. Mistakes that depend on the item go to `problems`.
    func instantiate(_ template: StageTemplate, item: FanoutItem, problems: inout InstanceProblems,
                     reader: YAMLReader) -> Stage {
        var stage = template.stage
        let id = template.stage.id + "@" + item.key
        stage.id = id
        for text in template.texts { check(text, item: item, instance: id, problems: &problems, reader: reader) }
        if template.paramsHaveItems { stage.params = stage.params.mapValues { $0.substitutingItem(item) } }
        if template.withHasItems, case .builtin(let kind, let with) = stage.action {
            stage.action = .builtin(kind: kind, with: with.substitutingItem(item))
        }
        for path in template.paths {
            let role = path.isOutput ? "outputs" : "inputs"
            let name = path.isOutput ? stage.outputs[path.index].name : stage.inputs[path.index].name
            switch Self.artifact(path.template.substitutingItem(item), name: name, role: role, owner: "", location: path.location) {
            case .success(let artifact):
                if path.isOutput { stage.outputs[path.index] = artifact } else { stage.inputs[path.index] = artifact }
            case .failure(let problem):
                problems.add(problem.message, instance: id, at: path.location)
            }
        }
        if !template.paths.isEmpty {
            for (role, artifacts) in [("inputs", stage.inputs), ("outputs", stage.outputs)] {
                var seen: Set<String> = []
                for artifact in artifacts where !seen.insert(artifact.path).inserted {
                    problems.add("path '\(artifact.displayPath)' is listed twice in '\(role)'", instance: id, at: artifact.location)
                }
            }
        }
        // A placeholder left after substitution names nothing in this item; `check` reported it.
        for setting in template.settings {
            let text = setting.template.substitutingItem(item)
            if text.holdsItemPlaceholder { continue }
            apply(setting, text: text, to: &stage, problems: &problems, reader: reader)
        }
        return stage
    }

    /// Sets one item-dependent setting from its substituted text, checked as a plain stage's is.
    private func apply(_ setting: StageTemplate.ItemSetting, text: String, to stage: inout Stage,
                       problems: inout InstanceProblems, reader: YAMLReader) {
        let at = reader.location(setting.node)
        func integer(_ what: String, _ range: ClosedRange<Int>) -> Int? {
            if let value = Int(text), range.contains(value) { return value }
            problems.add("'\(what)' must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(text)'", instance: stage.id, at: at)
            return nil
        }
        switch setting.target {
        case .env(let index):
            if text.isEmpty || text.first!.isNumber || !Self.isName(text) {
                problems.add("bad environment variable name '\(text)' in 'env'", instance: stage.id, at: at)
            }
            stage.env[index] = text
        case .threads: stage.resources.threads = integer("threads", 1...4096) ?? 1
        case .retries: stage.resources.retries = integer("retries", 0...100) ?? 0
        case .memory, .time:
            var kind = ResourceExpression.Kind.time
            if case .memory = setting.target { kind = .memory }
            if case .failure(let error) = ResourceExpression.parse(text, kind: kind) {
                problems.add(error.message(subject: "'\(kind.rawValue)'"), instance: stage.id, at: at)
            }
            if kind == .memory { stage.resources.memory = text } else { stage.resources.time = text }
        }
    }

    /// Checks that every item placeholder of `text` names something in `item`, and is a
    /// string or number where the text needs one.
    private func check(_ text: StageTemplate.ItemText, item: FanoutItem, instance: String,
                       problems: inout InstanceProblems, reader: YAMLReader) {
        for placeholder in text.template.placeholders where placeholder.scope?.isItem == true {
            let message: String
            switch item.resolve(scope: placeholder.scopeText, name: placeholder.name) {
            case .value(let value):
                guard let scalarFor = text.scalarFor, !value.isScalar else { continue }
                message = "placeholder '\(placeholder)' is \(value.kindDescription) in this instance, but in \(scalarFor) it must be a string or a number; use one of its fields, e.g. '${each.value.FIELD}'"
            case .undefined(let suggestion):
                if placeholder.scope == .matrix && item.axes.isEmpty {
                    message = "placeholder '\(placeholder)' applies only to 'matrix:' stages, and this one has 'foreach:'; use '${each.key}' or '${each.value…}'"
                } else if let suggestion {
                    message = "undefined placeholder '\(placeholder)'; did you mean '${\(suggestion)}'?"
                } else {
                    let names = item.placeholderNames
                    let shown = names.prefix(8).map { "${\($0)}" }.joined(separator: ", ") + (names.count > 8 ? ", …" : "")
                    message = "undefined placeholder '\(placeholder)' (its item defines \(shown))"
                }
            case .notThisScope:
                continue
            }
            problems.add(message, instance: instance, at: reader.location(of: placeholder.description, offset: placeholder.offset, in: text.node))
        }
    }
}
