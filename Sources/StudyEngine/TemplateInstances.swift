import StudyCore

/// The fan-out instances a run may hand to its executor, by template, for `Executor.expect`.
enum TemplateInstances {
    /// The selected instances of each template, as stage ids in declaration order, for the
    /// templates that can be held safely. Holding a template makes each of its instances wait for
    /// all of them to be ready: in the graph where each template's instances are one node, a
    /// template on a cycle (an instance downstream of a sibling, or of a template downstream of
    /// it) would wait forever, so it is left out.
    /// - Complexity: O(stages + edges).
    static func independent(workflow: Workflow, graph: StageGraph, selected: [Bool]) -> [String: [String]] {
        var instances: [String: [Int]] = [:]
        var order: [String] = []
        var node = Array(0..<graph.count)
        for id in 0..<graph.count where selected[id] {
            guard let template = workflow.template(of: id) else { continue }
            if instances[template] == nil { order.append(template) }
            instances[template, default: []].append(id)
            node[id] = graph.count + order.count - 1
        }
        var edges = [[Int]](repeating: [], count: graph.count + order.count)
        for id in 0..<graph.count {
            for dependent in graph.dependents[id] { edges[node[id]].append(node[Int(dependent)]) }
        }
        let cyclic = onCycles(edges)
        var result: [String: [String]] = [:]
        for (index, template) in order.enumerated() where !cyclic[graph.count + index] {
            result[template] = instances[template]!.map { workflow.stages[$0].id }
        }
        return result
    }

    /// For each node of `edges`, whether it lies on a cycle (a self-loop or a strongly connected
    /// component of two or more nodes); Tarjan's algorithm, without recursion.
    static func onCycles(_ edges: [[Int]]) -> [Bool] {
        let count = edges.count
        var index = [Int](repeating: -1, count: count), low = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count), cyclic = [Bool](repeating: false, count: count)
        var stack: [Int] = [], next = 0
        for root in 0..<count where index[root] < 0 {
            var frames: [(node: Int, edge: Int)] = [(root, 0)]
            index[root] = next; low[root] = next; next += 1
            stack.append(root); onStack[root] = true
            while let (v, e) = frames.last {
                if e < edges[v].count {
                    frames[frames.count - 1].edge += 1
                    let w = edges[v][e]
                    if w == v { cyclic[v] = true }
                    if index[w] < 0 {
                        index[w] = next; low[w] = next; next += 1
                        stack.append(w); onStack[w] = true
                        frames.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last?.node { low[parent] = min(low[parent], low[v]) }
                guard low[v] == index[v] else { continue }
                var component: [Int] = []
                while let w = stack.popLast() {
                    onStack[w] = false
                    component.append(w)
                    if w == v { break }
                }
                if component.count > 1 { for w in component { cyclic[w] = true } }
            }
        }
        return cyclic
    }
}
