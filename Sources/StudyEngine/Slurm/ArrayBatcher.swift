import Dispatch
import StudyCore
import Synchronization

/// Collects ready fan-out instances for a short window and hands each group of one template with
/// equal resources to `submit` as one job array.
///
/// The scheduler hands instances over one by one as it decides them (a few milliseconds each), so
/// a group goes out once no new instance has arrived for `window` seconds, once the oldest has
/// waited `cap` seconds (a steady trickle still goes out), or at once when it fills an array
/// (`MaxArraySize` tasks).
final class ArrayBatcher: Sendable {
    /// Instances that may share one array.
    struct Key: Hashable, Sendable {
        var template: String
        var directory: String
        var threads: Int
        var memory: String?
        var time: String?
    }

    /// One instance waiting to go out.
    struct Entry: Sendable {
        var job: StageJob
        var submission: SlurmSubmission
        var completion: @Sendable (StageExecution) -> Void
    }

    private struct State {
        var groups: [Key: [Entry]] = [:]
        var order: [Key] = []
        var first: Double?
        var last: Double = 0
        var timerArmed = false
        var cancelled = false
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "studyflow.slurm.arrays")
    private let window: Double
    private let cap: Double
    private let chunk: @Sendable () -> Int
    private let submit: @Sendable (Key, [Entry]) -> Void

    /// A batcher calling `submit` (on its own serial queue) with groups of at most `chunk()` entries.
    init(window: Double, cap: Double, chunk: @escaping @Sendable () -> Int, submit: @escaping @Sendable (Key, [Entry]) -> Void) {
        self.window = window
        self.cap = cap
        self.chunk = chunk
        self.submit = submit
    }

    /// Queues `entry`; false after `cancelAll` (the caller completes it as cancelled).
    func add(_ entry: Entry, key: Key) -> Bool {
        let size = chunk()
        let now = SystemClock.monotonicSeconds()
        let (accepted, full, arm): (Bool, [Entry]?, Bool) = state.withLock { s in
            if s.cancelled { return (false, nil, false) }
            if s.groups[key] == nil { s.order.append(key) }
            s.groups[key, default: []].append(entry)
            s.first = s.first ?? now
            s.last = now
            var full: [Entry]?
            if s.groups[key]!.count >= size {
                full = s.groups.removeValue(forKey: key)
                s.order.removeAll { $0 == key }
                if s.groups.isEmpty { s.first = nil }
            }
            let arm = !s.timerArmed && !s.groups.isEmpty
            if arm { s.timerArmed = true }
            return (true, full, arm)
        }
        if let full { queue.async { self.submit(key, full) } }
        if arm { queue.asyncAfter(deadline: .now() + window) { self.expire() } }
        return accepted
    }

    /// Sends every group now.
    func flush() {
        let groups = state.withLock { s -> [(Key, [Entry])] in
            let groups = s.order.compactMap { key in s.groups[key].map { (key, $0) } }
            s.groups = [:]
            s.order = []
            s.first = nil
            return groups
        }
        for (key, entries) in groups { submit(key, entries) }
    }

    /// Refuses new entries and returns the ones still waiting (never submitted).
    func cancelAll() -> [Entry] {
        state.withLock { s in
            s.cancelled = true
            let waiting = s.order.flatMap { s.groups[$0] ?? [] }
            s.groups = [:]
            s.order = []
            return waiting
        }
    }

    /// Takes the entries still waiting (never submitted) out; later ones are accepted as before.
    func withdraw() -> [Entry] {
        state.withLock { s in
            let waiting = s.order.flatMap { s.groups[$0] ?? [] }
            s.groups = [:]
            s.order = []
            s.first = nil
            return waiting
        }
    }

    private func expire() {
        let now = SystemClock.monotonicSeconds()
        let wait: Double? = state.withLock { s in
            guard !s.groups.isEmpty else { s.timerArmed = false; return nil }
            let quiet = now - s.last, age = now - (s.first ?? now)
            if quiet >= window || age >= cap { s.timerArmed = false; return 0 }
            return min(window - quiet, cap - age)
        }
        guard let wait else { return }
        if wait <= 0 { flush() } else { queue.asyncAfter(deadline: .now() + wait) { self.expire() } }
        // Another arrival after the flush arms a new timer in `add`.
        if wait <= 0 { rearmIfNeeded() }
    }

    private func rearmIfNeeded() {
        let arm = state.withLock { s -> Bool in
            guard !s.timerArmed, !s.groups.isEmpty else { return false }
            s.timerArmed = true
            return true
        }
        if arm { queue.asyncAfter(deadline: .now() + window) { self.expire() } }
    }
}
