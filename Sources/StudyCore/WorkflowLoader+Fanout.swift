/// A stage's `foreach:` / `matrix:` / `name:` read into a `FanoutSpec`, with the nodes each
/// `FanoutProblem.Origin` points at.
struct ParsedFanout {
    var spec: FanoutSpec
    /// The `foreach:` or `matrix:` value.
    var node: Node
    /// List items, or map keys, in order; empty when the items come from a parameter.
    var itemNodes: [Node] = []
    var nameNode: Node?
    var excludeNodes: [Node] = []
    var includeNodes: [Node] = []

    func location(of origin: FanoutProblem.Origin, reader: YAMLReader) -> SourceLocation {
        let target: Node?
        switch origin {
        case .spec: target = node
        case .item(let i): target = i < itemNodes.count ? itemNodes[i] : node
        case .name: target = nameNode
        case .exclude(let i): target = i < excludeNodes.count ? excludeNodes[i] : node
        case .include(let i): target = i < includeNodes.count ? includeNodes[i] : node
        }
        return reader.location(target ?? node)
    }
}

/// Fan-out keys of a stage, read by `parseStageEntry` before the stage itself.
extension WorkflowLoader {
    /// The keys of a stage that make it a fan-out template.
    static let fanoutKeys = ["foreach", "matrix", "name"]

    /// The items of the fan-out declared in `stageText` (one stage's mapping, e.g.
    /// `foreach: [a, b]` plus its other keys), with `params` as the workflow's parameters; throws
    /// every mistake at its line and column. Returns `[]` for a stage without `foreach`/`matrix`.
    public func fanoutItems(stageText: String, file: String, stage: String,
                            params: [String: JSONValue] = [:]) throws(WorkflowDiagnostics) -> [FanoutItem] {
        var reader = YAMLReader(file: file, text: stageText)
        let root: Node?
        do {
            root = try YAMLComposer(limits: .workflow).compose(stageText)
        } catch {
            throw WorkflowDiagnostics([Diagnostic("cannot parse YAML: \(YAMLLimits.workflow.errorText(stageText, ours: error))",
                                                  at: SourceLocation(file: file, line: 1, column: 1))])
        }
        guard let root, case .mapping = root else { return [] }
        let pairs = reader.pairs(root, context: "in stage '\(stage)'")
        let parsed = parseFanout(stage: stage, pairs: pairs, workflowParams: params, reader: &reader)
        let items = parsed.map { expandFanout($0, stage: stage, reader: &reader) } ?? []
        if !reader.diagnostics.isEmpty { throw WorkflowDiagnostics(reader.diagnostics) }
        return items
    }

    /// Expands `parsed`, reporting each problem at the node it concerns.
    func expandFanout(_ parsed: ParsedFanout, stage: String, levels: [String]? = nil, reader: inout YAMLReader) -> [FanoutItem] {
        let expansion = parsed.spec.expand(stage: stage, levels: levels)
        for problem in expansion.problems {
            reader.error(problem.message, at: parsed.location(of: problem.origin, reader: reader))
        }
        return expansion.items
    }

    /// Reads `foreach:`, `matrix:` and `name:` from a stage's pairs; `nil` when the stage has
    /// neither `foreach` nor `matrix`, or when they cannot be read (after reporting why).
    func parseFanout(stage: String, pairs: [(key: String, keyNode: Node, value: Node)],
                     workflowParams: [String: JSONValue], reader: inout YAMLReader) -> ParsedFanout? {
        let foreach = pairs.first { $0.key == "foreach" }, matrix = pairs.first { $0.key == "matrix" }
        let name = pairs.first { $0.key == "name" }
        if let foreach, let matrix {
            let second = reader.location(foreach.keyNode).line > reader.location(matrix.keyNode).line ? foreach : matrix
            reader.error("stage '\(stage)' has both 'foreach' and 'matrix'; keep one of them", at: second.keyNode)
            return nil
        }
        guard foreach != nil || matrix != nil else {
            if let name {
                reader.error("'name' applies only to stages with 'foreach' or 'matrix'; stage '\(stage)' has neither", at: name.keyNode)
            }
            return nil
        }
        var parsed: ParsedFanout?
        if let foreach { parsed = parseForeach(foreach.value, stage: stage, workflowParams: workflowParams, reader: &reader) }
        if let matrix { parsed = parseMatrix(matrix.value, stage: stage, reader: &reader) }
        if let name, parsed != nil {
            guard let text = reader.string(name.value, what: "'name' of stage '\(stage)'") else { return nil }
            parsed?.spec.name = CommandTemplate(text)
            parsed?.nameNode = name.value
        }
        return parsed
    }

