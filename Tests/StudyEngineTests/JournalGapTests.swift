#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import StudyCore
@testable import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport

/// The reattach journal's two gaps closed (issue 17 item 4): a job submitted by a process killed
/// between `sbatch`'s return and the journal's fsync is found again by the token in its
/// `--comment` (an intent is journaled before `sbatch`), and the stages of `group:` jobs, which
/// share one job id, are journaled and taken over one by one.
@Suite("SLURM journal: intents and group jobs")
struct JournalGapTests {
    private func entry(_ job: String, task: Int? = nil, stage: String, key: String = "k1", group: String? = nil, token: String? = nil,
                       in dir: TemporaryDirectory) -> JournalEntry {
        JournalEntry(job: job, task: task, stage: stage, key: key, statusFile: dir.path + "/old/\(stage).status",
                     logPath: dir.path + "/old/\(stage).log", submitted: 1, group: group, token: token)
    }

    private func executor(_ slurm: FakeSlurm, _ dir: TemporaryDirectory, lines: String) throws -> SlurmExecutor {
        if !lines.isEmpty { dir.write("journal/100-1.jsonl", lines) }
        var settings = slurm.settings()
        settings.journalDirectory = dir.path + "/journal"
        return try SlurmExecutor(settings: settings)
    }

    private func job(_ stage: String, key: String?, group: String? = nil, in dir: TemporaryDirectory) -> StageJob {
        try? FileIO.createDirectories(dir.path + "/logs")
        var job = StageJob(stage: stage, action: .shell("echo \(stage) > out-\(stage).txt"), root: dir.path, environment: [:],
                           logPath: dir.path + "/logs/\(stage).log")
        job.key = key
        job.resources.group = group
        return job
    }

    /// Each stage's execution, as the executor completed it.
    final class Results: Sendable {
        let values = Mutex<[String: StageExecution]>([:])
        func withLock<T: Sendable>(_ body: (inout [String: StageExecution]) -> T) -> T { values.withLock { body(&$0) } }
    }

