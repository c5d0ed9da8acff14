@testable import StudyCommands
import StudyEngine
import Testing

/// `ReasonText`: reasons for people, a fan-out's stale instances read as one clause.
@Suite("reason text")
struct ReasonTextTests {
    @Test("consecutive stale instances of one template merge; other reasons and plain stages stay as they are", arguments: [
        ([Reason.upstreamStale("clean")], "upstream clean is stale"),
        ([.upstreamStale("cox@a")], "upstream cox@a is stale"),
        ([.upstreamStale("cox@a"), .upstreamStale("cox@b")], "upstream cox@a and cox@b are stale"),
        ([.neverRun, .upstreamStale("cox@a"), .upstreamStale("cox@b"), .upstreamStale("cox@c"), .upstreamStale("cox@d"),
          .upstreamStale("cox@e"), .upstreamStale("km@x"), .upstreamStale("clean")],
         "never run; upstream cox@a, cox@b and 3 more instances of 'cox' are stale; upstream km@x is stale; upstream clean is stale"),
    ])
    func merge(reasons: [Reason], text: String) {
        #expect(ReasonText.joined(reasons) == text)
    }

    @Test("the summary's instance count names one template or counts the fan-outs", arguments: [
        (["a", "b"], ""),
        (["a", "cox@x"], " (1 instance of 'cox')"),
        (["cox@x", "cox@y", "a"], " (2 instances of 'cox')"),
        (["cox@x", "km@y", "a"], " (2 instances of 2 fan-outs)"),
    ])
    func instanceCount(ids: [String], text: String) {
        #expect(ProgressReporter.instanceCount(ids) == text)
    }

    @Test("a stage line right-aligns the counter to the total and pads the status to eight columns", arguments: [
        (StageResult(stage: "s7", status: .cached), 7, 10000, "[    7/10000] cached   s7\n"),
        (StageResult(stage: "s9999", status: .cached), 10000, 10000, "[10000/10000] cached   s9999\n"),
        (StageResult(stage: "cox@msk", status: .interrupted), 3, 12, "[ 3/12] interrupted cox@msk  0.0s\n"),
        (StageResult(stage: "km", status: .ran, reasons: [.neverRun], seconds: 0.42), 1, 1, "[1/1] ran      km  0.42s  (never run)\n"),
    ])
    func stageLine(result: StageResult, done: Int, total: Int, text: String) {
        #expect(ProgressReporter.line(for: result, done: done, total: total) == text)
    }
}
