import StudyCore
@testable import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// A workflow with `container:` stages gets the no-op shortcut too, keyed so that a retagged image
/// is still seen: the shortcut finds the runtime again and inspects each distinct image once.
@Suite("No-op shortcut with containers")
struct SnapshotContainerTests {
    static let digestA = "sha256:" + String(repeating: "a", count: 64)
    static let digestB = "sha256:" + String(repeating: "b", count: 64)
    static let yaml = """
    name: demo
    stages:
      boxed:
        container: localhost/tools:1
        run: echo boxed > ${outputs.out}
        outputs: {out: results/boxed.txt}
      again:
        container: localhost/tools:1
        run: echo again > ${outputs.out}
        outputs: {out: results/again.txt}
      host:
        run: echo host > ${outputs.out}
        outputs: {out: results/host.txt}
    """

    /// The fake runtime's host, the set of paths that are executable, and a check that uses both.
    final class Machine: @unchecked Sendable {
        let host: FakeContainerHost
        var onPath: Set<String> = ["/usr/bin/podman"]
        init(images: [String: String]) { host = FakeContainerHost(images: images) }

        func setup(runtime: String? = nil) throws -> ContainerSetup {
            try ContainerSetup.resolve(stages: try WorkflowLoader().load(text: SnapshotContainerTests.yaml, file: "w.yaml").stages,
                                       runtimeName: runtime, pull: false, searchPath: "/usr/local/bin:/usr/bin:/bin",
                                       isExecutable: { self.onPath.contains($0) }, host: host).get()
        }

        func check(_ ws: TestWorkspace) -> SnapshotCheck {
            var check = SnapshotCheck(stamp: "test", workflowDigest: Digest.of(string: ws.yaml), params: [:], environment: { _ in nil })
            check.factsHold = { facts in
                ContainerSetup.snapshotFactsHold(facts, searchPath: "/usr/local/bin:/usr/bin:/bin",
                                                 isExecutable: { self.onPath.contains($0) }, host: self.host)
            }
            return check
        }
    }

    /// A run of every stage (they execute), recording the snapshot.
    private func snapshotted(runtime: String? = nil) throws -> (TestWorkspace, Machine, SnapshotCheck) {
        let ws = TestWorkspace(yaml: Self.yaml)
        let machine = Machine(images: ["localhost/tools:1": Self.digestA])
        ws.containers = try machine.setup(runtime: runtime)
        let check = machine.check(ws)
        let runner = Runner(workspace: try ws.workspace(), executor: FakeExecutor(workflow: try ws.compile().workflow, root: ws.directory.path),
                            options: RunOptions(jobs: 2), observers: [], run: 1, snapshot: check)
        try #require(try runner.execute().ok)
        #expect(ws.directory.exists(".studyflow/snapshot"))
        machine.host.inspections.withLock { $0 = [] }
        return (ws, machine, check)
    }

    @Test("a run of a container workflow writes the snapshot; the next no-op is answered with one inspect per distinct image")
    func shortcut() throws {
        let (ws, machine, check) = try snapshotted()
        #expect(check.unchangedStages(ws.layout) == ["boxed", "again", "host"])
        #expect(machine.host.inspections.withLock { $0 } == ["localhost/tools:1"])
    }

    @Test("a retagged image is seen: no shortcut, and the full check reruns exactly the stages that use it")
    func retag() throws {
        let (ws, machine, check) = try snapshotted()
        machine.host.images.withLock { $0["localhost/tools:1"] = Self.digestB }
        #expect(check.unchangedStages(ws.layout) == nil)
        ws.containers = try machine.setup()
        let summary = try ws.run().summary
        #expect(summary.ids(.ran) == ["again", "boxed"])
        #expect(summary.ids(.cached) == ["host"])
    }

    @Test("an image gone from the store, or another runtime found on PATH, is no shortcut")
    func goneOrOtherRuntime() throws {
        let (ws, machine, check) = try snapshotted()
        machine.host.images.withLock { $0 = [:] }
        #expect(check.unchangedStages(ws.layout) == nil)
        let (ws2, machine2, check2) = try snapshotted()
        machine2.onPath = ["/usr/local/bin/podman", "/usr/bin/podman"]
        #expect(check2.unchangedStages(ws2.layout) == nil)
        machine2.onPath = ["/usr/bin/docker"]
        #expect(check2.unchangedStages(ws2.layout) == nil)
    }

    @Test("a runtime asked for by name is found by that name again")
    func namedRuntime() throws {
        let (ws, machine, check) = try snapshotted(runtime: "podman")
        machine.onPath = ["/usr/bin/podman", "/usr/bin/docker"]
        #expect(check.unchangedStages(ws.layout) == ["boxed", "again", "host"])
        let facts = try machine.setup(runtime: "podman").snapshotFacts
        #expect(facts == ["container-runtime": "podman /usr/bin/podman", "container-runtime-request": "podman",
                          "image localhost/tools:1": Self.digestA])
    }

    @Test("facts this version does not know, or a missing runtime fact, do not hold")
    func unknownFacts() {
        let host = FakeContainerHost(images: ["x:1": Self.digestA])
        let hold: ([String: String]) -> Bool = {
            ContainerSetup.snapshotFactsHold($0, searchPath: "/usr/bin", isExecutable: { $0 == "/usr/bin/podman" }, host: host)
        }
        #expect(hold([:]))
        #expect(hold(["container-runtime": "podman /usr/bin/podman", "image x:1": Self.digestA]))
        #expect(!hold(["container-runtime": "podman /usr/bin/podman", "image x:1": Self.digestA, "network x": "on"]))
        #expect(!hold(["image x:1": Self.digestA]))
    }
}
