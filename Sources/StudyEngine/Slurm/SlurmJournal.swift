#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Synchronization

/// One SLURM job (or job array task) a run submitted, as the journal keeps it: enough for the next
/// run to find it again, tell whether it still does what the plan needs, and collect it.
public struct JournalEntry: Sendable, Equatable {
    /// SLURM's job id (`42`), the array's job id for an array task.
    public var job: String
    /// The array task index, for a task of a job array.
    public var task: Int?
    /// The stage (or instance, `cox@msk`) it was submitted for.
    public var stage: String
    /// The stage key (hex) it was submitted for.
    public var key: String
    /// Absolute path of the status file its job script writes when the command ends.
    public var statusFile: String
    /// Absolute path of the stage log it appends to.
    public var logPath: String
    /// Wall-clock seconds (Unix time) of the submission.
    public var submitted: Double
    /// The `group:` it ran in: the stages of one group job share its id (`42_3`).
    public var group: String?
    /// The token in the job's `--comment`, which finds the job when the process died between
    /// `sbatch` and this entry (see `SlurmJournal.intend`).
    public var token: String?

    /// Creates an entry.
    public init(job: String, task: Int? = nil, stage: String, key: String, statusFile: String, logPath: String, submitted: Double,
                group: String? = nil, token: String? = nil) {
        self.group = group
        self.token = token
        self.job = job
        self.task = task
        self.stage = stage
        self.key = key
        self.statusFile = statusFile
        self.logPath = logPath
        self.submitted = submitted
    }

    /// The id squeue and scancel use: `42`, or `42_3` for task 3 of array 42.
    public var id: String { task.map { SlurmArray.taskID(job, $0) } ?? job }

    /// What tells entries apart: the id, and for a stage of a group job (which shares its id with
    /// the others of that job) the stage too.
    public var identity: String { group == nil ? id : id + " " + stage }

    /// The entry as one journal line (JSON object, newline-terminated); `op` is `submit`, or
    /// `intent` for a job about to be submitted (no job id yet).
    func line(op: String = "submit") -> String {
        var fields: [String: JSONValue] = ["op": .string(op), "job": .string(job), "stage": .string(stage),
                                           "key": .string(key), "status": .string(statusFile), "log": .string(logPath),
                                           "submitted": .number(submitted)]
        if let task { fields["task"] = .integer(task) }
        if let group { fields["group"] = .string(group) }
        if let token { fields["token"] = .string(token) }
        return JSONValue.object(fields).canonicalJSON + "\n"
    }
}

/// The journal of SLURM jobs submitted by the runs of one workspace, under
/// `.studyflow/slurm-journal/`, so a run that died (kill -9, lost ssh session) while jobs ran can
/// be followed by one that finds them again instead of submitting them twice.
///
/// Each process appends to a file of its own (`PID-NANOS.jsonl`): one JSON line per submitted job
/// (`"op":"submit"`) or collected one (`"op":"done"`). Submissions are written in one `write`
/// per `sbatch` call and `fsync`ed before the job is waited on; a line cut short by a crash (no
/// newline, or not JSON) is ignored when read. Reading happens only under the workspace lock, so
/// the files read belong to processes that have died. `close()` deletes the file: a run that
/// finished leaves no journal.
public final class SlurmJournal: Sendable {
    /// The journal directory.
    public let directory: String
    /// This process's file in it.
    public let file: String
    /// The open file, once written; `discarded` once `discard()` ran (later notes are dropped, so
    /// a completion finishing after the run's end does not bring the file back).
    private let descriptor = Mutex<(fd: Int32?, discarded: Bool)>((nil, false))
    private let tokens = Atomic<Int>(0)

    /// A journal in `directory`; nothing is written until the first submission.
    public init(directory: String) {
        self.directory = directory
        file = directory + "/\(getpid())-\(SystemClock.wallNanoseconds()).jsonl"
    }

    deinit { descriptor.withLock { if let fd = $0.fd { _ = close(fd) } } }

    /// Records submitted jobs, durably, before the caller waits on them. Throws when the journal
    /// cannot be written (the caller cancels the jobs rather than leave them untracked).
    public func record(_ entries: [JournalEntry]) throws {
        guard !entries.isEmpty else { return }
        try append(entries.map { $0.line() }.joined(), durable: true)
    }

    /// Records, durably and BEFORE `sbatch` runs, the jobs about to be submitted with `token` in
    /// their `--comment` (entries without a job id). A process killed between `sbatch`'s return
    /// and `record` leaves this intent without its submission; the next run finds the job by its
    /// token in one `squeue` call instead of submitting it again.
    public func intend(_ entries: [JournalEntry]) throws {
        guard !entries.isEmpty else { return }
        try append(entries.map { $0.line(op: "intent") }.joined(), durable: true)
    }

    /// A token no other submission of this workspace has: `studyflow-PID-NANOS-N`.
    public func newToken() -> String {
        let n = tokens.add(1, ordering: .relaxed).newValue
        return "studyflow-\(getpid())-\(SystemClock.wallNanoseconds())-\(n)"
    }

