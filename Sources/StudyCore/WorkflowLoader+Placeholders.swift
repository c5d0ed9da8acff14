/// Placeholders outside `run:`: `${params.NAME}` expands in input and output paths at load, with
/// `--param` overrides applied, and in `with:` settings at run time; anywhere else, and any
/// placeholder that names nothing, is a load diagnostic at its line and column.
extension WorkflowLoader {
    /// `raw` with each `${params.NAME}` replaced by the parameter's value; after reporting why it
    /// cannot be (another scope, an unknown name, a non-scalar value, an unclosed `${`), `raw`
    /// itself, so the artifact's name stays declared and no second error follows from it.
    /// In a fan-out template (`fanout`), `${each…}`/`${matrix…}` are kept as written for
    /// `instantiate`.
    func expandPath(_ raw: String, node: Node, role: String, stage: String, stageParams: [String: JSONValue],
                    workflowParams: [String: JSONValue], fanout: Bool = false, reader: inout YAMLReader) -> String {
        guard raw.utf8.contains(UInt8(ascii: "$")) else { return raw }
        let template = CommandTemplate(raw)
        let what = "a path in '\(role)' of stage '\(stage)'"
        var path = "", ok = true
        for segment in template.segments {
            switch segment {
            case .literal(let text):
                path += text
            case .placeholder(let placeholder):
                func at() -> SourceLocation { reader.location(of: placeholder.description, offset: placeholder.offset, in: node) }
                if placeholder.scope?.isItem == true {
                    if fanout { path += placeholder.description } else { reportNeedsFanout(placeholder, in: what, at: at(), reader: &reader) }
                    ok = ok && fanout
                    continue
                }
                guard placeholder.scope == .params, let name = placeholder.name else {
                    reportUnknownScope(placeholder, in: what, only: "${params.NAME}", at: at(), reader: &reader)
                    ok = false
                    continue
                }
                guard let value = stageParams[name] ?? workflowParams[name] else {
                    reportUnknownParam(placeholder, name: name, stage: stage, in: what,
                                       names: Array(stageParams.keys) + Array(workflowParams.keys), at: at(), reader: &reader)
                    ok = false
                    continue
                }
                switch value {
                case .string, .integer, .number, .bool:
                    path += value.scalarText
                case .null, .array, .object:
                    reader.error("parameter '\(name)' used in \(what) must be a string or a number, got \(value.canonicalJSON); give it a scalar value", at: at())
                    ok = false
                }
            }
        }
        if let offset = template.unclosedOffset {
            reportUnclosed(in: raw, offset: offset, node: node, stage: stage, reader: &reader)
            return raw
        }
        if ok, let shellVariable = Self.shellVariable(in: template) {
            reader.error("'\(shellVariable)' in \(what) is not expanded: paths are not shell text; write the path out, or use a parameter, e.g. '${params.NAME}'", at: reader.location(of: shellVariable, offset: 0, in: node))
            return raw
        }
        return ok ? path : raw
    }

    /// Checks `${…}` in the string values of a built-in stage's `with:`: only `${params.NAME}`
    /// with a declared name expands there (at run time, with `--param` applied).
    /// In a fan-out template (`fanout`), `${each…}`/`${matrix…}` are checked per instance instead.
    func checkSettingPlaceholders(_ node: Node, stage: String, names: [String], fanout: Bool = false, reader: inout YAMLReader) {
        switch node {
        case .scalar(let scalar):
            guard scalar.string.utf8.contains(UInt8(ascii: "$")) else { return }
            let template = CommandTemplate(scalar.string)
            let what = "'with' of stage '\(stage)'"
            for placeholder in template.placeholders {
                func at() -> SourceLocation { reader.location(of: placeholder.description, offset: placeholder.offset, in: node) }
                if placeholder.scope?.isItem == true {
                    if !fanout { reportNeedsFanout(placeholder, in: what, at: at(), reader: &reader) }
                    continue
                }
                guard placeholder.scope == .params, let name = placeholder.name else {
                    reportUnknownScope(placeholder, in: what, only: "${params.NAME}", at: at(), reader: &reader)
                    continue
                }
                if !names.contains(name) {
                    reportUnknownParam(placeholder, name: name, stage: stage, in: what, names: names, at: at(), reader: &reader)
                }
            }
            if let offset = template.unclosedOffset {
                reportUnclosed(in: scalar.string, offset: offset, node: node, stage: stage, reader: &reader)
            }
        case .sequence(let items):
            for item in items { checkSettingPlaceholders(item, stage: stage, names: names, fanout: fanout, reader: &reader) }
        case .mapping(let mapping):
            for (_, value) in mapping { checkSettingPlaceholders(value, stage: stage, names: names, fanout: fanout, reader: &reader) }
        }
    }

