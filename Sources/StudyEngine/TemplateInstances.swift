import StudyCore

/// The fan-out instances a run may hand to its executor, by template, for `Executor.expect`.
enum TemplateInstances {
    /// The selected instances of each template, as stage ids in declaration order. A template with
    /// an instance downstream of another instance of it is left out: holding the first until the
    /// second is ready would wait forever.
    /// - Complexity: O(templates × (stages + edges)) at worst; one traversal per template.
    static func independent(workflow: Workflow, graph: StageGraph, selected: [Bool]) -> [String: [String]] {
        var instances: [String: [Int]] = [:]
        var order: [String] = []
        for id in 0..<graph.count where selected[id] {
            guard let template = workflow.template(of: id) else { continue }
            if instances[template] == nil { order.append(template) }
            instances[template, default: []].append(id)
        }
        var result: [String: [String]] = [:]
        for template in order {
            let ids = instances[template]!
            guard !reachesItself(ids, graph: graph) else { continue }
            result[template] = ids.map { workflow.stages[$0].id }
        }
        return result
    }

    /// Whether a stage downstream of one of `ids` is one of `ids`.
    private static func reachesItself(_ ids: [Int], graph: StageGraph) -> Bool {
        var members = [Bool](repeating: false, count: graph.count)
        for id in ids { members[id] = true }
        var seen = [Bool](repeating: false, count: graph.count)
        var stack = ids.flatMap { graph.dependents[$0].map(Int.init) }
        while let id = stack.popLast() {
            if members[id] { return true }
            if seen[id] { continue }
            seen[id] = true
            stack.append(contentsOf: graph.dependents[id].map(Int.init))
        }
        return false
    }
}
