@testable import StudyCommands
import StudyCore
import StudyEngine
import Testing

/// What the progress display says about stages that wait in the batch queue or retry: SLURM's
/// reason instead of a silent wait, one line per reason however many array tasks share it.
@Suite("Progress notes")
struct ProgressNoteTests {
    private let down = "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions"

    @Test("stages waiting for one reason share one line naming three of them")
    func noteLines() {
        let notes = (0..<5).map { StageNote(stage: "fan@k\($0)", kind: .queued(reason: down)) }
            + [StageNote(stage: "one", kind: .queued(reason: "ReqNodeNotAvail, UnavailableNodes:vm")),
               StageNote(stage: "gone", kind: .queued(reason: nil))]
        #expect(ProgressReporter.noteLines(notes) == [
            "studyflow: note: stages 'fan@k0', 'fan@k1', 'fan@k2' and 2 more wait in the batch queue: \(down)\n",
            "studyflow: note: stage 'one' waits in the batch queue: ReqNodeNotAvail, UnavailableNodes:vm\n",
        ])
        #expect(ProgressReporter.noteLines([StageNote(stage: "a", kind: .queued(reason: "x")), StageNote(stage: "b", kind: .queued(reason: "x"))])
                == ["studyflow: note: stages 'a', 'b' wait in the batch queue: x\n"])
        #expect(ProgressReporter.noteLines([StageNote(stage: "a", kind: .queued(reason: nil))]).isEmpty)
    }

    @Test("the live status line counts waiting stages with the reason most of them share, cut to fit")
    func statusLine() {
        let waiting = ["a": down, "b": down, "c": "ReqNodeNotAvail"]
        #expect(ProgressReporter.statusLine(done: 3, total: 12, elapsed: 5.25, running: ["a", "b", "c", "d"], waiting: waiting)
                == "[3/12] 5.25s  running: a, b, c, …  waiting: 3 (Nodes required for job are DOWN, DRAINED or res…)")
        #expect(ProgressReporter.statusLine(done: 0, total: 2, elapsed: 1, running: ["x"], waiting: [:]) == "[0/2] 1.0s  running: x")
    }

    @Test("the verbose log says what each note means")
    func describe() {
        #expect(ProgressReporter.describe(.queued(reason: "ReqNodeNotAvail")) == "waits in the batch queue: ReqNodeNotAvail")
        #expect(ProgressReporter.describe(.queued(reason: nil)) == "no longer waits in the batch queue")
    }
}

/// `run --json` says what the progress display says about the batch queue (issue 17): one
/// `queued` event per change of a stage's reason, `"reason":null` once it no longer waits.
@Suite("JSON queued events")
struct QueuedEventTests {
    @Test("a reason is written once per change, with the template of an instance; null when it clears")
    func events() {
        var waiting: [String: String] = [:]
        let first = JSONEventWriter.queued([StageNote(stage: "fan@k1", kind: .queued(reason: "ReqNodeNotAvail")),
                                            StageNote(stage: "one", kind: .queued(reason: nil))], waiting: &waiting)
        #expect(first.map(\.canonicalJSON) == [#"{"event":"queued","reason":"ReqNodeNotAvail","stage":"fan@k1","template":"fan"}"#])
        #expect(JSONEventWriter.queued([StageNote(stage: "fan@k1", kind: .queued(reason: "ReqNodeNotAvail"))], waiting: &waiting).isEmpty)
        let cleared = JSONEventWriter.queued([StageNote(stage: "fan@k1", kind: .queued(reason: nil)),
                                              StageNote(stage: "one", kind: .queued(reason: "Priority"))], waiting: &waiting)
        #expect(cleared.map(\.canonicalJSON) == [#"{"event":"queued","reason":null,"stage":"fan@k1","template":"fan"}"#,
                                                 #"{"event":"queued","reason":"Priority","stage":"one"}"#])
        #expect(waiting == ["one": "Priority"])
    }
}
