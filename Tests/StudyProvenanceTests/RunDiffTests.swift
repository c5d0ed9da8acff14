import StudyCore
import StudyStore
import Testing
import _StudyTestSupport
@testable import StudyProvenance

/// `RunLedger.diff` on records written straight into a ledger: the key-first comparison and each
/// kind of stage difference.
@Suite("run diff")
struct RunDiffTests {
    typealias Workspace = RunLedgerTests.Workspace

    /// Records `first` then `second` as runs 1 and 2 and compares them.
    static func compare(_ ws: Workspace, _ first: [StageRecord], _ second: [StageRecord]) throws -> RunDiff {
        let ledger = try RunLedger.open(ws.layout, create: true)
        _ = try ledger.record(ws.runRecord(1, first, ledger: ledger), stages: first, workflowBytes: nil)
        _ = try ledger.record(ws.runRecord(2, second, ledger: ledger), stages: second, workflowBytes: nil)
        let runs = try ledger.runs()
        return try ledger.diff(runs[1], runs[0])
    }

    @Test("records differing only in status and seconds agree by key: nothing differs")
    func keyFirst() throws {
        let ws = try Workspace()
        let diff = try Self.compare(ws, try ws.stages(), try ws.stages(status: .cached))
        #expect(diff.isEmpty)
        #expect(diff.unchangedStages == 2)
        let record = ws.source("data/raw.csv")
        let text = StageRecord(stage: "s", kind: "shell", key: Digest.of(string: "k"), outputs: [record], status: .known(.ran)).encoded
        let part = try #require(StageComparison.keyedPart(text))
        #expect(String(decoding: part, as: UTF8.self).hasPrefix("\n  \"key\": \""))
        #expect(String(decoding: part, as: UTF8.self).contains("\"outputs\""))
        #expect(StageComparison.keyedPart(StageRecord(stage: "s", kind: "shell", key: nil, status: .known(.failed)).encoded) == nil)
        let outputs = [StageRecord.File(path: "results/a b.json", sha256: nil, size: 3), .init(path: "out/dir", sha256: nil, size: nil, isDirectory: true)]
        let inputs = [StageRecord.File(path: "data/in.csv", sha256: nil, size: 1)]
        let written = StageRecord(stage: "s", kind: "shell", key: nil, inputs: inputs, outputs: outputs, status: .known(.ran)).encoded
        #expect(StageComparison.outputPaths(written) == ["results/a b.json", "out/dir"])
        let escaped = StageRecord(stage: "s", kind: "shell", key: nil, outputs: [.init(path: "a\"b", sha256: nil, size: nil)], status: .known(.ran)).encoded
        #expect(StageComparison.outputPaths(escaped) == nil, "an escaped path is left to the JSON parser")
    }

    @Test("a kind version, a new stage, a removed stage and a failed stage that now ran are each named")
    func stageKinds() throws {
        let ws = try Workspace()
        var first = try ws.stages()
        first.append(StageRecord(stage: "gone", kind: "shell", key: Digest.of(string: "g"), status: .known(.ran)))
        first.append(StageRecord(stage: "flaky", kind: "shell", key: nil, status: .known(.failed), exitStatus: 1))
        var second = try ws.stages()
        second[1].kind = "survival/kaplan-meier@2"
        second.append(StageRecord(stage: "added", kind: "shell", key: Digest.of(string: "a"), status: .known(.ran)))
        second.append(StageRecord(stage: "flaky", kind: "shell", key: Digest.of(string: "f"), status: .known(.ran), exitStatus: 0))
        let diff = try Self.compare(ws, first, second)
        #expect(diff.stages.map { "\($0.stage): \($0.details.joined(separator: ", "))" } == [
            "added: only in run 2 (ran)",
            "flaky: key none → \(Digest.of(string: "f").short), failed → ran",
            "gone: only in run 1 (ran)",
            "km: kind survival/kaplan-meier@1 → survival/kaplan-meier@2",
        ])
        #expect(diff.unchangedStages == 1)
        #expect(diff.outputs.isEmpty && diff.inputs.isEmpty)
    }

    @Test("a changed source shows as an input with old and new sha256; outputs and JSON values that moved follow")
    func inputsOutputsResults() throws {
        let ws = try Workspace()
        let first = try ws.stages()
        ws.dir.write("data/raw.csv", "t,e\n1,1\n2,0\n")
        let second = try ws.stages(clean: "t,e\n1,1\n2,0\n")
        let diff = try Self.compare(ws, first, second)
        #expect(diff.inputs.map(\.path) == ["data/raw.csv"])
        #expect(diff.inputs[0].old?.sha256 == Digest.of(string: "t,e\n1,1\n") && diff.inputs[0].new?.sha256 == Digest.of(string: "t,e\n1,1\n2,0\n"))
        #expect(diff.outputs.map(\.path) == ["results/clean.csv", "results/km.json"])
        #expect(diff.results == [.init(file: "results/km.json", change: .init(path: "n", old: .integer(8), new: .integer(12)))])
    }
}
