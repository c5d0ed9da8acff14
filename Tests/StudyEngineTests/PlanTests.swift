import StudyCore
import StudyEngine
import Testing

/// `Plan`, the scheduler's pure state machine, driven by hand on graphs built in memory.
@Suite("Plan")
struct PlanTests {
    /// A graph from each stage's dependencies (ids must already be in topological order).
    private func graph(_ dependencies: [[Int32]]) -> StageGraph {
        var dependents = [[Int32]](repeating: [], count: dependencies.count)
        for (id, deps) in dependencies.enumerated() {
            for dep in deps { dependents[Int(dep)].append(Int32(id)) }
        }
        return StageGraph(count: dependencies.count, dependencies: dependencies, dependents: dependents,
                          inputProducers: dependencies, order: (0..<dependencies.count).map(Int32.init))
    }

    /// 0 -> 1, 0 -> 2, {1, 2} -> 3.
    private var diamond: StageGraph { graph([[], [0], [0], [1, 2]]) }

    private func all(_ graph: StageGraph) -> [Bool] { [Bool](repeating: true, count: graph.count) }

    /// Drains every ready stage.
    private func takeAll(_ plan: inout Plan) -> [Int] {
        var ids: [Int] = []
        while let id = plan.nextReady() { ids.append(id) }
        return ids
    }

    @Test("only stages without dependencies are ready at first")
    func initialReady() {
        var plan = Plan(graph: diamond, selected: all(diamond), keepGoing: false)
        #expect(plan.total == 4)
        #expect(plan.finished == 0)
        #expect(!plan.isComplete)
        #expect(takeAll(&plan) == [0])
    }

    @Test("finishing a stage makes the stages whose dependencies are all done ready, in declaration order")
    func finishUnblocks() {
        var plan = Plan(graph: diamond, selected: all(diamond), keepGoing: false)
        #expect(plan.nextReady() == 0)
        #expect(plan.finish(0, .ran) == [])
        #expect(takeAll(&plan) == [1, 2])
        plan.finish(2, .cached)
        #expect(plan.nextReady() == nil)
        plan.finish(1, .restored)
        #expect(takeAll(&plan) == [3])
        #expect(!plan.isComplete)
        #expect(!plan.isDrained)
        plan.finish(3, .ran)
        #expect(plan.isComplete)
        #expect(plan.isDrained)
        #expect(plan.finished == 4)
        #expect((0..<4).map { plan.status(of: $0) } == [.ran, .restored, .cached, .ran])
    }

    @Test("a ready stage is handed out once")
    func readyOnce() {
        var plan = Plan(graph: graph([[], [], []]), selected: [true, true, true], keepGoing: false)
        #expect(takeAll(&plan) == [0, 1, 2])
        #expect(plan.nextReady() == nil)
    }

    @Test("ready stages come out smallest id first whatever order they became ready in")
    func readyOrder() {
        // 0 and 1 are roots; 4 depends on 1, 2 and 3 on 0.
        var plan = Plan(graph: graph([[], [], [0], [0], [1]]), selected: [Bool](repeating: true, count: 5), keepGoing: false)
        #expect(takeAll(&plan) == [0, 1])
        plan.finish(1, .ran)
        plan.finish(0, .ran)
        #expect(takeAll(&plan) == [2, 3, 4])
    }

    @Test("a failure without keep-going stops the plan and skips the failed stage's downstream")
    func failFast() {
        // 0 -> 1 -> 3, 2 independent.
        var plan = Plan(graph: graph([[], [0], [], [1]]), selected: [true, true, true, true], keepGoing: false)
        #expect(takeAll(&plan) == [0, 2])
        #expect(plan.finish(0, .failed) == [1, 3])
        #expect(plan.status(of: 1) == .skipped)
        #expect(plan.status(of: 3) == .skipped)
        #expect(plan.nextReady() == nil)
        #expect(!plan.isDrained)  // 2 is still running
        plan.finish(2, .ran)
        #expect(plan.isDrained)
        #expect(plan.isComplete)
    }

    @Test("after a fail-fast stop, stages that were not reached are left for skipRest")
    func failFastLeavesRest() {
        // 0 and 1 independent roots; 2 depends on 1.
        var plan = Plan(graph: graph([[], [], [1]]), selected: [true, true, true], keepGoing: false)
        #expect(plan.nextReady() == 0)
        #expect(plan.finish(0, .failed) == [])
        #expect(plan.nextReady() == nil)
        #expect(plan.isDrained)
        #expect(!plan.isComplete)
        #expect(plan.skipRest() == [1, 2])
        #expect(plan.isComplete)
        #expect(plan.status(of: 0) == .failed)
        #expect(plan.status(of: 1) == .skipped)
    }