    private func start(_ executor: SlurmExecutor, _ job: StageJob, into results: Results) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        executor.start(job) { execution in
            results.withLock { $0[job.stage] = execution }
            done.signal()
        }
        return done
    }

    @Test("an intent whose submission was journaled is settled; one without is dangling, with what it announced")
    func dangling() throws {
        let dir = TemporaryDirectory()
        let settled = entry("", stage: "a", token: "studyflow-1-1-1", in: dir)
        var submitted = settled
        submitted.job = "5"
        let lost = entry("", task: 0, stage: "b@x", token: "studyflow-1-1-2", in: dir)
        let text = settled.line(op: "intent") + submitted.line() + lost.line(op: "intent")
        #expect(SlurmJournal.dangling(texts: [text]) == ["studyflow-1-1-2": [lost]])
        #expect(SlurmJournal.pending(texts: [text]) == [submitted])
    }

    @Test("stages of one group job share its id yet stay separate entries, each collected on its own")
    func groupEntries() throws {
        let dir = TemporaryDirectory()
        let a = entry("42", task: 3, stage: "a", group: "tiny", in: dir), b = entry("42", task: 3, stage: "b", group: "tiny", in: dir)
        let done = #"{"job":"42_3","op":"done","stage":"a"}"# + "\n"
        #expect(SlurmJournal.pending(texts: [a.line() + b.line()]) == [a, b])
        #expect(SlurmJournal.pending(texts: [a.line() + b.line() + done]) == [b])
        #expect(a.identity == "42_3 a" && entry("42", task: 3, stage: "c", in: dir).identity == "42_3")
    }

    @Test("the intent is journaled before sbatch runs, under the token sbatch gets as --comment")
    func intentFirst() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("reject", "sbatch: error: Batch job submission failed: Invalid account\n")
        let executor = try executor(slurm, dir, lines: "")
        _ = executor.submit(job("a", key: "k1", in: dir))
        let call = try #require(slurm.calls("sbatch").first)
        let token = try #require(call.split(separator: " ").first { $0.hasPrefix("--comment=") }.map { String($0.dropFirst("--comment=".count)) })
        #expect(token.hasPrefix("studyflow-\(getpid())-"))
        let journal = try #require(executor.journal).file
        let text = try #require(FileIO.readText(journal))
        #expect(SlurmJournal.dangling(texts: [text]).keys.sorted() == [token])
        #expect(!text.contains(#""op":"submit""#))
    }

    @Test("killed between sbatch and the journal (simulated): the rerun finds the job by its token in one squeue call and takes it over")
    func killAfterSbatch() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        // What the killed process left: its intent, and a job SLURM ran with the token as comment.
        slurm.directory.write("comments", "7|studyflow-9-9-1\n3|studyflow-9-9-0\n")
        dir.write("old/a.status", "0\n")
        dir.write("old/a.log", "a ran\n")
        let intent = entry("", stage: "a", token: "studyflow-9-9-1", in: dir).line(op: "intent")
        let executor = try executor(slurm, dir, lines: intent + String(intent.prefix(20)))
        let report = try #require(executor.takeStock(currentKey: { $0 == "a" ? "k1" : nil }, final: true))
        #expect(report.lines == ["reattached to 1 job from an earlier run (1 finished)"])
        #expect(slurm.calls("squeue") == ["--noheader --me --states=all --format=%i|%k"])
        let results = Results()
        #expect(executor.reattach(job("a", key: "k1", in: dir)))
        #expect(start(executor, job("a", key: "k1", in: dir), into: results).wait(timeout: .now() + 5) == .success)
        #expect(results.withLock { $0["a"] } == StageExecution(outcome: .succeeded, jobID: "7"))
        #expect(slurm.calls("sbatch").isEmpty)
        #expect(executor.end() == nil)
    }

    @Test("killed before sbatch ran (simulated): the intent finds no job, and the stage is submitted as new, once")
    func killBeforeSbatch() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        let intent = entry("", stage: "a", token: "studyflow-9-9-1", in: dir).line(op: "intent")
        let executor = try executor(slurm, dir, lines: intent)
        #expect(executor.takeStock(currentKey: { $0 == "a" ? "k1" : nil }, final: true) == nil)
        #expect(!executor.reattach(job("a", key: "k1", in: dir)))
        #expect(executor.submit(job("a", key: "k1", in: dir)).outcome == .succeeded)
        #expect(slurm.calls("sbatch").count == 1)
    }

    @Test("a group job's stages are journaled one by one (intent, submission, collection), and all are collected")
    func groupJournaled() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        let executor = try executor(slurm, dir, lines: "")
        let results = Results()
        let waits = ["a", "b"].map { start(executor, job($0, key: "k-" + $0, group: "tiny", in: dir), into: results) }
        for wait in waits { #expect(wait.wait(timeout: .now() + 10) == .success) }
        #expect(results.withLock { $0.values.map(\.outcome) } == [.succeeded, .succeeded])
        let file = try #require(executor.journal).file
        // A stage is marked collected right after its completion ran: give the last note a moment.
        for _ in 0..<200 where !SlurmJournal.pending(texts: [FileIO.readText(file) ?? ""]).isEmpty { usleep(10_000) }
        let text = try #require(FileIO.readText(file))
        let lines = text.split(separator: "\n")
        #expect(lines.filter { $0.contains(#""op":"intent""#) && $0.contains(#""group":"tiny""#) }.count == 2)
        let submits = lines.filter { $0.contains(#""op":"submit""#) }
        #expect(submits.count == 2 && submits.allSatisfy { $0.contains(#""group":"tiny""#) && $0.contains(#""job":"1""#) })
        let undone = lines.filter { !$0.contains(#""op":"done""#) }.map { $0 + "\n" }.joined()
        #expect(Set(SlurmJournal.pending(texts: [undone]).map(\.stage)) == ["a", "b"])
        #expect(SlurmJournal.pending(texts: [text]).isEmpty)
    }

    @Test("two stages of one earlier group job still running are followed each on its own, and complete from their own status files")
    func groupTakeOver() throws {
        let slurm = FakeSlurm(), dir = TemporaryDirectory()
        slurm.set("queue/4_0", "RUNNING")
        let a = entry("4", task: 0, stage: "a", group: "tiny", in: dir), b = entry("4", task: 0, stage: "b", group: "tiny", in: dir)
        let executor = try executor(slurm, dir, lines: a.line() + b.line())
        let report = try #require(executor.takeStock(currentKey: { ["a": "k1", "b": "k1"][$0].map { .some($0) } }, final: true))
        #expect(report.lines == ["reattached to 2 jobs from an earlier run (2 still queued or running)"])
        let results = Results()
        #expect(executor.reattach(job("a", key: "k1", in: dir)) && executor.reattach(job("b", key: "k1", in: dir)))
        let waitA = start(executor, job("a", key: "k1", in: dir), into: results)
        let waitB = start(executor, job("b", key: "k1", in: dir), into: results)
        dir.write("old/a.status", "0\n")
        #expect(waitA.wait(timeout: .now() + 5) == .success)
        #expect(waitB.wait(timeout: .now() + 0.3) == .timedOut)
        dir.write("old/b.status", "0\n")
        slurm.clear("queue/4_0")
        #expect(waitB.wait(timeout: .now() + 5) == .success)
        #expect(results.withLock { $0 } == ["a": StageExecution(outcome: .succeeded, jobID: "4_0"), "b": StageExecution(outcome: .succeeded, jobID: "4_0")])
        #expect(slurm.calls("sbatch").isEmpty)
        #expect(executor.end() == nil)
    }
}
