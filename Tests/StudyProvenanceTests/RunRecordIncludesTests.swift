import StudyCore
import Testing
@testable import StudyProvenance

/// run.json records the files a workflow included and the profile it ran with; records without
/// them keep their bytes, and `diff` names an included file whose bytes moved.
@Suite("run record: included files and profile")
struct RunRecordIncludesTests {
    static func record(includes: [IncludedFile], profile: String?) -> RunRecord {
        RunRecord(run: 1, workflow: .init(file: "Workflows/study.yaml", digest: Digest.of(string: "w"), name: "s",
                                          params: ["width": .integer(5)], includes: includes, profile: profile),
                  timing: .init(started: 0, finished: 0), agent: .init(studyflowVersion: "", host: ""),
                  source: .init(commit: nil, dirty: nil), outcome: .ok, stages: .init(counting: [.ran]))
    }

    @Test("included files and the profile round-trip through run.json; without them the member is absent")
    func roundTrip() throws {
        let msk = IncludedFile(path: "Workflows/cohorts/msk.yaml", digest: Digest.of(string: "msk"))
        let record = Self.record(includes: [msk], profile: "wide")
        #expect(record.json["workflow"] == .object([
            "file": .string("Workflows/study.yaml"), "sha256": .string(Digest.of(string: "w").hex), "name": .string("s"),
            "includes": .array([.object(["file": .string(msk.path), "sha256": .string(msk.digest.hex)])]),
            "profile": .string("wide"),
        ]))
        #expect(RunRecord(json: record.json) == record)
        let plain = Self.record(includes: [], profile: nil)
        #expect(plain.json["workflow"] == .object(["file": .string("Workflows/study.yaml"), "sha256": .string(Digest.of(string: "w").hex),
                                                   "name": .string("s")]))
        #expect(RunRecord(json: plain.json) == plain)
    }

    @Test("diff lists an included file whose sha256 moved, one added, and a changed profile")
    func facts() {
        let a = IncludedFile(path: "Workflows/cohorts/a.yaml", digest: Digest.of(string: "a"))
        let b = IncludedFile(path: "Workflows/cohorts/b.yaml", digest: Digest.of(string: "b"))
        let edited = IncludedFile(path: a.path, digest: Digest.of(string: "a2"))
        let facts = RunLedger.runFacts(Self.record(includes: [a], profile: nil), Self.record(includes: [edited, b], profile: "wide"))
        #expect(facts == [
            RunDiff.Fact(name: "workflow.profile", old: nil, new: .string("wide")),
            RunDiff.Fact(name: "workflow.includes[Workflows/cohorts/a.yaml].sha256", old: .string(a.digest.hex), new: .string(edited.digest.hex)),
            RunDiff.Fact(name: "workflow.includes[Workflows/cohorts/b.yaml].sha256", old: nil, new: .string(b.digest.hex)),
        ])
    }
}
