import ArgumentParser
import StudyCore

/// `studyflow graph`: the stage graph as Graphviz dot, Mermaid or JSON.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the stage graph (dot, mermaid or json).",
        discussion: """
        Examples:
          studyflow graph | dot -Tsvg > graph.svg
          studyflow graph --format mermaid >> README.md
          studyflow graph --format json
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid, json
    }

    @OptionGroup var workspace: WorkspaceOptions

    @OptionGroup var settingsOptions: WorkflowSettingsOptions

    @Option(name: .long, help: "Output format: dot, mermaid or json.")
    var format: Format = .dot

    func run() throws {
        let layout = try workspace.layout()
        let source = WorkflowSource(layout: layout, registry: StudyflowCommand.registry)
        let settings = try settingsOptions.resolve(workspace, layout: layout)
        let compiled = try source.load(try source.read(workspace.workflow), settings: settings)
        _ = try settings.parameters(for: compiled.workflow)
        Console.out(GraphRenderer.render(compiled, format: format))
    }
}

/// Renders a compiled workflow's graph; edges in declaration order, so output is stable.
enum GraphRenderer {
    static func render(_ compiled: CompiledWorkflow, format: GraphCommand.Format) -> String {
        let stages = compiled.workflow.stages
        let graph = compiled.graph
        var edges: [(Int, Int)] = []
        for id in 0..<graph.count {
            for dep in graph.dependencies[id] { edges.append((Int(dep), id)) }
        }
        switch format {
        case .dot:
            var out = "digraph \(JSONValue.quoted(compiled.workflow.name)) {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n"
            for stage in stages {
                out += "  \(JSONValue.quoted(stage.id)) [label=\(JSONValue.quoted(stage.id + "\n" + stage.action.kindName))];\n"
            }
            for (a, b) in edges { out += "  \(JSONValue.quoted(stages[a].id)) -> \(JSONValue.quoted(stages[b].id));\n" }
            return out + "}\n"
        case .mermaid:
            var out = "flowchart LR\n"
            for (i, stage) in stages.enumerated() { out += "  s\(i)[\"\(stage.id)<br/><small>\(stage.action.kindName)</small>\"]\n" }
            for (a, b) in edges { out += "  s\(a) --> s\(b)\n" }
            return out
        case .json:
            let nodes: [JSONValue] = stages.enumerated().map { i, stage in
                .object([
                    "stage": .string(stage.id),
                    "kind": .string(stage.action.kindName),
                    "inputs": .array(stage.inputs.map { .string($0.displayPath) }),
                    "outputs": .array(stage.outputs.map { .string($0.displayPath) }),
                    "depends_on": .array(graph.dependencies[i].map { .string(stages[Int($0)].id) }),
                ])
            }
            return JSONValue.object(["workflow": .string(compiled.workflow.name), "stages": .array(nodes)]).canonicalJSON + "\n"
        }
    }
}
