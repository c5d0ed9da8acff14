/// The stage graph: dense integer ids (a stage's index in `Workflow.stages`), edges derived from
/// paths, a topological order and selections. Every algorithm is iterative, so a 100,000-deep
/// chain needs no deep recursion.
public struct StageGraph: Sendable, Equatable {
    /// Number of stages.
    public let count: Int
    /// For each stage, the stages that write something it reads (sorted, unique).
    public let dependencies: StageLists
    /// For each stage, the stages that read something it writes (sorted, unique).
    public let dependents: StageLists
    /// For each stage and each declared input, the stage that writes it, or -1 for a source file.
    public let inputProducers: StageLists
    /// Stages in an order where every stage follows its dependencies; ties by declaration order.
    public let order: [Int32]

    /// Builds the graph of `workflow`; returns the cycle instead when there is one.
    /// - Complexity: O(stages + artifacts × path depth).
    public static func build(_ workflow: Workflow) -> Result<StageGraph, DependencyCycle> {
        build(workflow, outputs: OutputTable(workflow.stages), commandWords: workflow.stages.map(CommandWords.candidates))
    }

    /// `build(_:)` over the validator's table of outputs and each stage's `CommandWords.candidates`,
    /// which the loader computed already.
    static func build(_ workflow: Workflow, outputs: OutputTable, commandWords: [[String]]) -> Result<StageGraph, DependencyCycle> {
        var dependencies: [[Int32]] = []
        var inputProducers: [[Int32]] = []
        dependencies.reserveCapacity(workflow.stages.count)
        inputProducers.reserveCapacity(workflow.stages.count)
        // Stages are read field by field: copying a whole `Stage` per step showed in profiles.
        let stages = workflow.stages
        for id in stages.indices {
            var producers: [Int32] = []
            var deps: [Int32] = []
            let inputs = stages[id].inputs
            producers.reserveCapacity(inputs.count)
            for input in inputs {
                let producer = outputs.producer(of: input.path) ?? -1
                producers.append(producer == Int32(id) ? -1 : producer)
                if producer >= 0, producer != Int32(id) { deps.append(producer) }
            }
            for word in commandWords[id] {
                if let producer = outputs.producer(of: word), producer != Int32(id) { deps.append(producer) }
            }
            inputProducers.append(producers)
            // Sorted and without repeats, without a Set per stage.
            deps.sort()
            var unique = 0
            for i in deps.indices where unique == 0 || deps[unique - 1] != deps[i] {
                deps[unique] = deps[i]
                unique += 1
            }
            deps.removeLast(deps.count - unique)
            dependencies.append(deps)
        }
        var dependents = [[Int32]](repeating: [], count: workflow.stages.count)
        for (id, deps) in dependencies.enumerated() {
            for dep in deps { dependents[Int(dep)].append(Int32(id)) }
        }
        let order = topologicalOrder(dependencies: dependencies, dependents: dependents)
        if order.count < workflow.stages.count {
            return .failure(DependencyCycle(stages: findCycle(dependencies: dependencies, placed: order, count: workflow.stages.count)))
        }
        return .success(StageGraph(count: workflow.stages.count, dependencies: dependencies, dependents: dependents,
                                   inputProducers: inputProducers, order: order))
    }

    /// Creates a graph from parts already computed.
    public init(count: Int, dependencies: [[Int32]], dependents: [[Int32]], inputProducers: [[Int32]], order: [Int32]) {
        self.init(count: count, dependencies: StageLists(dependencies), dependents: StageLists(dependents),
                  inputProducers: StageLists(inputProducers), order: order)
    }

    /// Creates a graph from flat lists already computed (e.g. read back from the compiled-workflow cache).
    public init(count: Int, dependencies: StageLists, dependents: StageLists, inputProducers: StageLists, order: [Int32]) {
        self.count = count
        self.dependencies = dependencies
        self.dependents = dependents
        self.inputProducers = inputProducers
        self.order = order
    }

    /// Kahn's algorithm with a min-ordered frontier, so the order is stable across runs.
    /// - Complexity: O(V + E log V).
    static func topologicalOrder(dependencies: [[Int32]], dependents: [[Int32]]) -> [Int32] {
        var remaining = dependencies.map(\.count)
        var ready = MinHeap()
        for (id, n) in remaining.enumerated() where n == 0 { ready.push(Int32(id)) }
        var order: [Int32] = []
        order.reserveCapacity(dependencies.count)
        while let id = ready.pop() {
            order.append(id)
            for next in dependents[Int(id)] {
                remaining[Int(next)] -= 1
                if remaining[Int(next)] == 0 { ready.push(next) }
            }
        }
        return order
    }

    /// One cycle among the stages Kahn's algorithm could not place, in data-flow order, starting
    /// at its first-declared stage.
    /// - Complexity: O(V + E).
    static func findCycle(dependencies: [[Int32]], placed: [Int32], count: Int) -> [Int] {
        var isPlaced = [Bool](repeating: false, count: count)
        for id in placed { isPlaced[Int(id)] = true }
        // Every unplaced stage has an unplaced dependency; walking those must revisit a stage.
        guard var current = (0..<count).first(where: { !isPlaced[$0] }) else { return [] }
        var seenAt = [Int](repeating: -1, count: count)
        var path: [Int] = []
        while seenAt[current] < 0 {
            seenAt[current] = path.count
            path.append(current)
            current = Int(dependencies[current].first { !isPlaced[Int($0)] }!)
        }
        // path[i+1] depends on… reversed: each stage's dependency follows it, so flip to data-flow order.
        var cycle = Array(path[seenAt[current]...].reversed())
        let start = cycle.indices.min { cycle[$0] < cycle[$1] }!
        cycle = Array(cycle[start...] + cycle[..<start])
        return cycle
    }

    /// `targets` and every stage they depend on, transitively.
    /// - Complexity: O(V + E).
    public func upstreamClosure(of targets: [Int]) -> [Bool] {
        walk(from: targets, edges: dependencies)
    }

    /// `roots` and every stage that depends on them, transitively.
    /// - Complexity: O(V + E).
    public func downstreamCone(of roots: [Int]) -> [Bool] {
        walk(from: roots, edges: dependents)
    }

    private func walk(from starts: [Int], edges: StageLists) -> [Bool] {
        var marked = [Bool](repeating: false, count: count)
        var stack = starts
        for s in starts { marked[s] = true }
        while let id = stack.popLast() {
            for next in edges[id] where !marked[Int(next)] {
                marked[Int(next)] = true
                stack.append(Int(next))
            }
        }
        return marked
    }
}

/// A dependency cycle, as stage ids in data-flow order: `a -> b -> c -> a`.
public struct DependencyCycle: Error, Equatable, Sendable {
    /// Dense ids of the stages on the cycle, first-declared first.
    public let stages: [Int]

    /// `dependency cycle: a -> b -> c -> a`.
    public func message(in workflow: Workflow) -> String {
        let names = stages.map { workflow.stages[$0].id }
        return "dependency cycle: " + (names + [names[0]]).joined(separator: " -> ")
    }
}

/// A binary heap of stage ids, smallest first: ready stages start in declaration order.
public struct MinHeap: Sendable {
    private var items: [Int32] = []

    /// An empty heap.
    public init() {}

    /// Adds `x`.
    public mutating func push(_ x: Int32) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent] <= items[i] { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    /// Removes and returns the smallest id.
    public mutating func pop() -> Int32? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return first
    }
}
