import StudyCore
import Synchronization

/// What a run found in the SLURM journal when it began, and what it did with those jobs: the
/// user sees it in the progress output and in `--json`.
public struct ReattachReport: Sendable, Equatable {
    /// Jobs of earlier runs taken over that had finished (their status file was there).
    public var finished = 0
    /// Jobs of earlier runs taken over that were still queued or running.
    public var running = 0
    /// Jobs of earlier runs taken over that had left the queue without an exit status.
    public var lost = 0
    /// Jobs cancelled because the plan no longer needs them, each with why.
    public var cancelled: [(entry: JournalEntry, why: String)] = []

    /// An empty report.
    public init() {}

    /// Jobs taken over.
    public var reattached: Int { finished + running + lost }

    /// Whether there is anything to say.
    public var isEmpty: Bool { reattached == 0 && cancelled.isEmpty }

    /// Equal counts and equal cancellations, in order.
    public static func == (a: ReattachReport, b: ReattachReport) -> Bool {
        a.finished == b.finished && a.running == b.running && a.lost == b.lost
            && a.cancelled.map(\.entry) == b.cancelled.map(\.entry) && a.cancelled.map(\.why) == b.cancelled.map(\.why)
    }

    /// The lines shown to the user (without a prefix).
    public var lines: [String] {
        var lines: [String] = []
        if reattached > 0 {
            var parts: [String] = []
            if finished > 0 { parts.append("\(finished) finished") }
            if running > 0 { parts.append("\(running) still queued or running") }
            if lost > 0 { parts.append("\(lost) lost without an exit status") }
            lines.append("reattached to \(reattached) job\(reattached == 1 ? "" : "s") from an earlier run (" + parts.joined(separator: ", ") + ")")
        }
        for (entry, why) in cancelled {
            lines.append("cancelled job \(entry.id) of an earlier run: stage '\(entry.stage)' \(why)")
        }
        return lines
    }
}

/// The jobs of earlier runs found in the journal, waiting for their stage to come up in this run:
/// a stage that comes up stale with the key a job was submitted for takes that job over
/// (`claim`); the rest are cancelled.
final class EarlierJobs: Sendable {
    /// How a job stood when the run began.
    enum Fate: Sendable, Equatable {
        /// Its status file exists: collect it.
        case finished
        /// Queued or running (or squeue could not tell): wait for it.
        case running
        /// Gone from the queue without a status file; `state` is SLURM's last word on it.
        case lost(state: String?)
    }

    struct Job: Sendable {
        var entry: JournalEntry
        var fate: Fate
    }

    /// Waiting jobs by stage; checked against a plan once their stage is in it.
    private let waiting: Mutex<[String: Job]>
    /// Jobs already reported as matching.
    private let counted = Mutex<Set<String>>([])

    /// `entries` with their fates. When a stage has several (an earlier run's retry), the latest
    /// is kept and the others come back in `superseded` to be cancelled.
    init(_ entries: [JournalEntry], fate: (JournalEntry) -> Fate) {
        var byStage: [String: Job] = [:]
        var superseded: [JournalEntry] = []
        for entry in entries {
            if let old = byStage[entry.stage] { superseded.append(old.entry) }
            byStage[entry.stage] = Job(entry: entry, fate: fate(entry))
        }
        waiting = Mutex(byStage)
        self.superseded = superseded
    }

    /// Entries replaced by a later submission of the same stage.
    let superseded: [JournalEntry]

    /// Every waiting job.
    var all: [Job] { waiting.withLock { $0.values.sorted { $0.entry.id < $1.entry.id } } }

    /// The fate of each job as the journal, the status files and one `squeue` answer tell it.
    static func fate(of entry: JournalEntry, states: [String: String]?, statusExists: (String) -> Bool) -> Fate {
        if statusExists(entry.statusFile) { return .finished }
        guard let states else { return .running }
        let state = states[entry.id] ?? states[entry.job]
        if let state, !SlurmPoller.finalStates.contains(state) { return .running }
        return .lost(state: state)
    }

    /// Checks the waiting jobs whose stage is in the plan against it: `currentKey` gives a stage's
    /// key now (`nil`: not in the plan; `.some(nil)`: it cannot be resolved yet, e.g. an upstream
    /// output is to be restored first, so its job is checked when the stage comes up). With
    /// `final`, jobs whose stage is not in the plan go too. Returns the jobs that match, each once
    /// over several checks, and the ones to cancel (not finished) with why, removed; finished ones
    /// that no longer match are dropped.
    func check(currentKey: (String) -> String??, final: Bool) -> (matched: [Job], cancel: [(entry: JournalEntry, why: String)]) {
        waiting.withLock { waiting in
            var matched: [Job] = []
            var dropped: [(job: Job, why: String)] = []
            for (stage, job) in waiting.sorted(by: { $0.key < $1.key }) {
                switch currentKey(stage) {
                case nil:
                    if final { dropped.append((job, "is no longer in the workflow")) }
                case .some(nil):
                    continue
                case .some(let key?):
                    if key != job.entry.key {
                        dropped.append((job, "changed (its inputs, parameters or command differ)"))
                    } else if counted.withLock({ $0.insert(job.entry.identity).inserted }) {
                        matched.append(job)
                    }
                }
            }
            for (job, _) in dropped { waiting[job.entry.stage] = nil }
            return (matched, dropped.filter { $0.job.fate != .finished }.map { (entry: $0.job.entry, why: $0.why) })
        }
    }

    /// Takes over the job of `stage` when it was submitted for `key`. A job submitted for another
    /// key comes back as `mismatch` (the caller cancels it).
    func claim(stage: String, key: String?) -> (job: Job?, mismatch: JournalEntry?) {
        waiting.withLock { waiting in
            guard let job = waiting.removeValue(forKey: stage) else { return (nil, nil) }
            if let key, key == job.entry.key { return (job, nil) }
            return (nil, job.fate == .finished ? nil : job.entry)
        }
    }

    /// Removes and returns every job still waiting (the run is over; unfinished ones are cancelled).
    func drain() -> [Job] {
        waiting.withLock { waiting in
            let jobs = waiting.values.sorted { $0.entry.id < $1.entry.id }
            waiting = [:]
            return jobs
        }
    }
}
