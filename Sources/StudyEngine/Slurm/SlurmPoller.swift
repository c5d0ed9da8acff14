import Dispatch
import StudyCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a SLURM job ended, as far as the executor can tell.
enum JobEnd: Equatable, Sendable {
    /// The job script recorded this exit status.
    case exited(Int32)
    /// Ended without an exit status of its own: cancelled from outside, killed by its time limit,
    /// lost with its node. `state` is SLURM's final state (`CANCELLED`, `TIMEOUT`, …) when the
    /// controller (or `sacct`) still knows it, `nil` when the job left `squeue` altogether.
    case vanished(state: String?)
    /// `cancelAll` was called while it waited.
    case cancelled
    /// `squeue` kept failing for this long (seconds), with this message.
    case pollFailed(String)
}

/// One poller for every outstanding job, gentle on the controller: completion comes from the
/// status files the job scripts write (one directory listing per tick for all jobs), and
/// `squeue` — one call for every job — runs at most once per `interval` (`--poll-interval`,
/// default 30 s), only to find jobs that died without writing a status (node failure, `scancel`,
/// time limit). `sacct`, when the cluster keeps accounting, gives such a job's final state.
///
/// A status above 128 (the command died of a signal) is checked against SLURM's state at the next
/// `squeue`: `scancel` and time limits signal the job's processes and the wrapper may live to
/// record the signal. Waiters either block in `wait` or get a callback (`watch`), so thousands of
/// array tasks can wait without a thread each.
final class SlurmPoller: Sendable {
    private struct Waiter {
        /// The id squeue and scancel know it by (the key, except for one stage of a group job).
        var job: String
        var statusFile: String
        /// The stage it runs, for notes on why it waits.
        var stage: String
        var notify: @Sendable (JobEnd) -> Void
        /// The queue reason last noted for it (`nil`: none shown).
        var reason: String?
        /// When the job was first seen missing from `squeue` without a status file.
        var absentSince: Double?
        /// SLURM's state when it was last seen (for a job that then vanished).
        var lastState: String?
        /// A status above 128 read from its file, waiting for SLURM's word on who sent the signal.
        var signalled: Int32?
        /// studyflow withdrew it from the queue (`withdraw`): ending without a status is `.cancelled`.
        var withdrawn = false
    }

    private struct State {
        var waiters: [String: Waiter] = [:]
        var polling = false
        var cancelled = false
        /// When `squeue` last ran (monotonic seconds).
        var lastQuery: Double?
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "studyflow.slurm.poller")
    private let interval: Double
    private let tick: Double
    private let lostGrace: Double
    /// Seconds of consecutive `squeue` failures after which waiting jobs fail.
    private let failureLimit: Double
    private let query: @Sendable () -> SlurmQueue?
    private let observer = Mutex<(@Sendable ([StageNote]) -> Void)?>(nil)
    private let accounting: @Sendable ([String]) -> [String: String]?
    private let clock: @Sendable () -> Double

    /// States of a job that has started on a node.
    static let startedStates: Set<String> = ["RUNNING", "COMPLETING", "SUSPENDED", "STOPPED"]
    /// States of a job SLURM put back in the queue after it started (its node failed and the
    /// cluster requeues jobs despite `--no-requeue`): it would run again behind studyflow's back.
    static let requeuedStates: Set<String> = ["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED"]
    /// SLURM job states after which a job runs no more.
    static let finalStates: Set<String> = ["BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL",
                                           "OUT_OF_MEMORY", "PREEMPTED", "TIMEOUT"]
    /// Final states in which SLURM, not the command, ended the job.
    static let killedStates: Set<String> = ["BOOT_FAIL", "CANCELLED", "DEADLINE", "NODE_FAIL", "OUT_OF_MEMORY",
                                            "PREEMPTED", "TIMEOUT"]

    /// A poller reading status files every `tick` seconds (at most `interval`) and calling `query`
    /// (each listed job's state, `nil` when squeue failed) at most once per `interval`;
    /// `accounting` gives final states of jobs that vanished (`nil`: no accounting).
    init(interval: Double, lostGrace: Double, tick: Double = 0.2, failureLimit: Double = 120,
         clock: @escaping @Sendable () -> Double = { SystemClock.monotonicSeconds() },
         accounting: @escaping @Sendable ([String]) -> [String: String]? = { _ in nil },
         queue query: @escaping @Sendable () -> SlurmQueue?) {
        self.interval = max(0.01, interval)
        self.tick = max(0.005, min(tick, self.interval))
        self.lostGrace = lostGrace
        self.failureLimit = failureLimit
        self.query = query
        self.accounting = accounting
        self.clock = clock
    }

