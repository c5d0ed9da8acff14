import Dispatch
import StudyCore
import Synchronization

/// Collects ready fan-out instances and hands each group of one template with equal resources to
/// `submit` as one job array.
///
/// A template whose instances the run announced (`expect`) is held until every announced
/// instance has either arrived or settled without a job (up to date, skipped after an upstream
/// failed, taken over from an earlier run): then all of its groups go out at once, so a template
/// costs one `sbatch` however far apart its instances' upstreams finish. A held group that fills
/// an array (`chunk()` tasks) goes out at once. Other groups (no announcement, retries after the
/// release, `group:` collections) go out once no new instance has arrived for `window` seconds,
/// or once the oldest has waited `cap` seconds (a steady trickle still goes out).
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
        /// Template → announced instances that have neither arrived nor settled.
        var awaited: [String: Set<String>] = [:]
        /// Instance → its template, for the announced instances.
        var templateOf: [String: String] = [:]
        var first: Double?
        var last: Double = 0
        var timerArmed = false
        var cancelled = false

        func isHeld(_ template: String) -> Bool { !(awaited[template]?.isEmpty ?? true) }

        /// Whether any group waits for the timer (not held).
        var hasTimed: Bool { order.contains { !isHeld($0.template) } }

        /// Takes the groups of `template` out, in arrival order.
        mutating func take(template: String) -> [(Key, [Entry])] {
            let keys = order.filter { $0.template == template }
            order.removeAll { $0.template == template }
            return keys.compactMap { key in groups.removeValue(forKey: key).map { (key, $0) } }
        }

        /// Every waiting entry, in arrival order; nothing is held or awaited afterwards.
        mutating func drain() -> [Entry] {
            let waiting = order.flatMap { groups[$0] ?? [] }
            groups = [:]
            order = []
            first = nil
            awaited = [:]
            templateOf = [:]
            return waiting
        }

        /// Marks `stage` arrived or settled; the groups of its template when that was the last one awaited.
        mutating func resolve(_ stage: String) -> [(Key, [Entry])] {
            guard let template = templateOf.removeValue(forKey: stage) else { return [] }
            awaited[template]?.remove(stage)
            guard awaited[template]?.isEmpty == true else { return [] }
            awaited[template] = nil
            return take(template: template)
        }
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

    /// Announces the instances (stage ids by template) this run may hand over; each template is
    /// held until all of its instances arrived or settled. Replaces an earlier announcement of a template.
    func expect(_ instances: [String: [String]]) {
        state.withLock { s in
            guard !s.cancelled else { return }
            for (template, stages) in instances where !stages.isEmpty {
                s.awaited[template] = Set(stages)
                for stage in stages { s.templateOf[stage] = template }
            }
        }
    }

    /// Instance `stage` will not arrive (it settled without a job, or went another way); its
    /// template's groups go out when it was the last one awaited.
    func settle(_ stage: String) {
        let released = state.withLock { $0.resolve(stage) }
        send(released)
    }

    /// Queues `entry`; false after `cancelAll` (the caller completes it as cancelled).
    func add(_ entry: Entry, key: Key) -> Bool {
        let size = chunk()
        let now = SystemClock.monotonicSeconds()
        let (accepted, ready, arm): (Bool, [(Key, [Entry])], Bool) = state.withLock { s in
            if s.cancelled { return (false, [], false) }
            if s.groups[key] == nil { s.order.append(key) }
            s.groups[key, default: []].append(entry)
            var ready = s.resolve(entry.job.stage)
            if ready.isEmpty, s.groups[key]!.count >= size {
                // A full array goes out at once, held or not.
                ready = [(key, s.groups.removeValue(forKey: key)!)]
                s.order.removeAll { $0 == key }
            } else if ready.isEmpty, !s.isHeld(key.template) {
                s.first = s.first ?? now
                s.last = now
            }
            if !s.hasTimed { s.first = nil }
            let arm = !s.timerArmed && s.hasTimed
            if arm { s.timerArmed = true }
            return (true, ready, arm)
        }
        send(ready)
        if arm { queue.asyncAfter(deadline: .now() + window) { self.expire() } }
        return accepted
    }

    private func send(_ groups: [(Key, [Entry])]) {
        guard !groups.isEmpty else { return }
        queue.async { for (key, entries) in groups { self.submit(key, entries) } }
    }

    /// Sends every group the timer waits for now (held templates stay).
    private func flush() {
        let groups = state.withLock { s -> [(Key, [Entry])] in
            let keys = s.order.filter { !s.isHeld($0.template) }
            let sent = Set(keys)
            s.order.removeAll { sent.contains($0) }
            s.first = nil
            return keys.compactMap { key in s.groups.removeValue(forKey: key).map { (key, $0) } }
        }
        for (key, entries) in groups { submit(key, entries) }
    }

    /// Refuses new entries and returns the ones still waiting (never submitted).
    func cancelAll() -> [Entry] {
        state.withLock { s in
            s.cancelled = true
            return s.drain()
        }
    }

    /// Takes the entries still waiting (never submitted) out and stops holding: the run stops
    /// after a failure, so held instances' siblings will not come. Later entries are accepted as before.
    func withdraw() -> [Entry] {
        state.withLock { $0.drain() }
    }

    private func expire() {
        let now = SystemClock.monotonicSeconds()
        let wait: Double? = state.withLock { s in
            guard s.hasTimed else { s.timerArmed = false; return nil }
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
            guard !s.timerArmed, s.hasTimed else { return false }
            s.timerArmed = true
            return true
        }
        if arm { queue.asyncAfter(deadline: .now() + window) { self.expire() } }
    }
}
