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
    /// controller still lists it, `nil` when the job left `squeue` altogether.
    case vanished(state: String?)
    /// `cancelAll` was called while it waited.
    case cancelled
    /// `squeue` kept failing for this long (seconds), with this message.
    case pollFailed(String)
}

/// One poller for every outstanding job: each interval it asks `squeue` once for the whole batch
/// and reads the status files of the jobs that left it, so a hundred waiting workers cost one
/// `squeue` per interval, not a hundred. Workers block in `wait` until their job ends.
///
/// A job ends for the executor once `squeue` no longer shows it active (so its CPUs are free and
/// the next submission starts at once); its status file then gives the exit status. A status
/// above 128 (the command died of a signal) is checked against SLURM's final state: `scancel`
/// and time limits signal the job's processes and the wrapper may live to record the signal.
final class SlurmPoller: Sendable {
    private struct Waiter {
        var statusFile: String
        var semaphore: DispatchSemaphore
        var end: JobEnd?
        /// When the job was first seen missing from `squeue` without a status file.
        var absentSince: Double?
    }

    private struct State {
        var waiters: [String: Waiter] = [:]
        var polling = false
        var cancelled = false
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "studyflow.slurm.poller")
    private let interval: Double
    private let lostGrace: Double
    /// Seconds of consecutive `squeue` failures after which waiting jobs fail.
    private let failureLimit: Double
    private let query: @Sendable () -> [String: String]?

    /// SLURM job states after which a job runs no more.
    static let finalStates: Set<String> = ["BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL",
                                           "OUT_OF_MEMORY", "PREEMPTED", "TIMEOUT"]
    /// Final states in which SLURM, not the command, ended the job.
    static let killedStates: Set<String> = ["BOOT_FAIL", "CANCELLED", "DEADLINE", "NODE_FAIL", "OUT_OF_MEMORY",
                                            "PREEMPTED", "TIMEOUT"]

    /// A poller calling `query` (each listed job's state, `nil` when squeue failed) every `interval` seconds.
    init(interval: Double, lostGrace: Double, failureLimit: Double = 120, query: @escaping @Sendable () -> [String: String]?) {
        self.interval = max(0.01, interval)
        self.lostGrace = lostGrace
        self.failureLimit = failureLimit
        self.query = query
    }

    /// Blocks until job `id` ends; `nil` when `cancelAll` came first (the caller cancels the job).
    func wait(for id: String, statusFile: String) -> JobEnd? {
        let semaphore = DispatchSemaphore(value: 0)
        let start: Bool? = state.withLock { s in
            if s.cancelled { return nil }
            s.waiters[id] = Waiter(statusFile: statusFile, semaphore: semaphore)
            if s.polling { return false }
            s.polling = true
            return true
        }
        guard let start else { return nil }
        if start { queue.async { self.poll() } }
        semaphore.wait()
        return state.withLock { $0.waiters.removeValue(forKey: id)?.end } ?? .cancelled
    }

    /// Ends every wait with `.cancelled` and refuses new ones. `cancelJobs` gets the ids that were
    /// waiting and runs before any waiter is released: once the last waiter returns, the run may
    /// exit, and a `scancel` not yet made then would leave the jobs running on the cluster.
    func cancelAll(then cancelJobs: ([String]) -> Void) {
        let waiting: [(id: String, semaphore: DispatchSemaphore)] = state.withLock { s in
            s.cancelled = true
            var waiting: [(String, DispatchSemaphore)] = []
            for (id, waiter) in s.waiters where waiter.end == nil {
                s.waiters[id]!.end = .cancelled
                waiting.append((id, waiter.semaphore))
            }
            return waiting.sorted { $0.0 < $1.0 }
        }
        cancelJobs(waiting.map(\.id))
        for entry in waiting { entry.semaphore.signal() }
    }

    private func poll() {
        var failingSince: Double?
        while true {
            let pending: [(id: String, statusFile: String)] = state.withLock { s in
                let pending = s.waiters.filter { $0.value.end == nil }.map { ($0.key, $0.value.statusFile) }
                if pending.isEmpty { s.polling = false }
                return pending
            }
            if pending.isEmpty { return }
            var ended: [String: JobEnd] = [:]
            var absent: [(id: String, state: String?)] = [], present: [String] = []
            if let states = query() {
                failingSince = nil
                for job in pending {
                    let state = states[job.id]
                    // Still holding its CPUs: a job submitted now would wait for the next
                    // scheduling pass, so a job ends for us only once SLURM has let it go.
                    if let state, !Self.finalStates.contains(state) {
                        present.append(job.id)
                    } else if let status = Self.status(job.statusFile) {
                        // A signal death SLURM caused (scancel, time limit) is reported as such.
                        ended[job.id] = status > 128 && state.map(Self.killedStates.contains) == true
                            ? .vanished(state: state) : .exited(status)
                    } else {
                        // A shared file system may show the status file a moment late.
                        absent.append((job.id, state))
                    }
                }
            } else {
                let now = SystemClock.monotonicSeconds()
                let since = failingSince ?? now
                failingSince = since
                if now - since >= failureLimit {
                    for job in pending { ended[job.id] = .pollFailed("squeue has failed for \(Int(now - since)) s") }
                }
            }
            let now = SystemClock.monotonicSeconds()
            state.withLock { s in
                // A waiter may have left since the snapshot (its job cancelled or already ended):
                // only waiters still present and still waiting are updated.
                for (id, end) in ended {
                    guard var waiter = s.waiters[id], waiter.end == nil else { continue }
                    waiter.end = end
                    s.waiters[id] = waiter
                    waiter.semaphore.signal()
                }
                for id in present { s.waiters[id]?.absentSince = nil }
                for (id, state) in absent {
                    guard var waiter = s.waiters[id], waiter.end == nil else { continue }
                    let since = waiter.absentSince ?? now
                    waiter.absentSince = since
                    if now - since >= lostGrace {
                        waiter.end = .vanished(state: state)
                        waiter.semaphore.signal()
                    }
                    s.waiters[id] = waiter
                }
            }
            usleep(useconds_t(interval * 1_000_000))
        }
    }

    /// The exit status a job script recorded, if it has.
    static func status(_ file: String) -> Int32? {
        guard let text = FileIO.readText(file) else { return nil }
        return Int32(text.trimmingTrailingNewlines())
    }
}