    /// A poller whose `query` gives states only (no pending reasons).
    convenience init(interval: Double, lostGrace: Double, tick: Double = 0.2, failureLimit: Double = 120,
                     clock: @escaping @Sendable () -> Double = { SystemClock.monotonicSeconds() },
                     accounting: @escaping @Sendable ([String]) -> [String: String]? = { _ in nil },
                     query: @escaping @Sendable () -> [String: String]?) {
        self.init(interval: interval, lostGrace: lostGrace, tick: tick, failureLimit: failureLimit, clock: clock,
                  accounting: accounting, queue: { query().map { SlurmQueue(states: $0) } })
    }

    /// Sends `observer` every change of a waiting job's notable queue reason (see
    /// `SlurmQueue.notableReason`), one batch per `squeue` call.
    func observe(_ observer: @escaping @Sendable ([StageNote]) -> Void) {
        self.observer.withLock { $0 = observer }
    }

    /// Marks the waiting jobs among `ids` as withdrawn by studyflow (a job that then ends without an
    /// exit status of its own ends `.cancelled`, not as "cancelled from outside"); returns them.
    func withdraw(_ ids: [String]) -> [String] {
        state.withLock { s in
            ids.filter { id in
                guard s.waiters[id] != nil else { return false }
                s.waiters[id]!.withdrawn = true
                return true
            }
        }
    }

    /// Ids of the jobs being waited on.
    func waitingJobs() -> [String] {
        state.withLock { s in s.waiters.keys.sorted() }
    }

    /// Blocks until job `id` ends; `nil` when `cancelAll` came first (the caller cancels the job).
    func wait(for id: String, statusFile: String, stage: String = "") -> JobEnd? {
        let semaphore = DispatchSemaphore(value: 0)
        let end = Mutex<JobEnd?>(nil)
        guard watch(id, statusFile: statusFile, stage: stage, notify: { e in end.withLock { $0 = e }; semaphore.signal() }) else { return nil }
        semaphore.wait()
        return end.withLock { $0 }
    }

    /// Calls `notify` once when job `id` ends (from the poller's thread); false when `cancelAll`
    /// came first (then `notify` is never called and the caller cancels the job).
    /// `job` is the id SLURM knows when it differs from `id` (stages of one group job share it).
    func watch(_ id: String, statusFile: String, stage: String = "", job: String? = nil,
               notify: @escaping @Sendable (JobEnd) -> Void) -> Bool {
        let start: Bool? = state.withLock { s in
            if s.cancelled { return nil }
            s.waiters[id] = Waiter(job: job ?? id, statusFile: statusFile, stage: stage, notify: notify)
            if s.polling { return false }
            s.polling = true
            return true
        }
        guard let start else { return false }
        if start { queue.async { self.poll() } }
        return true
    }

    /// Ends every wait with `.cancelled` and refuses new ones. `cancelJobs` gets the ids that were
    /// waiting and runs before any waiter is released: once the last waiter returns, the run may
    /// exit, and a `scancel` not yet made then would leave the jobs running on the cluster.
    func cancelAll(then cancelJobs: ([String]) -> Void) {
        let waiting: [(id: String, waiter: Waiter)] = state.withLock { s in
            s.cancelled = true
            let waiting = s.waiters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            s.waiters = [:]
            return waiting
        }
        var seen: Set<String> = []
        cancelJobs(waiting.map(\.waiter.job).filter { seen.insert($0).inserted })
        for entry in waiting { entry.waiter.notify(.cancelled) }
    }

    private func poll() {
        var failingSince: Double?
        while true {
            let now = clock()
            let pending: [(id: String, waiter: Waiter)] = state.withLock { s in
                if s.waiters.isEmpty { s.polling = false }
                // The first squeue comes one interval after jobs appear, not at once.
                if s.lastQuery == nil || now - s.lastQuery! > 2 * interval { s.lastQuery = now }
                return s.waiters.map { ($0.key, $0.value) }
            }
            if pending.isEmpty { return }
            var updates = StatusFiles.read(pending.map { ($0.id, $0.waiter.statusFile) })
            if state.withLock({ now - $0.lastQuery! >= interval }) {
                state.withLock { $0.lastQuery = now }
                if let queue = query() {
                    failingSince = nil
                    updates.states = queue.states
                    updates.queue = queue
                } else {
                    let since = failingSince ?? now
                    failingSince = since
                    if now - since >= failureLimit { updates.failure = "squeue has failed for \(Int(now - since)) s" }
                }
            }
            let ended = apply(updates, now: now)
            if let queue = updates.queue { report(queue, ended: ended.map { $0.waiter }) }
            deliver(ended)
            usleep(useconds_t(tick * 1_000_000))
        }
    }

