import StudyCore

/// The run's state machine, with no I/O (as ninja's `Plan`): which selected stages are ready, and
/// what a finished stage unblocks. The scheduler drives it; tests drive it directly.
public struct Plan: Sendable {
    /// The graph.
    public let graph: StageGraph
    private let selected: [Bool]
    private let keepGoing: Bool
    private var remaining: [Int32]
    private var ready = MinHeap()
    private var status: [StageStatus?]
    private var running = 0
    private var stopped = false
    /// Number of selected stages.
    public let total: Int
    /// Number of selected stages with a status.
    public private(set) var finished = 0

    /// A plan over the `selected` stages of `graph`; `keepGoing` keeps independent branches running after a failure.
    public init(graph: StageGraph, selected: [Bool], keepGoing: Bool) {
        self.graph = graph
        self.selected = selected
        self.keepGoing = keepGoing
        status = [StageStatus?](repeating: nil, count: graph.count)
        remaining = [Int32](repeating: 0, count: graph.count)
        var total = 0
        for id in 0..<graph.count where selected[id] {
            total += 1
            remaining[id] = Int32(graph.dependencies[id].filter { selected[Int($0)] }.count)
            if remaining[id] == 0 { ready.push(Int32(id)) }
        }
        self.total = total
    }

    /// The next stage whose dependencies are all done, or `nil` (none ready now, or the run stopped).
    public mutating func nextReady() -> Int? {
        guard !stopped, let id = ready.pop() else { return nil }
        running += 1
        return Int(id)
    }

    /// Whether every selected stage has a status.
    public var isComplete: Bool { finished == total }

    /// Whether nothing is running and nothing more can start (complete, or stopped after a failure).
    public var isDrained: Bool { running == 0 && (stopped || isComplete) }

    /// The status given to `id`, if it has one.
    public func status(of id: Int) -> StageStatus? { status[id] }

    /// Records how `id` ended and returns the stages this made skipped (downstream of a failure).
    @discardableResult
    public mutating func finish(_ id: Int, _ outcome: StageStatus) -> [Int] {
        running -= 1
        setStatus(id, outcome)
        if outcome.isFailure {
            // An interrupted stage stops the run even under --keep-going: Ctrl-C means stop.
            if !keepGoing || outcome == .interrupted { stopped = true }
            return skipDownstream(of: id)
        }
        for next in graph.dependents[id] where selected[Int(next)] {
            remaining[Int(next)] -= 1
            if remaining[Int(next)] == 0 && status[Int(next)] == nil { ready.push(next) }
        }
        return []
    }

    /// Gives every stage without a status `.skipped` (after a stop or an interrupt) and returns them.
    public mutating func skipRest() -> [Int] {
        var skipped: [Int] = []
        for id in graph.order.map(Int.init) where selected[id] && status[id] == nil {
            setStatus(id, .skipped)
            skipped.append(id)
        }
        stopped = true
        return skipped
    }

    private mutating func setStatus(_ id: Int, _ outcome: StageStatus) {
        if status[id] == nil { finished += 1 }
        status[id] = outcome
    }

    /// - Complexity: O(size of the downstream cone).
    private mutating func skipDownstream(of id: Int) -> [Int] {
        var skipped: [Int] = []
        var stack = graph.dependents[id].map(Int.init)
        while let next = stack.popLast() {
            guard selected[next], status[next] == nil else { continue }
            setStatus(next, .skipped)
            skipped.append(next)
            stack.append(contentsOf: graph.dependents[next].map(Int.init))
        }
        return skipped.sorted()
    }
}
