import Foundation
import StudyCore
import Testing
import _StudyTestSupport
@testable import StudyProvenance

/// Typed stage status and run outcome in the ledger's records (issue 14, item 3): the spellings on
/// disk stay those of older versions byte for byte, and a spelling this version does not know is
/// kept verbatim instead of failing the history.
@Suite("recorded status and outcome")
struct RecordedStatusTests {
    /// `run.json` of a failed run exactly as the version before typed statuses wrote it.
    static let oldRunJSON = """
    {
      "counts": {
        "cached": 3,
        "failed": 1,
        "skipped": 1
      },
      "dirty": null,
      "dirtyPaths": [],
      "executor": "local",
      "finished": "2026-12-06T23:31:34Z",
      "finishedEpoch": 1796599894.2087135,
      "host": "vm",
      "id": "615f8c80-19f3-4d19-8ba7-150079e79619",
      "outcome": "failed",
      "params": {},
      "run": 2,
      "sourceCommit": null,
      "sourceRepository": "none",
      "stagesDigest": "c42ad6713d354347edeb5a07a86840901caf610b7fee622169968b15f9105c63",
      "started": "2026-12-06T23:31:34Z",
      "startedEpoch": 1796599894.0158575,
      "studyflow": "0.1.0",
      "workflow": {
        "file": "Workflows/main.yaml",
        "name": "ref",
        "sha256": "6ba7e0655a825717b56aaa44f07d5d27c62896419d6a719f77a1864601e113ad"
      },
      "workspace": ".",
      "workspaceRoot": "/tmp/status-ref/ws",
      "worktree": null
    }

    """

    /// `stages/bad.json` of that run, as the same version wrote it.
    static let oldStageJSON = """
    {
      "executor": "local",
      "exitStatus": 3,
      "inputs": [
        {
          "path": "results/count.txt",
          "sha256": null,
          "size": null
        }
      ],
      "job": null,
      "key": null,
      "kind": "shell",
      "outputs": [
        {
          "path": "results/bad.txt",
          "sha256": null,
          "size": null
        }
      ],
      "params": {},
      "seconds": 0.039,
      "stage": "bad",
      "status": "failed"
    }

    """

    /// JSON text as a value (`.null` when it does not parse, which no record reads back from).
    static func parse(_ text: String) -> JSONValue { JSONText.parse(text) ?? .null }

    @Test("an older run.json and stage record read back typed and encode to the same bytes")
    func oldRecordsRoundTrip() throws {
        let run = try #require(RunRecord(json: Self.parse(Self.oldRunJSON)))
        #expect(run.outcome == .known(.failed))
        #expect(run.stages[.cached] == 3 && run.stages[.failed] == 1 && run.stages[.skipped] == 1 && run.stages.total == 5)
        #expect(run.workflow.name == "ref" && run.timing.started == 1796599894.0158575 && run.agent.host == "vm")
        #expect(run.place.workspaceRoot == "/tmp/status-ref/ws" && run.source.repository == .noRepository)
        #expect(String(decoding: run.encoded, as: UTF8.self) == Self.oldRunJSON)
        #expect(run.summaryLine == "run 2: 5 stages, 0 ran, 3 cached, 1 failed, 1 skipped, failed")

        let stage = try #require(StageRecord(json: Self.parse(Self.oldStageJSON)))
        #expect(stage.status == .known(.failed) && !stage.status.hasOutputs)
        #expect(String(decoding: stage.encoded, as: UTF8.self) == Self.oldStageJSON)
    }

    @Test("every status is spelled as before on disk and reads back as itself", arguments: StageStatus.allCases)
    func statusSpelling(status: StageStatus) throws {
        let record = StageRecord(stage: "s", kind: "shell", key: nil, status: .known(status))
        let text = JSONText.pretty(record.json)
        #expect(text.contains("\n  \"status\": \"\(status.rawValue)\"\n}\n"))
        let back = try #require(StageRecord(json: Self.parse(text)))
        #expect(back.status == .known(status) && back.fingerprint == record.fingerprint)
        #expect(["ran", "cached", "restored", "failed", "skipped", "interrupted"].contains(status.rawValue))
    }