    @Test("keep-going keeps independent branches running and skips only the failure's downstream")
    func keepGoing() {
        // 0 -> 1 -> 2; 3 -> 4.
        var plan = Plan(graph: graph([[], [0], [1], [], [3]]), selected: [Bool](repeating: true, count: 5), keepGoing: true)
        #expect(takeAll(&plan) == [0, 3])
        #expect(plan.finish(0, .failed) == [1, 2])
        #expect(plan.nextReady() == nil)
        plan.finish(3, .ran)
        #expect(takeAll(&plan) == [4])
        plan.finish(4, .ran)
        #expect(plan.isComplete)
        #expect((0..<5).map { plan.status(of: $0) } == [.failed, .skipped, .skipped, .ran, .ran])
    }

    @Test("an interrupted stage stops the plan even with keep-going, and skips its downstream")
    func interruptedStops() {
        // 0 -> 1 -> 2; 3 -> 4.
        var plan = Plan(graph: graph([[], [0], [1], [], [3]]), selected: [Bool](repeating: true, count: 5), keepGoing: true)
        #expect(takeAll(&plan) == [0, 3])
        #expect(plan.finish(0, .interrupted) == [1, 2])
        plan.finish(3, .ran)
        #expect(plan.nextReady() == nil)
        #expect(plan.isDrained)
        #expect(plan.skipRest() == [4])
        #expect((0..<5).map { plan.status(of: $0) } == [.interrupted, .skipped, .skipped, .ran, .skipped])
    }

    @Test("a stage downstream of a failure through several paths is skipped once")
    func skipDiamondOnce() {
        var plan = Plan(graph: diamond, selected: all(diamond), keepGoing: true)
        #expect(plan.nextReady() == 0)
        #expect(plan.finish(0, .failed) == [1, 2, 3])
        #expect(plan.finished == 4)
        #expect(plan.isComplete)
    }

    @Test("a stage whose other dependency fails later is not handed out")
    func skippedNotReady() {
        var plan = Plan(graph: diamond, selected: all(diamond), keepGoing: true)
        #expect(plan.nextReady() == 0)
        plan.finish(0, .ran)
        #expect(takeAll(&plan) == [1, 2])
        plan.finish(1, .ran)
        #expect(plan.finish(2, .failed) == [3])
        #expect(plan.nextReady() == nil)
        #expect(plan.status(of: 3) == .skipped)
        #expect(plan.isComplete)
    }

    @Test("skipRest marks every stage without a status skipped, in topological order, and stops")
    func skipRest() {
        var plan = Plan(graph: diamond, selected: all(diamond), keepGoing: false)
        #expect(plan.nextReady() == 0)
        plan.finish(0, .ran)
        #expect(plan.skipRest() == [1, 2, 3])
        #expect(plan.isComplete)
        #expect(plan.nextReady() == nil)
        #expect(plan.skipRest() == [])
    }

    @Test("unselected stages are neither counted nor handed out, and do not block")
    func selection() {
        // Selecting 0 and 2 only (the upstream closure of 2).
        var plan = Plan(graph: diamond, selected: [true, false, true, false], keepGoing: false)
        #expect(plan.total == 2)
        #expect(plan.nextReady() == 0)
        plan.finish(0, .ran)
        #expect(takeAll(&plan) == [2])
        plan.finish(2, .ran)
        #expect(plan.isComplete)
        #expect(plan.status(of: 1) == nil)
        #expect(plan.status(of: 3) == nil)
    }

    @Test("a stage whose dependencies are not selected is ready at once")
    func unselectedDependency() {
        var plan = Plan(graph: diamond, selected: [false, true, false, true], keepGoing: false)
        #expect(takeAll(&plan) == [1])
        plan.finish(1, .ran)
        #expect(takeAll(&plan) == [3])
    }

    @Test("an empty selection is complete and drained from the start")
    func emptySelection() {
        var plan = Plan(graph: diamond, selected: [false, false, false, false], keepGoing: false)
        #expect(plan.total == 0)
        #expect(plan.isComplete)
        #expect(plan.isDrained)
        #expect(plan.nextReady() == nil)
    }

    @Test("a 100,000-stage chain is handed out in order without recursion")
    func longChain() {
        let n = 100_000
        let chain = graph((0..<n).map { $0 == 0 ? [] : [Int32($0 - 1)] })
        var plan = Plan(graph: chain, selected: [Bool](repeating: true, count: n), keepGoing: false)
        var order: [Int] = []
        order.reserveCapacity(n)
        while let id = plan.nextReady() {
            order.append(id)
            plan.finish(id, .cached)
        }
        #expect(order == Array(0..<n))
        #expect(plan.isComplete)

        var failing = Plan(graph: chain, selected: [Bool](repeating: true, count: n), keepGoing: true)
        #expect(failing.nextReady() == 0)
        #expect(failing.finish(0, .failed).count == n - 1)
        #expect(failing.isComplete)
    }
}
