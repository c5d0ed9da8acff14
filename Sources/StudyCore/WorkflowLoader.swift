/// Reads a workflow file into a `Workflow`, collecting every mistake as a positioned diagnostic.
///
/// Loading checks the file on its own (syntax, keys, types, ids, placeholders, kinds); checks that
/// need the whole graph or the file system live in `WorkflowValidator`.
public struct WorkflowLoader: Sendable {
    /// Built-in stage kinds that `uses:` may name (from the engine's registry).
    public var knownKinds: [String]
    /// `--param` values, applied to `${params.NAME}` in input and output paths (names the
    /// workflow does not declare are ignored here; the command reports them).
    public var paramOverrides: [String: JSONValue]
    /// `--profile NAME`: its `params` stand between the workflow's and `paramOverrides` (an
    /// unknown name is ignored here; the command reports it).
    public var profile: String?
    /// Where `include:` reads files; nil refuses `include:` (a loader with no file access).
    public var files: (any WorkflowFiles)?
    /// Where `foreach: {levels: …}` tables are read; nil reads none (such fan-outs wait for the
    /// stage that writes their table, or are an error when none does).
    public var tables: LevelsTables?

    /// Top-level keys of a workflow file.
    public static let workflowKeys = ["container", "description", "include", "name", "network", "params", "profiles", "sandbox", "sign", "slurm",
                                      "stages", "tools"]
    /// Keys of a stage.
    public static let stageKeys = ["container", "description", "env", "foreach", "group", "inputs", "local", "matrix", "name", "network",
                                   "outputs", "params", "resources", "retries", "run", "sandbox", "threads", "tools", "uses", "with"]

    /// Creates a loader that accepts the given built-in kinds.
    public init(knownKinds: [String] = [], paramOverrides: [String: JSONValue] = [:], profile: String? = nil,
                files: (any WorkflowFiles)? = nil, tables: LevelsTables? = nil) {
        self.knownKinds = knownKinds.sorted()
        self.paramOverrides = paramOverrides
        self.profile = profile
        self.files = files
        self.tables = tables
    }

    /// Parses `text` (the contents of `file`) or throws every diagnostic found.
    /// A leading byte-order mark is accepted and not counted in columns. Nesting, alias expansion
    /// and size are bounded (`YAMLLimits.workflow`) while the text is composed.
    public func load(text: String, file: String) throws(WorkflowDiagnostics) -> Workflow {
        let text = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        var reader = YAMLReader(file: file, text: text)
        let root = try Self.compose(text, file: file, lines: reader.lines)
        guard let root else {
            throw WorkflowDiagnostics([Diagnostic("workflow file is empty; 'studyflow init' writes an example to start from",
                                                  at: SourceLocation(file: file, line: 1, column: 1))])
        }
        guard case .mapping = root else {
            reader.error("a workflow must be a mapping with 'name' and 'stages', got \(reader.kindName(root))", at: root)
            throw WorkflowDiagnostics(reader.diagnostics)
        }
        let workflow = parseWorkflow(root, reader: &reader)
        if !reader.diagnostics.isEmpty { throw WorkflowDiagnostics(reader.diagnostics) }
        return workflow
    }

