import Dispatch
import StudyCore
import Synchronization

/// Drives a `Plan` with Dispatch: ready stages become work items on a concurrent queue, at most
/// `jobs` slots in use, a stage taking `threads` slots (capped at `jobs` so it can still run alone).
///
/// A worker that finishes a stage takes the next ready one itself instead of handing it to a new
/// work item, so a chain of cached stages is checked on one thread without a context switch per stage.
///
/// Each worker runs on its own serial queue (a "lane"): serial queues are overcommitting in
/// libdispatch, so a worker blocked on a child process never keeps another from getting a thread,
/// and `jobs` concurrent stages are really reached (a shared concurrent queue is capped near the
/// processor count while its threads block).
///
/// A stage whose executor completes it later (`perform` returns `nil`: a SLURM job array task)
/// gives its slots back at once and finishes through the `later` callback: the slots bound the
/// work done in this process, and a batch system bounds what runs on the cluster (the array
/// throttle `%N`). Thousands of such stages can be outstanding without holding a thread each.
final class Scheduler: Sendable {
    private struct State {
        var plan: Plan
        var freeSlots: Int
        /// A ready stage that did not fit in the free slots; it starts first when slots free up.
        var deferred: Int?
        var stopped = false
        var freeLanes: [Int]
    }

    private let state: Mutex<State>
    private let slots: [Int]
    private let lanes: [DispatchQueue]
    /// Used only if more workers than lanes were ever active at once (cannot happen while every
    /// running stage holds at least one slot).
    private let overflow = DispatchQueue(label: "studyflow.stages", attributes: .concurrent)
    private let group = DispatchGroup()
    private let perform: @Sendable (Int, @escaping @Sendable (StageStatus) -> Void) -> StageStatus?
    private let skipped: @Sendable ([Int]) -> Void

    /// A scheduler over `plan`; `perform` runs one stage and returns its status, or returns `nil`
    /// and calls its second argument with the status later; `skipped` hears of stages skipped
    /// because of a failure.
    init(plan: Plan, jobs: Int, threads: [Int], perform: @escaping @Sendable (Int, @escaping @Sendable (StageStatus) -> Void) -> StageStatus?,
         skipped: @escaping @Sendable ([Int]) -> Void) {
        let jobs = max(1, jobs)
        let laneCount = min(jobs, 1024)
        lanes = (0..<laneCount).map { DispatchQueue(label: "studyflow.lane.\($0)") }
        state = Mutex(State(plan: plan, freeSlots: jobs, freeLanes: Array((0..<laneCount).reversed())))
        slots = threads.map { min(max(1, $0), jobs) }
        self.perform = perform
        self.skipped = skipped
    }

    /// Runs until every selected stage has a status; blocks the caller (never call from async code).
    func run() -> Plan {
        let first = state.withLock { s in takeReady(&s).map { ($0, s.freeLanes.popLast()) } }
        for (id, lane) in first { launch(id, lane: lane) }
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

    private func launch(_ id: Int, lane: Int?) {
        group.enter()
        (lane.map { lanes[$0] } ?? overflow).async { self.work(startingWith: id, lane: lane) }
    }

    private func work(startingWith id: Int, lane: Int?) {
        var current = id
        while true {
            let stage = current
            group.enter()
            let status = perform(stage) { [self] status in finishLater(stage, status) }
            let (next, skippedNow) = state.withLock { s -> ([(Int, Int?)], [Int]) in
                let skippedNow = status.map { s.plan.finish(stage, $0) } ?? []
                s.freeSlots += slots[current]
                let ready = takeReady(&s)
                guard let head = ready.first else {
                    if let lane { s.freeLanes.append(lane) }
                    return ([], skippedNow)
                }
                return ([(head, lane)] + ready.dropFirst().map { ($0, s.freeLanes.popLast()) }, skippedNow)
            }
            if !skippedNow.isEmpty { skipped(skippedNow) }
            if status != nil { group.leave() }
            guard let head = next.first else { break }
            for (other, otherLane) in next.dropFirst() { launch(other, lane: otherLane) }
            current = head.0
        }
        group.leave()
    }

    /// A stage its executor completed later: its slots were given back when it was handed over.
    private func finishLater(_ id: Int, _ status: StageStatus) {
        let (ready, skippedNow) = state.withLock { s -> ([(Int, Int?)], [Int]) in
            let skippedNow = s.plan.finish(id, status)
            return (takeReady(&s).map { ($0, s.freeLanes.popLast()) }, skippedNow)
        }
        if !skippedNow.isEmpty { skipped(skippedNow) }
        for (other, lane) in ready { launch(other, lane: lane) }
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