    /// Updates the waiters with what this tick learned; returns the jobs that ended, removed.
    private func apply(_ updates: StatusFiles, now: Double) -> [(id: String, waiter: Waiter, end: JobEnd)] {
        var ended: [(id: String, waiter: Waiter, end: JobEnd)] = []
        var unaccounted: [String] = []
        state.withLock { s in
            for (id, var waiter) in s.waiters {
                var end: JobEnd?
                let slurmState = updates.states?[waiter.job]
                if let failure = updates.failure {
                    end = .pollFailed(failure)
                } else if let status = updates.statuses[id] ?? waiter.signalled {
                    if status <= 128 {
                        end = .exited(status)
                    } else if let states = updates.states {
                        // A signal death SLURM caused (scancel, time limit) is reported as such.
                        let known = states[waiter.job] ?? waiter.lastState
                        if let known, !Self.finalStates.contains(known) {
                            waiter.signalled = status
                        } else {
                            end = known.map(Self.killedStates.contains) == true ? .vanished(state: known) : .exited(status)
                        }
                    } else {
                        waiter.signalled = status
                    }
                } else if updates.states != nil {
                    if let slurmState, !Self.finalStates.contains(slurmState) {
                        waiter.absentSince = nil
                    } else if waiter.absentSince == nil {
                        // A shared file system may show the status file a moment late.
                        waiter.absentSince = now
                    }
                }
                if end == nil, updates.statuses[id] == nil, let slurmState, let last = waiter.lastState,
                   Self.startedStates.contains(last), Self.requeuedStates.contains(slurmState) {
                    // It started, then went back to the queue: its node failed and SLURM requeued it.
                    end = .vanished(state: "REQUEUED")
                }
                if let slurmState { waiter.lastState = slurmState }
                if end == nil, let since = waiter.absentSince, now - since >= lostGrace {
                    end = .vanished(state: waiter.lastState)
                    if waiter.lastState == nil || waiter.lastState == "COMPLETED" { unaccounted.append(waiter.job) }
                }
                if waiter.withdrawn, case .vanished? = end { end = .cancelled }
                if let end {
                    s.waiters[id] = nil
                    ended.append((id, waiter, end))
                } else {
                    s.waiters[id] = waiter
                }
            }
        }
        // sacct (when the cluster keeps accounting) knows why a job that left squeue ended.
        guard !unaccounted.isEmpty, let final = accounting(Set(unaccounted).sorted()) else { return ended }
        return ended.map { entry in
            guard case .vanished = entry.end, let known = final[entry.waiter.job] else { return entry }
            return (entry.id, entry.waiter, .vanished(state: known))
        }
    }

    /// Notes, for the stages whose jobs still wait or just ended, every change of the reason they
    /// wait in the queue.
    private func report(_ queue: SlurmQueue, ended: [Waiter]) {
        guard let observer = observer.withLock({ $0 }) else { return }
        var notes: [StageNote] = []
        state.withLock { s in
            for (id, waiter) in s.waiters where !waiter.stage.isEmpty {
                let reason = queue.notableReason(waiter.job)
                guard reason != waiter.reason else { continue }
                s.waiters[id]?.reason = reason
                notes.append(StageNote(stage: waiter.stage, kind: .queued(reason: reason)))
            }
        }
        for waiter in ended where waiter.reason != nil { notes.append(StageNote(stage: waiter.stage, kind: .queued(reason: nil))) }
        if !notes.isEmpty { observer(notes.sorted { $0.stage < $1.stage }) }
    }

    private func deliver(_ ended: [(id: String, waiter: Waiter, end: JobEnd)]) {
        for entry in ended { entry.waiter.notify(entry.end) }
    }
}

/// What one tick read: the status files found (one directory listing per directory) and, when
/// `squeue` ran, every job's state.
struct StatusFiles {
    var statuses: [String: Int32] = [:]
    var states: [String: String]?
    /// What `squeue` said, when it ran this tick (states and reasons).
    var queue: SlurmQueue?
    var failure: String?

    /// Reads the status files of `jobs` that exist, listing each directory once.
    static func read(_ jobs: [(id: String, file: String)]) -> StatusFiles {
        var byDirectory: [String: [(id: String, name: String)]] = [:]
        for job in jobs {
            let slash = job.file.lastIndex(of: "/")
            let directory = slash.map { String(job.file[..<$0]) } ?? "."
            let name = slash.map { String(job.file[job.file.index(after: $0)...]) } ?? job.file
            byDirectory[directory, default: []].append((job.id, name))
        }
        var result = StatusFiles()
        for (directory, entries) in byDirectory {
            guard let names = try? Set(FileIO.listDirectory(directory)) else { continue }
            for entry in entries where names.contains(entry.name) {
                if let status = status(directory + "/" + entry.name) { result.statuses[entry.id] = status }
            }
        }
        return result
    }

    /// The exit status a job script recorded, if it has.
    static func status(_ file: String) -> Int32? {
        guard let text = FileIO.readText(file) else { return nil }
        return Int32(text.trimmingTrailingNewlines())
    }
}