    /// The YAML node tree of `text`, bounded by `YAMLLimits.workflow`; a syntax error or an excess
    /// is one positioned diagnostic (workflow, included and params files alike). `lines` are split
    /// only for a syntax error.
    static func compose(_ text: String, file: String, lines: @autoclosure () -> [Substring]) throws(WorkflowDiagnostics) -> Node? {
        do {
            return try YAMLComposer(limits: .workflow).compose(text)
        } catch let excess as YAMLLimits.Excess {
            throw WorkflowDiagnostics([Diagnostic(excess.message, at: SourceLocation(file: file, line: excess.line, column: excess.column))])
        } catch let error as YAMLSyntaxError {
            throw WorkflowDiagnostics([WorkflowLoader.syntaxDiagnostic(error, file: file, lines: lines())])
        } catch {
            throw WorkflowDiagnostics([Diagnostic("cannot parse YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))])
        }
    }

    private func parseWorkflow(_ root: Node, reader: inout YAMLReader) -> Workflow {
        let pairs = reader.pairs(root, context: "at the top level")
        reader.checkKeys(pairs, allowed: WorkflowLoader.workflowKeys, context: "at the top level")
        var name = "", description = ""
        var params: [String: JSONValue] = [:]
        var nodes: [String: Node] = [:]
        var slurm = SlurmDefaults()
        var sign = false
        var collected = StageCollection()
        var tools: (names: [String], locations: [SourceLocation])?
        for pair in pairs {
            switch pair.key {
            case "slurm": slurm = parseSlurm(pair.value, reader: &reader)
            case "name": name = reader.string(pair.value, what: "'name'") ?? ""
            case "description": description = reader.string(pair.value, what: "'description'") ?? ""
            case "params": params = parseParams(pair.value, context: "workflow", reader: &reader)
            case "sign": sign = reader.boolean(pair.value, what: "'sign'") ?? false
            case "sandbox": collected.sandbox = reader.boolean(pair.value, what: "'sandbox'") ?? false
            case "container", "network": continue
            case "tools": tools = parseTools(pair.value, owner: "the workflow", reader: &reader)
            default: nodes[pair.key] = pair.value
            }
        }
        let top = SourceLocation(file: reader.file, line: 1, column: 1)
        if !pairs.contains(where: { $0.key == "name" }) {
            reader.error("missing required key 'name'; add e.g. 'name: my-study' at the top", at: top)
        }
        var included = nodes["include"].map { loadIncludes($0, reader: &reader) } ?? IncludeSet()
        params = mergeIncludedParams(params, node: pairs.first { $0.key == "params" }?.value, into: &included, reader: &reader)
        let profiles = nodes["profiles"].map { parseProfiles($0, params: params, reader: &reader) } ?? [:]
        var effectiveParams = params.merging(profile.flatMap { profiles[$0]?.params } ?? [:]) { $1 }
        effectiveParams.merge(paramOverrides.filter { params[$0.key] != nil }) { $1 }
        if let node = nodes["stages"] {
            collectStages(node, workflowParams: effectiveParams, acrossFiles: false, into: &collected, reader: &reader)
        }
        collectIncludedStages(&included, into: &collected, workflowParams: effectiveParams, reader: &reader)
        let levels = settleLevels(collected.levels, stages: collected.stages, gathers: collected.pending, reader: &reader)
        let gathers = resolveGathers(collected.pending, stages: &collected.stages, fanouts: collected.fanouts,
                                     attempted: collected.attempted, plain: collected.plain, reader: &reader)
        applyContainerDefaults(pairs, to: &collected.stages, reader: &reader)
        var stages = collected.stages
        if let tools { Self.applyDefaultTools(tools, to: &stages) }
        if nodes["stages"] == nil && !included.declaresStages {
            reader.error("missing required key 'stages'", at: top)
        } else if stages.isEmpty && levels.isEmpty && reader.diagnostics.isEmpty {
            reader.error("'stages' is empty; add at least one stage", at: nodes["stages"].map { reader.location($0) } ?? top)
        }
        var workflow = Workflow(file: reader.file, name: name, description: description, params: params, stages: stages,
                                slurm: slurm, sign: sign, fanouts: collected.fanouts, gathers: gathers, levels: levels)
        workflow.includes = included.includes
        workflow.profiles = profiles
        checkGroupComponents(pairs, groups: Set(stages.compactMap(\.resources.group)), reader: &reader)
        return workflow
    }

    /// The stages declared so far across the workflow file and its included files: fan-outs
    /// expanded into their instances (contiguous, in instance order), gathers waiting for every
    /// template to be known, and where each entry was declared (duplicates across files).
    struct StageCollection {
        var stages: [Stage] = []
        var fanouts: [FanoutGroup] = []
        var pending: [PendingGather] = []
        var levels: [PendingLevels] = []
        var attempted: Set<String> = [], plain: Set<String> = []
        var declared: [String: SourceLocation] = [:]
        /// The workflow's `sandbox:`, the default of every `run:` stage that has none of its own.
        var sandbox = false
    }

    /// Adds one file's `stages:` mapping to `collection`. `acrossFiles` reports an entry whose id
    /// an earlier file already declared (within one file YAML's duplicate-key check does).
    func collectStages(_ node: Node, workflowParams: [String: JSONValue], acrossFiles: Bool,
                       into collection: inout StageCollection, reader: inout YAMLReader) {
        guard case .mapping = node else {
            reader.error("'stages' must be a mapping of stage id to stage, got \(reader.kindName(node))", at: node)
            return
        }
        let pairs = reader.pairs(node, context: "in 'stages'")
        // Sized once: grown pair by pair, these tables rehashed every id of a large file ~17 times.
        collection.declared.reserveCapacity(collection.declared.count + pairs.count)
        collection.plain.reserveCapacity(collection.plain.count + pairs.count)
        collection.stages.reserveCapacity(collection.stages.count + pairs.count)
        for pair in pairs {
            if acrossFiles, let first = collection.declared[pair.key] {
                reader.error("stage '\(pair.key)' is also declared at \(first); stage ids must be unique across the workflow and its included files: rename one of them", at: pair.keyNode)
                continue
            }
            if collection.declared[pair.key] == nil { collection.declared[pair.key] = reader.location(pair.keyNode) }
            let firstGather = collection.pending.count
            let entry = parseStageEntry(id: pair.key, keyNode: pair.keyNode, node: pair.value, workflowParams: workflowParams,
                                        gathers: &collection.pending, reader: &reader)
            let keys = Self.firstPairs(pair.value).map(\.key)
            if keys.contains(where: { $0 == "foreach" || $0 == "matrix" }) {
                collection.attempted.insert(pair.key)
            } else {
                collection.plain.insert(pair.key)
            }
            guard let entry else {
                collection.pending.removeSubrange(firstGather...)
                continue
            }
            if let pendingLevels = entry.levels { collection.levels.append(pendingLevels) }
            let range = collection.stages.count..<(collection.stages.count + entry.stages.count)
            for index in firstGather..<collection.pending.count { collection.pending[index].stages = range }
            if let items = entry.items {
                collection.fanouts.append(FanoutGroup(template: pair.key, stages: range, location: entry.location, items: items))
            }
            var stages = entry.stages
            if collection.sandbox, !keys.contains("sandbox") {
                for i in stages.indices { if case .shell = stages[i].action { stages[i].sandbox = true } }
            }
            collection.stages += stages
        }
    }

    func parseSlurm(_ node: Node, reader: inout YAMLReader) -> SlurmDefaults {
        var slurm = SlurmDefaults()
        guard case .mapping = node else {
            reader.error("'slurm' must be a mapping like {partition: short, account: lab, sbatch_args: [--qos=normal]}, got \(reader.kindName(node))", at: node)
            return slurm
        }
        let pairs = reader.pairs(node, context: "in 'slurm'")
        reader.checkKeys(pairs, allowed: SlurmDefaults.keys, context: "in 'slurm'")
        for pair in pairs {
            switch pair.key {
            case "partition", "account":
                guard let text = reader.string(pair.value, what: "'\(pair.key)' in 'slurm'") else { continue }
                if reportNotExpanded(text, node: pair.value, what: "'\(pair.key)' in 'slurm'", example: "short", reader: &reader) {
                    continue
                } else if text.isEmpty || text.contains(where: \.isWhitespace) {
                    reader.error("'\(pair.key)' in 'slurm' must be a SLURM \(pair.key) name, got '\(text)'", at: pair.value)
                } else if pair.key == "partition" {
                    slurm.partition = text
                } else {
                    slurm.account = text
                }
            case "poll_interval":
                let text = reader.string(pair.value, what: "'poll_interval' in 'slurm'") ?? ""
                if let seconds = Double(text), seconds > 0, seconds <= 3600 {
                    slurm.pollInterval = seconds
                } else {
                    reader.error("'poll_interval' in 'slurm' must be seconds between squeue calls, more than 0 and at most 3600, like 30, got '\(text)'", at: pair.value)
                }
            case "group_components":
                slurm.groupComponents = parseGroupComponents(pair.value, reader: &reader)
            case "hold_arrays":
                slurm.holdArrays = reader.boolean(pair.value, what: "'hold_arrays' in 'slurm'")
            case "sbatch_args":
                guard case .sequence(let items) = pair.value else {
                    reader.error("'sbatch_args' in 'slurm' must be a list of sbatch arguments like [--qos=normal], got \(reader.kindName(pair.value))", at: pair.value)
                    continue
                }
                for item in items {
                    guard let text = reader.string(item, what: "an entry of 'sbatch_args' in 'slurm'") else { continue }
                    if reportNotExpanded(text, node: item, what: "'sbatch_args' in 'slurm'", example: "--qos=normal", reader: &reader) {
                        continue
                    } else if !text.hasPrefix("-") {
                        reader.error("'sbatch_args' in 'slurm' holds sbatch options, which start with '-', got '\(text)'; write e.g. '--qos=normal'", at: item)
                    } else {
                        slurm.sbatchArguments.append(text)
                    }
                }
            default: break
            }
        }
        return slurm
    }

    /// The `params:` of the workflow, or of a stage when `workflowParams` are given. Parameters reach
    /// a command as `STUDYFLOW_PARAM_<NAME upper-cased>`, so two names that differ only in case (in
    /// one `params:`, or a stage's against the workflow's) are refused: they would set one variable.
    func parseParams(_ node: Node, context: String, workflowParams: [String: JSONValue]? = nil,
                             fanout: Bool = false, reader: inout YAMLReader) -> [String: JSONValue] {
        guard case .mapping = node else {
            reader.error("'params' of \(context) must be a mapping of name to value, got \(reader.kindName(node))", at: node)
            return [:]
        }
        var params: [String: JSONValue] = [:]
        var variables: [String: (name: String, owner: String)] = [:]
        for name in (workflowParams ?? [:]).keys.sorted() { variables[name.uppercased()] = (name, "the workflow") }
        let owner = workflowParams == nil ? "the workflow" : context
        for pair in reader.pairs(node, context: "in 'params' of \(context)") {
            if !Self.isName(pair.key) {
                reader.error("bad parameter name '\(pair.key)' in \(context); use letters, digits and '_'", at: pair.keyNode)
            } else {
                let variable = pair.key.uppercased()
                if let other = variables[variable], other.name != pair.key {
                    reader.error("parameters '\(other.name)' of \(other.owner) and '\(pair.key)' of \(owner) would both be exported as STUDYFLOW_PARAM_\(variable); parameter names must differ in more than case: rename one of them", at: pair.keyNode)
                }
                variables[variable] = (pair.key, owner)
            }
            if case .scalar(let scalar) = pair.value {
                _ = reportNotExpanded(scalar.string, node: pair.value, what: "parameter '\(pair.key)' of \(context)",
                                      example: "a literal value", fanout: fanout, reader: &reader)
            }
            params[pair.key] = reader.value(pair.value, context: "in parameter '\(pair.key)'")
        }
        return params
    }

    /// Checks `run`'s placeholders; `gathered` are the names of gathered inputs (filled in after
    /// every stage is read). Item placeholders of a fan-out template are checked per instance.
    func checkPlaceholders(_ template: CommandTemplate, node: Node, stage: Stage, gathered: [String],
                                   workflowParams: [String: JSONValue], fanout: Bool, reader: inout YAMLReader) {
        for placeholder in template.placeholders {
            func at() -> SourceLocation { reader.location(of: placeholder.description, offset: placeholder.offset, in: node) }
            guard let scope = placeholder.scope else {
                let fixed = Spelling.suggestion(for: placeholder.scopeText, among: Placeholder.Scope.allCases.map(\.rawValue))
                let hint = fixed.map { "; did you mean '${\($0)\(placeholder.name.map { "." + $0 } ?? "")}'?" }
                    ?? "; placeholders are ${inputs.NAME}, ${outputs.NAME} and ${params.NAME} (and ${each…}, ${matrix…} on fan-out stages)"
                reader.error("undefined placeholder '\(placeholder)' in stage '\(stage.id)'\(hint)", at: at())
                continue
            }
            if scope.isItem && !fanout {
                reportNeedsFanout(placeholder, in: "stage '\(stage.id)'", at: at(), reader: &reader)
                continue
            }
            if let problem = placeholder.position.problem, scope.isItem {
                reader.error("placeholder '\(placeholder)' in stage '\(stage.id)' \(Self.explain(problem, placeholder))", at: at())
            }
            guard let name = placeholder.name, !scope.isItem else { continue }
            let known: Bool
            switch scope {
            case .inputs: known = stage.inputs.contains { $0.name == name } || gathered.contains(name)
            case .outputs: known = stage.outputs.contains { $0.name == name }
            case .params, .each, .matrix: known = stage.params[name] != nil || workflowParams[name] != nil
            }
            if !known {
                let names: [String]
                switch scope {
                case .inputs: names = stage.inputs.compactMap(\.name) + gathered
                case .outputs: names = stage.outputs.compactMap(\.name)
                case .params, .each, .matrix: names = Array(stage.params.keys) + Array(workflowParams.keys)
                }
                let defined = names.isEmpty ? "stage '\(stage.id)' names no \(scope.rawValue)" : "named \(scope.rawValue): " + Set(names).sorted().joined(separator: ", ")
                let hint = Spelling.suggestion(for: name, among: names).map { "; did you mean '${\(scope.rawValue).\($0)}'?" } ?? ""
                reader.error("undefined placeholder '\(placeholder)' in stage '\(stage.id)'\(hint) (\(defined))", at: at())
                continue
            }
            if let problem = placeholder.position.problem {
                reader.error("placeholder '\(placeholder)' in stage '\(stage.id)' \(Self.explain(problem, placeholder))", at: at())
            }
        }
        if let offset = template.unclosedOffset {
            reportUnclosed(in: template.text, offset: offset, node: node, stage: stage.id, reader: &reader)
        }
    }

    /// Reports a `${` that nothing closes, quoting it up to the end of the name written after it.
    func reportUnclosed(in text: String, offset: Int, node: Node, stage: String, reader: inout YAMLReader) {
        let scalars = text.unicodeScalars.dropFirst(offset)
        let name = scalars.dropFirst(2).prefix { $0 == "." || $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ($0.value >= 0x30 && $0.value <= 0x39) }
        let written = "${" + String(String.UnicodeScalarView(name))
        let at = reader.location(of: written, offset: offset, in: node)
        reader.error("unclosed placeholder '\(written)' in stage '\(stage)': no '}' follows; close it, e.g. '\(written)}'", at: at)
    }

    /// Why a placeholder cannot stand where it does, and what to write instead.
    static func explain(_ problem: ShellPosition.Problem, _ placeholder: Placeholder) -> String {
        switch problem {
        case .arithmetic:
            return "is inside arithmetic '$((…))', where the shell would evaluate its value as code; compute outside it, e.g. 'expr \(placeholder) + 1'"
        case .hereDocument:
            let environment = placeholder.scope == .params ? " or read \"$STUDYFLOW_PARAM_\((placeholder.name ?? "").uppercased())\"" : ""
            return "is inside a here-document, where its value cannot be quoted (a line of it could end the document); pass it as an argument instead, e.g. printf '%s\\n' \(placeholder) | …\(environment)"
        case .hereDocumentDelimiter:
            return "is a here-document delimiter; write the delimiter literally, e.g. <<'EOF'"
        case .afterBackslash:
            return "follows a backslash, which would break the quoting of its value; remove the backslash"
        case .afterDollar:
            return "follows a '$', which would join it to the value and expand it; remove the '$' (write '\\$' for a literal dollar sign)"
        case .parameterName:
            return "stands in the name of a shell '${…}' expansion, which cannot come from a value; use it in the word after ':-' or outside '${…}'"
        case .dollarQuote:
            return "is inside $'…', which dash reads as '…' but bash reads with backslash escapes, so no quoting is safe in both; use '…' or \"…\" instead"
        case .ambiguousArithmetic:
            return "follows a '$((' that is not arithmetic, which shells read differently; write '$( (' with a space for a command substitution"
        case .tooDeep:
            return "is nested more than \(ShellLexer.maximumDepth) quotes and substitutions deep; simplify the command"
        }
    }

    /// The text of a workflow file's bytes: strict UTF-8 (a leading BOM is accepted and kept, so
    /// the text's UTF-8 is exactly the bytes whose digest the ledger records; `load` skips it),
    /// within `YAMLLimits.workflow`'s size, or a diagnostic naming the first bad byte. Decoding
    /// leniently would replace bad bytes with U+FFFD, and the ledger's copy would not match.
    public static func text(of bytes: [UInt8], file: String) throws(WorkflowDiagnostics) -> String {
        try checkSize(bytes.count, file: file)
        if let failure = UTF8Check.firstInvalid(bytes) {
            throw WorkflowDiagnostics([Diagnostic("\(failure); the file is not UTF-8: save it as UTF-8 (e.g. 'iconv -f latin1 -t utf-8')",
                                                  at: SourceLocation(file: file, line: failure.line, column: failure.column))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Refuses a workflow file of `size` bytes over `YAMLLimits.workflow.maxBytes`; callers
    /// check before reading, so a huge file does not fill memory first.
    public static func checkSize(_ size: Int, file: String) throws(WorkflowDiagnostics) {
        let limit = YAMLLimits.workflow.maxBytes
        guard size > limit else { return }
        throw WorkflowDiagnostics([Diagnostic("the workflow file is \(YAMLLimits.mebibytes(size)) MiB, over the limit of \(YAMLLimits.mebibytes(limit)) MiB; split it into smaller files",
                                              at: SourceLocation(file: file, line: 1, column: 1))])
    }

    static func syntaxDiagnostic(_ error: YAMLSyntaxError, file: String, lines: [Substring] = []) -> Diagnostic {
        switch error.kind {
        case .scanner, .parser, .composer:
            if indentingTab(at: error.line, column: error.column, problem: error.problem, lines: lines) {
                return Diagnostic("a tab is used for indentation; YAML allows only spaces there: indent with spaces",
                                  at: SourceLocation(file: file, line: error.line, column: error.column))
            }
            if let trap = flowPlaceholderDiagnostic(problem: error.problem, line: error.line, column: error.column, lines: lines, file: file) {
                return trap
            }
            let detail = error.context.map { " \($0)" } ?? ""
            return Diagnostic("YAML syntax error: \(error.problem)\(detail)", at: SourceLocation(file: file, line: error.line, column: error.column))
        case .reader:
            return Diagnostic("cannot read YAML: \(error.problem)", at: SourceLocation(file: file, line: 1, column: 1))
        case .memory:
            return Diagnostic("YAML error: \(error.problem)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    /// The tab libyaml stopped at, when it lies in the line's indentation. libyaml reports a
    /// tab-indented line either as "found character that cannot start any token" or as a tab that
    /// "violates indentation", in both cases at the tab itself; a tab elsewhere (inside a value,
    /// or after the indentation of a block scalar's line) is left to the generic message.
    static func indentingTab(at line: Int, column: Int, problem: String, lines: [Substring]) -> Bool {
        guard problem.contains("tab") || problem.contains("cannot start any token"),
              line >= 1, line <= lines.count, column >= 1 else { return false }
        for (index, scalar) in lines[line - 1].unicodeScalars.enumerated() {
            if index == column - 1 { return scalar == "\t" }
            if scalar != " " && scalar != "\t" { return false }
        }
        return false
    }

    /// The longest stage id, in bytes. The longest file name made from an id is a SLURM job's
    /// frozen specification written atomically, `.tmp-PID-N-ID.spec.json` (up to 43 bytes more
    /// than the id); 200 leaves room under the 255-byte limit of file names.
    public static let maximumStageIDBytes = 200

    /// `[A-Za-z0-9_-]+`.
    public static func isStageID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { isNameByte($0) || $0 == UInt8(ascii: "-") }
    }

    /// `[A-Za-z0-9_]+`.
    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isNameByte)
    }

    private static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_")
    }
}