    private func parseForeach(_ node: Node, stage: String, workflowParams: [String: JSONValue],
                              reader: inout YAMLReader) -> ParsedFanout? {
        let what = "'foreach' of stage '\(stage)'"
        switch node {
        case .sequence(let items):
            let values = items.map { reader.value($0, context: "in \(what)") }
            return ParsedFanout(spec: FanoutSpec(source: .list(values)), node: node, itemNodes: Array(items))
        case .mapping:
            let pairs = reader.pairs(node, context: "in \(what)")
            if pairs.count == 1, pairs[0].key == "levels" {
                return parseLevels(pairs[0].value, stage: stage, reader: &reader).map { ParsedFanout(spec: FanoutSpec(source: $0), node: node) }
            }
            let entries = pairs.map { FanoutEntry(key: $0.key, value: reader.value($0.value, context: "in \(what)")) }
            return ParsedFanout(spec: FanoutSpec(source: .map(entries)), node: node, itemNodes: pairs.map(\.keyNode))
        case .scalar(let scalar):
            let template = CommandTemplate(scalar.string)
            guard template.segments.count == 1, let placeholder = template.placeholders.first,
                  placeholder.scopeText == "params", let name = placeholder.name else {
                reader.error("\(what) must be a list [a, b], a map {KEY: VALUE}, ${params.NAME} or {levels: {table: PATH, column: NAME}}, got '\(scalar.string)'", at: node)
                return nil
            }
            guard let value = workflowParams[name] else {
                let names = Array(workflowParams.keys)
                let hint = Spelling.suggestion(for: name, among: names).map { "; did you mean '${params.\($0)}'?" } ?? ""
                let defined = names.isEmpty ? "the workflow declares no parameters" : "workflow params: " + names.sorted().joined(separator: ", ")
                reader.error("undefined placeholder '\(placeholder)' in \(what)\(hint) (\(defined))", at: node)
                return nil
            }
            guard let source = FanoutSpec.foreach(param: value) else {
                reader.error("parameter '\(name)' used in \(what) must be a list or a map, got \(value.canonicalJSON)", at: node)
                return nil
            }
            return ParsedFanout(spec: FanoutSpec(source: source), node: node)
        }
    }

    private func parseLevels(_ node: Node, stage: String, reader: inout YAMLReader) -> FanoutSpec.Source? {
        let context = "in 'levels' of 'foreach' of stage '\(stage)'"
        guard case .mapping = node else {
            reader.error("'levels' of 'foreach' of stage '\(stage)' must be a mapping {table: PATH, column: NAME}, got \(reader.kindName(node))", at: node)
            return nil
        }
        let pairs = reader.pairs(node, context: context)
        reader.checkKeys(pairs, allowed: ["table", "column"], context: context)
        var table: String?, column: String?
        for pair in pairs {
            if pair.key == "table" { table = reader.string(pair.value, what: "'table' \(context)") }
            if pair.key == "column" { column = reader.string(pair.value, what: "'column' \(context)") }
        }
        for (key, value) in [("table", table), ("column", column)] where value == nil && !pairs.contains(where: { $0.key == key }) {
            reader.error("missing '\(key)' \(context); write {table: PATH, column: NAME}", at: node)
        }
        guard let table, let column else { return nil }
        return .levels(table: table, column: column)
    }

    private func parseMatrix(_ node: Node, stage: String, reader: inout YAMLReader) -> ParsedFanout? {
        let context = "in 'matrix' of stage '\(stage)'"
        guard case .mapping = node else {
            reader.error("'matrix' of stage '\(stage)' must be a mapping of axis to values, e.g. {model: [cox, km], seed: [1, 2]}, got \(reader.kindName(node))", at: node)
            return nil
        }
        var matrix = FanoutMatrix(axes: [])
        var parsed = ParsedFanout(spec: FanoutSpec(source: .list([])), node: node)
        for pair in reader.pairs(node, context: context) {
            switch pair.key {
            case "exclude", "include":
                guard case .sequence(let entries) = pair.value else {
                    reader.error("'\(pair.key)' \(context) must be a list of combinations, e.g. [{model: km, seed: 2}], got \(reader.kindName(pair.value))", at: pair.value)
                    continue
                }
                var combinations: [[FanoutEntry]] = [], kept: [Node] = []
                for entry in entries {
                    guard case .mapping = entry else {
                        reader.error("an entry of '\(pair.key)' \(context) must be a mapping of axis to value, e.g. {model: km}, got \(reader.kindName(entry))", at: entry)
                        continue
                    }
                    kept.append(entry)
                    combinations.append(reader.pairs(entry, context: "in '\(pair.key)' \(context)").map {
                        FanoutEntry(key: $0.key, value: reader.value($0.value, context: context))
                    })
                }
                if pair.key == "exclude" { (matrix.exclude, parsed.excludeNodes) = (combinations, kept) }
                else { (matrix.include, parsed.includeNodes) = (combinations, kept) }
            default:
                if !Self.isName(pair.key) {
                    reader.error("bad axis name '\(pair.key)' \(context); use letters, digits and '_', as in ${matrix.NAME}", at: pair.keyNode)
                }
                matrix.axes.append(FanoutEntry(key: pair.key, value: reader.value(pair.value, context: context)))
            }
        }
        parsed.spec.source = .matrix(matrix)
        return parsed
    }
}
