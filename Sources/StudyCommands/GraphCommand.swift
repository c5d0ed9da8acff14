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
          studyflow graph --expand           # one node per fan-out instance

        A fan-out (a stage with 'foreach:' or 'matrix:') is one node 'cox ×7' naming its instance
        count, with its instances' edges merged, unless --expand draws every instance 'cox@KEY'.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid, json
    }

    @OptionGroup var workspace: WorkspaceOptions

    @OptionGroup var settingsOptions: WorkflowSettingsOptions

    @Option(name: .long, help: "Output format: dot, mermaid or json.")
    var format: Format = .dot

    @Flag(name: .long, help: "Draw every fan-out instance (cox@msk, …) instead of one node per fan-out.")
    var expand = false

    func run() throws {
        let layout = try workspace.layout()
        let source = WorkflowSource(layout: layout, registry: StudyflowCommand.registry)
        let settings = try settingsOptions.resolve(workspace, layout: layout)
        let compiled = try source.load(try source.read(workspace.workflow), settings: settings)
        _ = try settings.parameters(for: compiled.workflow)
        Console.out(GraphRenderer.render(compiled, format: format, expand: expand))
    }
}

/// Renders a compiled workflow's graph; nodes and edges in declaration order, so output is stable.
enum GraphRenderer {
    /// One drawn node: a stage, or a collapsed fan-out standing for `instances` stages.
    struct Node {
        var name: String
        var kind: String
        var instances: Int?
        var template: String?
        var stage: Int
    }

    static func render(_ compiled: CompiledWorkflow, format: GraphCommand.Format, expand: Bool = false) -> String {
        let (nodes, edges) = layout(compiled, expand: expand)
        let stages = compiled.workflow.stages
        switch format {
        case .dot:
            var out = "digraph \(JSONValue.quoted(compiled.workflow.name)) {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n"
            for node in nodes {
                out += "  \(JSONValue.quoted(node.name)) [label=\(JSONValue.quoted(title(node) + "\n" + node.kind))];\n"
            }
            for (a, b) in edges { out += "  \(JSONValue.quoted(nodes[a].name)) -> \(JSONValue.quoted(nodes[b].name));\n" }
            return out + "}\n"
        case .mermaid:
            var out = "flowchart LR\n"
            for (i, node) in nodes.enumerated() { out += "  s\(i)[\"\(title(node))<br/><small>\(node.kind)</small>\"]\n" }
            for (a, b) in edges { out += "  s\(a) --> s\(b)\n" }
            return out
        case .json:
            var dependsOn = [[Int]](repeating: [], count: nodes.count)
            for (a, b) in edges { dependsOn[b].append(a) }
            let objects: [JSONValue] = nodes.enumerated().map { i, node in
                var object: [String: JSONValue] = [
                    "stage": .string(node.name), "kind": .string(node.kind),
                    "depends_on": .array(dependsOn[i].map { .string(nodes[$0].name) }),
                ]
                if let count = node.instances {
                    object["instances"] = .integer(count)
                } else {
                    object["inputs"] = .array(stages[node.stage].inputs.map { .string($0.displayPath) })
                    object["outputs"] = .array(stages[node.stage].outputs.map { .string($0.displayPath) })
                }
                if let template = node.template { object["template"] = .string(template) }
                return .object(object)
            }
            return JSONValue.object(["workflow": .string(compiled.workflow.name), "stages": .array(objects)]).canonicalJSON + "\n"
        }
    }

    /// `cox ×7` for a collapsed fan-out, else the stage id.
    static func title(_ node: Node) -> String {
        node.instances.map { "\(node.name) ×\($0)" } ?? node.name
    }

    /// The nodes (a fan-out's instances merged into one unless `expand`) and the edges between
    /// them, each once, without the edges between instances of one collapsed fan-out.
    /// - Complexity: O(stages + edges).
    static func layout(_ compiled: CompiledWorkflow, expand: Bool) -> (nodes: [Node], edges: [(Int, Int)]) {
        let workflow = compiled.workflow, graph = compiled.graph
        var nodes: [Node] = [], nodeOf = [Int](repeating: 0, count: workflow.stages.count)
        var index = 0
        while index < workflow.stages.count {
            let stage = workflow.stages[index]
            if !expand, let group = workflow.fanout(of: index)?.group {
                let range = workflow.fanouts[group].stages
                for i in range { nodeOf[i] = nodes.count }
                nodes.append(Node(name: workflow.fanouts[group].template, kind: stage.action.kindName, instances: range.count, stage: index))
                index = range.upperBound
                continue
            }
            nodeOf[index] = nodes.count
            nodes.append(Node(name: stage.id, kind: stage.action.kindName, template: workflow.template(of: index), stage: index))
            index += 1
        }
        var edges: [(Int, Int)] = [], seen: Set<Int> = []
        for id in 0..<graph.count {
            for dep in graph.dependencies[id] {
                let a = nodeOf[Int(dep)], b = nodeOf[id]
                guard a != b, seen.insert(a &* nodes.count &+ b).inserted else { continue }
                edges.append((a, b))
            }
        }
        return (nodes, edges)
    }
}
