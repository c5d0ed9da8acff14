import ArgumentParser
import StudyCore
import StudyProvenance

/// Draws a file's lineage (`studyflow audit PATH --graph dot|mermaid`): a box per stage (id,
/// kind, short key), a node per file it read or wrote with its short sha256 (source files drawn
/// apart), a node per param, edges file → stage → file. Nodes and edges come in lineage order,
/// so the text is stable from run to run.
enum LineageGraph {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid
    }

    /// A node of the drawing.
    struct Node {
        enum Shape { case stage, file, source, param, target }
        var id: String
        var label: [String]
        var shape: Shape
    }

    static func render(_ lineage: Lineage, format: Format) -> String {
        let (nodes, edges) = build(lineage)
        switch format {
        case .dot: return dot(nodes, edges, title: lineage.path)
        case .mermaid: return mermaid(nodes, edges)
        }
    }

    /// Nodes (stages, files, params) and edges (from, to) by node id.
    static func build(_ lineage: Lineage) -> ([Node], [(String, String)]) {
        var nodes: [Node] = []
        var fileIDs: [String: String] = [:]
        var edges: [(String, String)] = []
        let sources = Set(lineage.sources.map(\.path))
        func file(_ f: StageRecord.File) -> String {
            if let id = fileIDs[f.path] { return id }
            let id = "f\(fileIDs.count)"
            fileIDs[f.path] = id
            let shape: Node.Shape = f.path == lineage.path ? .target : sources.contains(f.path) ? .source : .file
            nodes.append(Node(id: id, label: [f.path + (f.isDirectory ? "/" : ""), "sha256 " + (f.sha256?.short ?? "unknown")], shape: shape))
            return id
        }
        for (index, step) in lineage.steps.enumerated() {
            let r = step.record
            let stage = "s\(index)"
            nodes.append(Node(id: stage, label: [r.stage, r.kind, "key " + (r.key?.short ?? "none"), "run \(step.madeBy.record.run)"], shape: .stage))
            for output in r.outputs { edges.append((stage, file(output))) }
            for input in r.inputs { edges.append((file(input), stage)) }
            for (offset, name) in r.params.keys.sorted().enumerated() {
                let param = "p\(index)_\(offset)"
                nodes.append(Node(id: param, label: ["param \(name) = \(r.params[name]!.canonicalJSON)"], shape: .param))
                edges.append((param, stage))
            }
        }
        return (nodes, edges)
    }

    static func dot(_ nodes: [Node], _ edges: [(String, String)], title: String) -> String {
        var out = "digraph \(JSONValue.quoted("lineage of " + title)) {\n  rankdir=LR;\n"
        for node in nodes {
            let style: String
            switch node.shape {
            case .stage: style = "shape=box, style=rounded"
            case .file: style = "shape=note"
            case .source: style = "shape=note, style=filled, fillcolor=\"#eeeeee\""
            case .param: style = "shape=plaintext"
            case .target: style = "shape=note, penwidth=2"
            }
            out += "  \(node.id) [label=\(JSONValue.quoted(node.label.joined(separator: "\n"))), \(style)];\n"
        }
        for (from, to) in edges { out += "  \(from) -> \(to);\n" }
        return out + "}\n"
    }

    static func mermaid(_ nodes: [Node], _ edges: [(String, String)]) -> String {
        var out = "flowchart LR\n"
        for node in nodes {
            let label = "\"" + node.label.map(escape).joined(separator: "<br/>") + "\""
            switch node.shape {
            case .stage: out += "  \(node.id)(\(label))\n"
            case .file, .target: out += "  \(node.id)[\(label)]\n"
            case .source: out += "  \(node.id)[/\(label)/]\n"
            case .param: out += "  \(node.id)>\(label)]\n"
            }
        }
        for (from, to) in edges { out += "  \(from) --> \(to)\n" }
        if let target = nodes.first(where: { $0.shape == .target }) { out += "  style \(target.id) stroke-width:3px\n" }
        return out
    }

    /// Mermaid label text: quotes, angle brackets, `#` and `&` as entity codes, so a path never
    /// ends the label or injects markup.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\"": out += "#34;"
            case "<": out += "#60;"
            case ">": out += "#62;"
            case "#": out += "#35;"
            case "&": out += "#38;"
            case "\n", "\r", "\r\n": out += " "
            default: out.append(c)
            }
        }
        return out
    }
}
