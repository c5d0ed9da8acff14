import StudyCore
@testable import StudyProvenance
import Testing

/// The `"environment"` member of a stage record: present only when something is known, read back
/// as written, and part of the record's fingerprint only when present.
@Suite("Stage record environment")
struct StageEnvironmentTests {
    private func record(_ environment: StageEnvironment?) -> StageRecord {
        var record = StageRecord(stage: "clean", kind: "shell", key: Digest.of(string: "k"), status: .known(.ran), exitStatus: 0)
        record.environment = environment
        return record
    }

    @Test("a sandboxed stage's record says \"environment\": {\"sandbox\": true} and reads back the same")
    func sandboxed() {
        let json = record(StageEnvironment(sandbox: true)).json
        #expect(json["environment"] == .object(["sandbox": .bool(true)]))
        #expect(StageRecord(json: json)?.environment == StageEnvironment(sandbox: true))
        #expect(StageRecord(json: json) == record(StageEnvironment(sandbox: true)))
    }

    @Test("a record without an environment has no \"environment\" member and keeps its fingerprint")
    func absent() {
        #expect(record(nil).json["environment"] == nil)
        #expect(record(StageEnvironment()).json["environment"] == nil)
        #expect(record(nil).fingerprint == record(StageEnvironment()).fingerprint)
        #expect(record(nil).fingerprint != record(StageEnvironment(sandbox: true)).fingerprint)
        #expect(StageRecord(json: record(nil).json)?.environment == nil)
    }
}