    /// Notes that the jobs `ids` were collected (their outputs stored), so a later run need not
    /// look at them. Not synced: a lost note only costs the next run a look at a finished job.
    public func collected(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        let text = ids.map { JSONValue.object(["op": .string("done"), "job": .string($0)]).canonicalJSON + "\n" }.joined()
        try? append(text, durable: false)
    }

    /// Notes that the stages of group jobs `entries` were collected (one line each: the stages of
    /// one group job share its id, and each is collected on its own).
    public func collected(_ entries: [JournalEntry]) {
        guard !entries.isEmpty else { return }
        let text = entries.map {
            JSONValue.object(["op": .string("done"), "job": .string($0.id), "stage": .string($0.stage)]).canonicalJSON + "\n"
        }.joined()
        try? append(text, durable: false)
    }

    private func append(_ text: String, durable: Bool) throws {
        try descriptor.withLock { state in
            if state.discarded { return }
            if state.fd == nil {
                try FileIO.createDirectories(directory)
                let opened = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard opened >= 0 else { throw FileIO.Failure("open", file) }
                state.fd = opened
            }
            guard let fd = state.fd else { return }
            var text = text
            try text.withUTF8 { try FileIO.writeAll(fd, UnsafeRawBufferPointer($0), path: file) }
            if durable, fsync(fd) != 0 { throw FileIO.Failure("fsync", file) }
        }
    }

    /// Deletes this process's file: every job it recorded has been collected or cancelled.
    public func discard() {
        descriptor.withLock { state in
            if let open = state.fd { _ = close(open) }
            state = (nil, true)
            _ = unlink(file)
            _ = rmdir(directory)
        }
    }

    /// The journal files of earlier processes in `directory` (every file but this process's own).
    public func earlierFiles() -> [String] {
        let names = (try? FileIO.listDirectory(directory)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted().map { directory + "/" + $0 }.filter { $0 != file }
    }

    /// Deletes the journal files of earlier processes once their jobs are taken over (re-recorded
    /// in this process's file first) or cancelled.
    public func removeEarlier(_ files: [String]) {
        for path in files { _ = unlink(path) }
    }

    /// Jobs recorded in `directory` and not marked collected, in the order they were submitted.
    public static func pending(in directory: String) -> [JournalEntry] {
        let names = ((try? FileIO.listDirectory(directory)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
        return pending(texts: names.compactMap { FileIO.readText(directory + "/" + $0) })
    }

    /// The pending jobs of journal files' `texts`: submissions minus collections, torn or foreign
    /// lines skipped. A job submitted twice (a run that took over an earlier one) counts once.
    static func pending(texts: [String]) -> [JournalEntry] {
        read(texts).pending
    }

    /// The intents of `texts` whose submission never made it into the journal (the process died
    /// around `sbatch`), by token, each with the entries it announced (no job id).
    static func dangling(texts: [String]) -> [String: [JournalEntry]] {
        read(texts).dangling
    }

    private static func read(_ texts: [String]) -> (pending: [JournalEntry], dangling: [String: [JournalEntry]]) {
        var entries: [JournalEntry] = []
        var index: [String: Int] = [:]
        var done: Set<String> = []
        var intents: [String: [JournalEntry]] = [:]
        var submitted: Set<String> = []
        for text in texts {
            // Only newline-terminated lines: the last one may have been cut short by a crash.
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()
            for line in lines {
                guard case .object(let fields)? = try? JSONValue.parse(Array(line.utf8)),
                      case .string(let op)? = fields["op"] else { continue }
                if op == "done", case .string(let id)? = fields["job"] {
                    if case .string(let stage)? = fields["stage"] { done.insert(id + " " + stage) } else { done.insert(id) }
                } else if op == "intent", let entry = Self.entry(fields, job: false), let token = entry.token {
                    intents[token, default: []].append(entry)
                } else if op == "submit", let entry = Self.entry(fields) {
                    if let token = entry.token { submitted.insert(token) }
                    let identity = entry.identity
                    if let at = index[identity] { entries[at] = entry } else { index[identity] = entries.count; entries.append(entry) }
                }
            }
        }
        let pending = entries.filter { !done.contains($0.id) && !done.contains($0.identity) }
        return (pending, intents.filter { !submitted.contains($0.key) })
    }

    private static func entry(_ fields: [String: JSONValue], job needed: Bool = true) -> JournalEntry? {
        guard case .string(let job)? = fields["job"], !needed || (!job.isEmpty && job.allSatisfy(\.isNumber)),
              case .string(let stage)? = fields["stage"], case .string(let key)? = fields["key"],
              case .string(let status)? = fields["status"], case .string(let log)? = fields["log"] else { return nil }
        var task: Int?
        switch fields["task"] {
        case .integer(let value)?: task = value
        case nil: task = nil
        default: return nil
        }
        let time: Double
        switch fields["submitted"] {
        case .number(let value)?: time = value
        case .integer(let value)?: time = Double(value)
        default: time = 0
        }
        func text(_ name: String) -> String? { if case .string(let value)? = fields[name] { return value } else { return nil } }
        return JournalEntry(job: job, task: task, stage: stage, key: key, statusFile: status, logPath: log, submitted: time,
                            group: text("group"), token: text("token"))
    }
}