    /// Reports a placeholder in a setting where nothing expands (`resources`, `env`, `slurm`);
    /// returns whether there was one. In a fan-out template (`fanout`), item placeholders are
    /// left for `instantiate`; elsewhere they are reported as needing `foreach:`.
    func reportNotExpanded(_ text: String, node: Node, what: String, example: String, fanout: Bool = false,
                           reader: inout YAMLReader) -> Bool {
        let template = CommandTemplate(text)
        for placeholder in template.placeholders {
            func at() -> SourceLocation { reader.location(of: placeholder.description, offset: placeholder.offset, in: node) }
            if placeholder.scope?.isItem == true {
                if fanout { continue }
                reportNeedsFanout(placeholder, in: what, at: at(), reader: &reader)
                return true
            }
            reader.error("placeholder '\(placeholder)' in \(what) is not expanded: placeholders expand only in 'run', input and output paths and 'with'; write the value, e.g. \(example)",
                         at: at())
            return true
        }
        if let offset = template.unclosedOffset {
            let at = reader.location(of: "${", offset: offset, in: node)
            reader.error("unclosed '${' in \(what): no '}' follows; placeholders expand only in 'run', input and output paths and 'with'; write the value, e.g. \(example)", at: at)
            return true
        }
        return false
    }

    /// `${each…}` or `${matrix…}` in a stage without `foreach:`/`matrix:`.
    func reportNeedsFanout(_ placeholder: Placeholder, in what: String, at: SourceLocation, reader: inout YAMLReader) {
        let needs = placeholder.scope == .matrix ? "'matrix:'" : "'foreach:' or 'matrix:'"
        reader.error("placeholder '\(placeholder)' in \(what) needs \(needs) on the stage, which makes one instance per item; add it, or write the value out", at: at)
    }

    private func reportUnknownScope(_ placeholder: Placeholder, in what: String, only: String, at: SourceLocation,
                                    reader: inout YAMLReader) {
        if placeholder.scope == nil, let fixed = Spelling.suggestion(for: placeholder.scopeText, among: ["params"]) {
            reader.error("undefined placeholder '\(placeholder)' in \(what); did you mean '${\(fixed)\(placeholder.name.map { "." + $0 } ?? "")}'?", at: at)
        } else {
            reader.error("placeholder '\(placeholder)' in \(what) is not expanded: only \(only) expands there; write the path or value out", at: at)
        }
    }

    private func reportUnknownParam(_ placeholder: Placeholder, name: String, stage: String, in what: String,
                                    names: [String], at: SourceLocation, reader: inout YAMLReader) {
        let defined = names.isEmpty ? "no parameters are declared" : "named params: " + Set(names).sorted().joined(separator: ", ")
        let hint = Spelling.suggestion(for: name, among: names).map { "; did you mean '${params.\($0)}'?" } ?? ""
        reader.error("undefined placeholder '\(placeholder)' in \(what)\(hint) (\(defined))", at: at)
    }

    /// The first `${NAME}`-style text left in the literal parts of a template (not ours, so never expanded).
    private static func shellVariable(in template: CommandTemplate) -> String? {
        for segment in template.segments {
            guard case .literal(let text) = segment, let start = text.firstRange(of: "${") else { continue }
            let rest = text[start.lowerBound...]
            let end = rest.firstIndex(of: "}").map { rest.index(after: $0) } ?? rest.endIndex
            return String(rest[..<end])
        }
        return nil
    }
}
