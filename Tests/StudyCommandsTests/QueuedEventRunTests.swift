import Foundation
import Testing
import _StudyTestSupport

/// `studyflow run --executor slurm --json` against fake SLURM tools: a job SLURM holds for a
/// reason (`ReqNodeNotAvail`) shows as a `queued` event, and one with `"reason":null` once it ran.
@Suite("studyflow run --json: queued events")
struct QueuedEventRunTests {
    @Test("a pending job's reason is a queued event with stage and reason, cleared when the job ends")
    func queued() throws {
        let slurm = FakeSlurm()
        slurm.set("hold")
        let dir = TemporaryDirectory()
        dir.write("w.yaml", "name: q\nstages:\n  a:\n    run: echo a > ${outputs.o}\n    outputs: {o: out/a.txt}\n")
        let environment = ["PATH": slurm.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let running = try CLI.start(["run", "-C", dir.path, "w.yaml", "--executor", "slurm", "--json", "--poll-interval", "0.05"],
                                    environment: environment)
        for _ in 0..<500 where slurm.queued != ["1"] { usleep(20_000) }
        slurm.directory.write("queue/1", "PENDING|ReqNodeNotAvail, UnavailableNodes:node7\n")
        for _ in 0..<500 where slurm.calls("squeue").count < 4 { usleep(20_000) }
        usleep(200_000)
        // The job "runs": its output and exit status appear, and it leaves the queue.
        dir.write("out/a.txt", "a\n")
        dir.write(".studyflow/logs/1/a.status", "0\n")
        slurm.directory.delete("queue/1")
        let run = running.wait()
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(2)) == [
            #"{"event":"queued","reason":"ReqNodeNotAvail, UnavailableNodes:node7","stage":"a"}"#,
            #"{"event":"queued","reason":null,"stage":"a"}"#,
        ], "\(lines)")
        #expect(lines.count > 2 && lines[2].contains(#""stage":"a","status":"ran""#))
    }
}
