import Dispatch
import StudyCore
import Synchronization

/// Drives a `Plan` with Dispatch: ready stages become work items on a concurrent queue, at most
/// `jobs` slots in use, a stage taking `threads` slots (capped at `jobs` so it can still run alone).
///
/// A worker that finishes a stage takes the next ready one itself instead of handing it to a new
/// work item, so a chain of cached stages is checked on one thread without a context switch per stage.
final class Scheduler: Sendable {
    private struct State {
        var plan: Plan
        var freeSlots: Int
        /// A ready stage that did not fit in the free slots; it starts first when slots free up.
        var deferred: Int?
        var stopped = false
    }

    private let state: Mutex<State>
    private let slots: [Int]
    private let queue = DispatchQueue(label: "studyflow.stages", attributes: .concurrent)
    private let group = DispatchGroup()
    private let perform: @Sendable (Int) -> StageStatus
    private let skipped: @Sendable ([Int]) -> Void

    /// A scheduler over `plan`; `perform` runs one stage and returns its status, `skipped` hears of
    /// stages skipped because of a failure.
    init(plan: Plan, jobs: Int, threads: [Int], perform: @escaping @Sendable (Int) -> StageStatus,
         skipped: @escaping @Sendable ([Int]) -> Void) {
        let jobs = max(1, jobs)
        state = Mutex(State(plan: plan, freeSlots: jobs))
        slots = threads.map { min(max(1, $0), jobs) }
        self.perform = perform
        self.skipped = skipped
    }

    /// Runs until every selected stage has a status; blocks the caller (never call from async code).
    func run() -> Plan {
        let first = state.withLock { takeReady(&$0) }
        for id in first { launch(id) }
        group.wait()
        let (plan, rest) = state.withLock { s -> (Plan, [Int]) in
            let rest = s.plan.skipRest()
            return (s.plan, rest)
        }
        if !rest.isEmpty { skipped(rest) }
        return plan
    }

    /// Starts nothing more; running stages finish (the executor is told to stop them separately).
    func stop() {
        state.withLock { $0.stopped = true }
    }

    private func launch(_ id: Int) {
        group.enter()
        queue.async { self.work(startingWith: id) }
    }

    private func work(startingWith id: Int) {
        var current = id
        while true {
            let status = perform(current)
            let (next, skippedNow) = state.withLock { s -> ([Int], [Int]) in
                let skippedNow = s.plan.finish(current, status)
                s.freeSlots += slots[current]
                return (takeReady(&s), skippedNow)
            }
            if !skippedNow.isEmpty { skipped(skippedNow) }
            guard let head = next.first else { break }
            for other in next.dropFirst() { launch(other) }
            current = head
        }
        group.leave()
    }

    /// Ready stages that fit in the free slots, in order; reserves their slots.
    private func takeReady(_ s: inout State) -> [Int] {
        guard !s.stopped else { return [] }
        var taken: [Int] = []
        if let d = s.deferred {
            guard slots[d] <= s.freeSlots else { return [] }
            s.deferred = nil
            s.freeSlots -= slots[d]
            taken.append(d)
        }
        while s.freeSlots > 0, let id = s.plan.nextReady() {
            if slots[id] > s.freeSlots {
                s.deferred = id
                break
            }
            s.freeSlots -= slots[id]
            taken.append(id)
        }
        return taken
    }
}
