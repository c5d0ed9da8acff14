/// `tools: [python3, Rscript]` at the top level (the default of every `run` stage) or in a stage
/// (its own list wins, `[]` turns the default off): the programs whose SHA-256 enters the key.
extension WorkflowLoader {
    /// The names and positions of a `tools:` list, or nil after reporting why it is not one.
    func parseTools(_ node: Node, owner: String, reader: inout YAMLReader) -> (names: [String], locations: [SourceLocation])? {
        guard case .sequence(let sequence) = node else {
            reader.error("'tools' of \(owner) must be a list of programs like [python3, Rscript], got \(reader.kindName(node))", at: node)
            return nil
        }
        var names: [String] = [], locations: [SourceLocation] = []
        for item in sequence {
            guard let name = reader.string(item, what: "an entry of 'tools' of \(owner)") else { continue }
            if let problem = Self.toolProblem(name) {
                reader.error("bad tool '\(name)' in 'tools' of \(owner): \(problem)", at: item)
            } else if names.contains(name) {
                reader.error("tool '\(name)' is listed twice in 'tools' of \(owner); remove one", at: item)
            } else {
                names.append(name)
                locations.append(reader.location(item))
            }
        }
        return (names, locations)
    }

    /// Why `name` cannot name a program, or nil: it must be a bare name looked up through PATH
    /// (`python3`) or an absolute path (`/opt/R/bin/Rscript`), without placeholders.
    static func toolProblem(_ name: String) -> String? {
        if name.isEmpty { return "name a program on PATH (python3) or an absolute path (/usr/bin/python3)" }
        if name.contains("${") || name.hasPrefix("$") {
            return "placeholders and variables are not expanded here; name the program itself (python3)"
        }
        if name.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\0" }) {
            return "a program name has no spaces; list each program as its own entry"
        }
        if name.contains("/"), !name.hasPrefix("/") {
            return "a relative path is not a tool (workspace scripts are inputs); name a program on PATH or an absolute path"
        }
        return nil
    }

    /// Gives every `run` stage that has no `tools:` of its own the workflow's list, positioned at
    /// the workflow's entries (so a missing tool is reported where the default names it).
    static func applyDefaultTools(_ tools: (names: [String], locations: [SourceLocation]), to stages: inout [Stage]) {
        for index in stages.indices where stages[index].fields.values["tools"] == nil {
            guard case .shell = stages[index].action else { continue }
            stages[index].tools = tools.names
            for (i, location) in tools.locations.enumerated() { stages[index].fields.setValue("tools[\(i)]", location) }
        }
    }

    /// `tools:` on a `uses:` stage: built-in kinds run inside studyflow and call no program.
    func checkToolsApply(_ stage: Stage, node: Node?, reader: inout YAMLReader) {
        guard let node, case .builtin(let kind, _) = stage.action else { return }
        reader.error("'tools' applies only to 'run' stages; stage '\(stage.id)' uses the built-in kind '\(kind)', which runs no program; remove 'tools'", at: node)
    }
}
