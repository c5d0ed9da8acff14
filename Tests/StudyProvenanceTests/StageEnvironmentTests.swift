import StudyCore
@testable import StudyProvenance
import Testing

/// The `"environment"` member of a stage record: present only when something is known, read back
/// as written, and part of the record's fingerprint only when present.
@Suite("StageEnvironment")
struct StageEnvironmentTests {
    static let container = StageEnvironment.Container(image: "localhost/tools:1", digest: "sha256:" + String(repeating: "d", count: 64),
                                                      runtime: "podman", runtimeVersion: "4.3.1")

    @Test("a container stage's record holds environment.container with image, digest, runtime and version")
    func recordJSON() throws {
        let record = StageRecord(stage: "boxed", kind: "shell", key: Digest.of(string: "k"), status: .known(.ran),
                                 environment: StageEnvironment(container: Self.container))
        let environment = try #require(record.json["environment"])
        #expect(environment.canonicalJSON == #"{"container":{"digest":"sha256:\#(String(repeating: "d", count: 64))","image":"localhost/tools:1","runtime":"podman","runtime_version":"4.3.1"}}"#)
        let back = try #require(StageRecord(json: record.json))
        #expect(back == record)
        #expect(back.fingerprint == record.fingerprint)
    }

    @Test("a host stage's record has no environment, and its fingerprint is what it always was")
    func hostRecord() {
        let plain = StageRecord(stage: "host", kind: "shell", key: Digest.of(string: "k"), status: .known(.ran))
        let empty = StageRecord(stage: "host", kind: "shell", key: Digest.of(string: "k"), status: .known(.ran),
                                environment: StageEnvironment())
        #expect(plain.json["environment"] == nil)
        #expect(empty == plain)
        let boxed = StageRecord(stage: "host", kind: "shell", key: Digest.of(string: "k"), status: .known(.ran),
                                environment: StageEnvironment(container: Self.container))
        #expect(boxed.fingerprint != plain.fingerprint)
    }

    @Test("image references split into registry, name and tag for the crate's ContainerImage")
    func imageNames() {
        func parts(_ reference: String) -> [String?] {
            let name = ContainerImageName(reference)
            return [name.registry, name.name, name.tag]
        }
        #expect(parts("localhost/studyflow-test:1") == ["localhost", "studyflow-test", "1"])
        #expect(parts("debian:12") == ["docker.io", "debian", "12"])
        #expect(parts("quay.io/biocontainers/samtools:1.9") == ["quay.io", "biocontainers/samtools", "1.9"])
        #expect(parts("registry:5000/lab/r") == ["registry:5000", "lab/r", nil])
        #expect(parts("debian@sha256:" + String(repeating: "e", count: 64)) == ["docker.io", "debian", nil])
    }

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

    static let digest = Digest.of(string: "fake python")

    static func toolRecord(_ environment: StageEnvironment?) -> StageRecord {
        StageRecord(stage: "fit", kind: "shell", key: Digest.of(string: "key"), status: .known(.ran), exitStatus: 0,
                    seconds: 1.5, environment: environment)
    }

    @Test("tools are written as name, path, sha256 and version under environment.tools")
    func json() {
        let tools = [StageEnvironment.Tool(name: "python3", path: "/usr/bin/python3.11", sha256: Self.digest, version: "Python 3.11.2")]
        let json = Self.toolRecord(StageEnvironment(tools: tools)).json
        #expect(json["environment"]?.canonicalJSON
            == "{\"tools\":[{\"name\":\"python3\",\"path\":\"/usr/bin/python3.11\",\"sha256\":\"\(Self.digest.hex)\",\"version\":\"Python 3.11.2\"}]}")
        #expect(StageRecord(json: json) == Self.toolRecord(StageEnvironment(tools: tools)))
    }

    @Test("a record without an environment has no environment member and its old fingerprint")
    func absentTools() {
        let plain = Self.toolRecord(nil)
        #expect(plain.json["environment"] == nil)
        #expect(plain.fingerprint != Self.toolRecord(StageEnvironment(tools: [])).fingerprint)
        #expect(StageRecord(json: plain.json) == plain)
    }
}
