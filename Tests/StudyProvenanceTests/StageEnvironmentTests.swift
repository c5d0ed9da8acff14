import StudyCore
import Testing
@testable import StudyProvenance

/// The `"environment"` member of a stage record (issue 16): present only when something was
/// recorded, so records without it keep their bytes and their blobs.
@Suite("stage environment in records")
struct StageEnvironmentTests {
    static let digest = Digest.of(string: "fake python")

    static func record(_ environment: StageEnvironment?) -> StageRecord {
        StageRecord(stage: "fit", kind: "shell", key: Digest.of(string: "key"), status: .known(.ran), exitStatus: 0,
                    seconds: 1.5, environment: environment)
    }

    @Test("tools are written as name, path, sha256 and version under environment.tools")
    func json() {
        let tools = [StageEnvironment.Tool(name: "python3", path: "/usr/bin/python3.11", sha256: Self.digest, version: "Python 3.11.2")]
        let json = Self.record(StageEnvironment(tools: tools)).json
        #expect(json["environment"]?.canonicalJSON
            == "{\"tools\":[{\"name\":\"python3\",\"path\":\"/usr/bin/python3.11\",\"sha256\":\"\(Self.digest.hex)\",\"version\":\"Python 3.11.2\"}]}")
        #expect(StageRecord(json: json) == Self.record(StageEnvironment(tools: tools)))
    }

    @Test("a record without an environment has no environment member and its old fingerprint")
    func absent() {
        let plain = Self.record(nil)
        #expect(plain.json["environment"] == nil)
        #expect(plain.fingerprint != Self.record(StageEnvironment(tools: [])).fingerprint)
        #expect(StageRecord(json: plain.json) == plain)
    }
}