    @Test("a status or outcome this version does not know is kept verbatim and trusted for nothing")
    func unknownSpellings() throws {
        let stageText = Self.oldStageJSON.replacingOccurrences(of: "\"status\": \"failed\"", with: "\"status\": \"queued\"")
        let stage = try #require(StageRecord(json: Self.parse(stageText)))
        #expect(stage.status == .unknown("queued") && stage.status.known == nil && !stage.status.hasOutputs)
        #expect(stage.status.description == "queued")
        #expect(String(decoding: stage.encoded, as: UTF8.self) == stageText)

        let runText = Self.oldRunJSON.replacingOccurrences(of: "\"outcome\": \"failed\"", with: "\"outcome\": \"paused\"")
        let run = try #require(RunRecord(json: Self.parse(runText)))
        #expect(run.outcome == .unknown("paused") && run.outcome != .known(.ok))
        #expect(run.summaryLine == "run 2: 5 stages, 0 ran, 3 cached, 1 failed, 1 skipped, paused")
        #expect(String(decoding: run.encoded, as: UTF8.self) == runText)
        // Spelled the same means equal, however the value was made.
        #expect(Recorded<StageStatus>.unknown("ran") == .known(.ran))
        #expect(Recorded<StageStatus>(rawValue: "interrupted") == .known(.interrupted))
    }

    @Test("an interrupted stage counts in the summary line after the others")
    func interruptedSummary() {
        let record = RunRecord(run: 3, workflow: .init(file: "w.yaml", digest: Digest.of(string: ""), name: "w"),
                               timing: .init(started: 0, finished: 0), agent: .init(studyflowVersion: "", host: ""),
                               source: .init(commit: nil, dirty: nil), outcome: .interrupted,
                               stages: .init(counting: [.ran, .interrupted, .skipped, .skipped]))
        #expect(record.summaryLine == "run 3: 4 stages, 1 ran, 0 cached, 2 skipped, 1 interrupted, interrupted")
        #expect(record.json["outcome"] == .string("interrupted"))
        #expect(record.json["counts"] == .object(["ran": .integer(1), "interrupted": .integer(1), "skipped": .integer(2)]))
    }
}

/// `RunCrate.write` was split into small functions (issue 14, item 4) with the crate's bytes
/// unchanged (checked against the function before the split on this run); this holds those bytes
/// for a fixed run, so a later change to them is deliberate.
@Suite("run crate bytes")
struct RunCrateBytesTests {
    @Test("the crate of a fixed run has the same bytes as before the split (ledger commit id aside)")
    func fixedCrate() throws {
        let ws = try RunLedgerTests.Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        var stages = try ws.stages()
        stages.append(StageRecord(stage: "late", kind: "shell", key: nil, inputs: [.init(path: "results/km.json", sha256: nil, size: nil)],
                                  outputs: [.init(path: "results/late.txt", sha256: nil, size: nil)], status: .known(.interrupted)))
        var record = ws.runRecord(1, stages, ledger: ledger)
        record.id = "00000000-0000-4000-8000-000000000001"
        record.outcome = .known(.interrupted)
        let commit = try ledger.record(record, stages: stages, workflowBytes: Array("name: t\n".utf8))
        let target = TemporaryDirectory()
        let written = try RunCrate(publisher: "Example Lab", license: "https://spdx.org/licenses/CC-BY-4.0")
            .write(try ledger.run("1"), ledger: ledger, into: target.path + "/crate")
        #expect(written == 4)
        let text = try #require(target.read("crate/ro-crate-metadata.json")).replacingOccurrences(of: commit.hex, with: "COMMIT")
        #expect(text.contains("\"name\": \"interrupted stage late (key none)\""))
        #expect(Digest.of(string: text).hex == "b81981a748b4e7b627e9d4b518db744ab7902dca3d1f359bd55ef0cd2b6d37da", "crate bytes changed:\n\(text)")
    }
}
