import StudyCore
import StudyEngine
import Testing
import _StudyTestSupport

/// `Preview.evaluate`, behind `studyflow status` and `run -n`: predicted actions and reasons, and
/// that evaluating changes nothing.
@Suite("Preview")
struct PreviewTests {
    /// An entry as a comparable value (`Preview.Entry` has no public initializer).
    private struct Row: Equatable, CustomStringConvertible {
        var stage: String
        var action: Preview.Action
        var reasons: [Reason]

        init(_ stage: String, action: Preview.Action, reasons: [Reason]) {
            self.stage = stage
            self.action = action
            self.reasons = reasons
        }

        init(_ entry: Preview.Entry) { self.init(entry.stage, action: entry.action, reasons: entry.reasons) }

        var description: String { "\(stage): \(action.rawValue) \(reasons)" }
    }

    private func entry(_ preview: Preview, _ stage: String) -> Row? {
        preview.entries.first { $0.stage == stage }.map(Row.init)
    }

    private func rows(_ preview: Preview) -> [Row] { preview.entries.map(Row.init) }

    @Test("before any run every stage would run; downstream stages wait on their upstream")
    func neverRun() throws {
        let ws = TestWorkspace.diamond()
        let preview = try ws.preview()
        #expect(preview.entries.map(\.stage) == ["clean", "left", "right", "join"])
        #expect(preview.entries.allSatisfy { $0.action == .run })
        #expect(entry(preview, "clean")?.reasons == [.neverRun])
        #expect(entry(preview, "left")?.reasons == [.upstreamStale("clean")])
        #expect(entry(preview, "join")?.reasons == [.upstreamStale("left"), .upstreamStale("right")])
    }

    @Test("after a run every stage is up to date with no reasons")
    func upToDateAfterRun() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        let preview = try ws.preview()
        #expect(rows(preview) == ["clean", "left", "right", "join"].map {
            Row($0, action: .upToDate, reasons: [])
        })
        #expect(!preview.entries.contains { $0.isStale })
    }

    @Test("after an input changes its stage runs and every downstream stage is stale through it")
    func inputChanged() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        ws.directory.write("data/x.txt", "x2\n")
        let preview = try ws.preview()
        #expect(rows(preview) == [
            Row("clean", action: .run, reasons: [.inputChanged("data/x.txt")]),
            Row("left", action: .run, reasons: [.upstreamStale("clean")]),
            Row("right", action: .run, reasons: [.upstreamStale("clean")]),
            Row("join", action: .run, reasons: [.upstreamStale("left"), .upstreamStale("right")]),
        ])
    }

    @Test("a param change shows the old and new values; a workflow param override shows on the stages using it")
    func paramsChanged() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        ws.yaml = ws.yaml.replacing("threshold: 0.5", with: "threshold: 0.6")
        let preview = try ws.preview(RunOptions(params: ["scale": .integer(3)]))
        #expect(entry(preview, "clean")?.action == .upToDate)
        #expect(entry(preview, "right")?.action == .upToDate)
        #expect(entry(preview, "left") == Row("left", action: .run, reasons: [
            .paramChanged(name: "scale", from: "2", to: "3"),
            .paramChanged(name: "threshold", from: "0.5", to: "0.6"),
        ]))
        #expect(entry(preview, "join") == Row("join", action: .run, reasons: [.upstreamStale("left")]))
    }

    @Test("an edited output shows as restore with outputEdited")
    func editedOutput() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        ws.directory.write("results/right.txt", "edited\n")
        let preview = try ws.preview()
        #expect(entry(preview, "right") == Row("right", action: .restore, reasons: [.outputEdited("results/right.txt")]))
        #expect(entry(preview, "clean")?.action == .upToDate)
        #expect(entry(preview, "left")?.action == .upToDate)
    }

    @Test("a deleted output shows as restore with outputMissing")
    func deletedOutput() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        ws.directory.delete("results/join.txt")
        let preview = try ws.preview()
        #expect(entry(preview, "join") == Row("join", action: .restore, reasons: [.outputMissing("results/join.txt")]))
        #expect(preview.entries.filter(\.isStale).map(\.stage) == ["join"])
    }

    @Test("downstream of a stage that will only be restored is up to date, as the run then finds it")
    func downstreamOfRestore() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        ws.directory.write("results/right.txt", "edited\n")
        let preview = try ws.preview()
        let run = try ws.runFake()
        #expect(run.summary.ids(.restored) == ["right"])
        #expect(run.summary.ids(.cached) == ["clean", "join", "left"])
        #expect(entry(preview, "join") == Row("join", action: .upToDate, reasons: []))
    }

    @Test("forced stages and their downstream preview as run with forced")
    func forced() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        let preview = try ws.preview(RunOptions(force: ["right"]))
        #expect(entry(preview, "right") == Row("right", action: .run, reasons: [.forced]))
        #expect(entry(preview, "join") == Row("join", action: .run, reasons: [.forced, .upstreamStale("right")]))
        #expect(entry(preview, "left")?.action == .upToDate)
    }

    @Test("targets limit the preview to the targets and their upstream")
    func targets() throws {
        let ws = TestWorkspace.diamond()
        let preview = try ws.preview(RunOptions(targets: ["right"]))
        #expect(preview.entries.map(\.stage) == ["clean", "right"])
    }

    @Test("a preview runs nothing and writes no records")
    func previewChangesNothing() throws {
        let ws = TestWorkspace.diamond()
        try #require(try ws.runFake().summary.ok)
        ws.directory.write("data/x.txt", "x2\n")
        let before = try outputFiles(under: ws.directory.path)
        _ = try ws.preview()
        _ = try ws.preview()
        #expect(try outputFiles(under: ws.directory.path) == before)
        #expect(try ws.preview().entries.first?.reasons == [.inputChanged("data/x.txt")])
    }

    @Test("an unknown target is an error with a suggestion")
    func unknownTarget() throws {
        let ws = TestWorkspace.diamond()
        let error = #expect(throws: RunError.self) { try ws.preview(RunOptions(targets: ["jion"])) }
        #expect(error?.description == "no stage named 'jion'; did you mean 'join'?")
    }
}
