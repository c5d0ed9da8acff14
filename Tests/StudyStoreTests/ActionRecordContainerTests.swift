import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

@Suite("ActionRecord: container")
struct ActionRecordContainerTests {
    private func record(_ stage: String, container: ContainerUse?) -> ActionRecord {
        ActionRecord(stage: stage, key: Digest.of(string: stage), kind: "shell", commandDigest: Digest.of(string: "cmd"),
                     inputs: [InputState(path: "data/raw.csv", digest: Digest.of(string: "raw"))],
                     outputs: [OutputState(path: "results/out.txt", digest: Digest.of(string: "out"), size: 3)],
                     container: container)
    }

    @Test("the container a stage ran in survives the log; records without one read back without one")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/actions.log"
        let use = ContainerUse(image: "localhost/tools:1", digest: "sha256:" + String(repeating: "c", count: 64),
                               runtime: "podman", runtimeVersion: "4.3.1")
        let records = [record("boxed", container: use), record("host", container: nil)]
        try ActionLog(path: path).append(records, durable: false)
        let reopened = ActionLog(path: path)
        #expect(reopened.record(stage: "boxed", key: Digest.of(string: "boxed")) == records[0])
        #expect(reopened.record(stage: "host", key: Digest.of(string: "host"))?.container == nil)
        #expect(reopened.allRecords.count == 2)
    }
}
