import StudyCore
@testable import StudyEngine
import StudyStore
import Synchronization
import Testing
import _StudyTestSupport

/// A runtime that answers from a table and counts what it was asked.
final class FakeContainerHost: ContainerHost, @unchecked Sendable {
    let images: Mutex<[String: String]>
    let pullable: [String: String]
    let inspections = Mutex<[String]>([])
    let pulls = Mutex<[String]>([])

    init(images: [String: String], pullable: [String: String] = [:]) {
        self.images = Mutex(images)
        self.pullable = pullable
    }

    func version(of runtime: ContainerRuntime) -> String { "4.3.1" }

    func inspect(_ image: String, runtime: ContainerRuntime) -> String? {
        inspections.withLock { $0.append(image) }
        return images.withLock { table in table[image] ?? table.values.first { $0 == image || "sha256:" + $0 == image } }
    }

    func pull(_ image: String, runtime: ContainerRuntime) -> String? {
        pulls.withLock { $0.append(image) }
        guard let digest = pullable[image] else { return "Error: initializing source docker://\(image): no such host" }
        images.withLock { $0[image] = digest }
        return nil
    }
}

private let digestA = String(repeating: "a", count: 64)
private let digestB = String(repeating: "b", count: 64)
private let podman = ContainerRuntime(kind: .podman, path: "/usr/bin/podman", version: "4.3.1")

private func shell(_ id: String, container: String? = nil, network: Bool = false) -> Stage {
    Stage(id: id, action: .shell(CommandTemplate("echo \(id)")), container: container, network: network)
}

private func resolve(_ stages: [Stage], host: FakeContainerHost, runtime: String? = nil, pull: Bool = false,
                     onPath: Set<String> = ["/usr/bin/podman"], pinned: [String: String] = [:]) -> Result<ContainerSetup, ContainerError> {
    ContainerSetup.resolve(stages: stages, runtimeName: runtime, pull: pull, searchPath: "/usr/local/bin:/usr/bin:/bin",
                           isExecutable: { onPath.contains($0) }, host: host, pinned: pinned)
}

@Suite("Containers: command lines")
struct ContainerInvocationTests {
    @Test("podman runs sh -c in the image ID with the workspace mounted, caller's ids, no network, keyed variables by name")
    func podmanArgv() {
        let invocation = ContainerInvocation(runtime: podman, image: digestA, root: "/work/study", user: (1000, 100), network: false,
                                             variables: ["STUDYFLOW_PARAM_SEED", "STUDYFLOW_STAGE"])
        #expect(invocation.arguments(command: "wc -l 'a b.csv' > out.txt") == [
            "/usr/bin/podman", "run", "--rm", "--pull=never", "--network=none", "--user", "1000:100",
            "-v", "/work/study:/work/study", "-w", "/work/study", "-e", "HOME=/tmp",
            "-e", "STUDYFLOW_PARAM_SEED", "-e", "STUDYFLOW_STAGE", digestA, "sh", "-c", "wc -l 'a b.csv' > out.txt",
        ])
        #expect(invocation.environment(values: ["STUDYFLOW_STAGE": "a"]) == [:])
    }

    @Test("network: true drops --network=none; docker takes the same command line")
    func dockerWithNetwork() {
        let docker = ContainerRuntime(kind: .docker, path: "/usr/local/bin/docker")
        let invocation = ContainerInvocation(runtime: docker, image: digestB, root: "/w", user: (0, 0), network: true, variables: [])
        #expect(invocation.arguments(command: "true") == [
            "/usr/local/bin/docker", "run", "--rm", "--pull=never", "--user", "0:0", "-v", "/w:/w", "-w", "/w",
            "-e", "HOME=/tmp", digestB, "sh", "-c", "true",
        ])
    }

    @Test("apptainer execs the image file with a clean environment; values go in as APPTAINERENV_ variables")
    func apptainerArgv() {
        let runtime = ContainerRuntime(kind: .apptainer, path: "/opt/bin/apptainer")
        let invocation = ContainerInvocation(runtime: runtime, image: "/images/tools.sif", root: "/w", user: (5, 6), network: false,
                                             variables: ["STUDYFLOW_STAGE"])
        #expect(invocation.arguments(command: "true") == [
            "/opt/bin/apptainer", "exec", "--containall", "--cleanenv", "--bind", "/w:/w", "--pwd", "/w", "--env", "HOME=/tmp",
            "--net", "--network", "none", "/images/tools.sif", "sh", "-c", "true",
        ])
        #expect(invocation.environment(values: ["STUDYFLOW_STAGE": "a", "SECRET": "x"]) == ["APPTAINERENV_STUDYFLOW_STAGE": "a"])
    }

    @Test("a SLURM job script runs the same container command line, each word quoted")
    func slurmCommand() {
        let submission = SlurmSubmission(logPath: "/w/.studyflow/logs/1/a.log")
        let invocation = ContainerInvocation(runtime: podman, image: digestA, root: "/w", user: (1, 2), network: false,
                                             variables: ["STUDYFLOW_STAGE"])
        let command = submission.command(for: .shell("echo 'hi there'"), container: invocation, studyflowBinary: "/bin/studyflow")
        #expect(command == #"/usr/bin/podman run --rm --pull=never --network=none --user 1:2 -v /w:/w -w /w -e HOME=/tmp -e STUDYFLOW_STAGE "# + digestA + #" sh -c 'echo '\''hi there'\'''"#)
        #expect(submission.command(for: .shell("true"), studyflowBinary: "/bin/studyflow") == "/bin/sh -c true")
    }
}

@Suite("Containers: runtime discovery")
struct ContainerRuntimeTests {
    @Test("podman is preferred over docker over apptainer, in PATH order")
    func discoveryOrder() throws {
        let all: Set<String> = ["/usr/local/bin/apptainer", "/usr/local/bin/docker", "/usr/bin/podman"]
        let find = { (set: Set<String>) in
            ContainerRuntime.locate(named: nil, searchPath: "/usr/local/bin::relative:/usr/bin", isExecutable: { set.contains($0) })
        }
        #expect(try find(all).get() == ContainerRuntime(kind: .podman, path: "/usr/bin/podman"))
        #expect(try find(all.subtracting(["/usr/bin/podman"])).get() == ContainerRuntime(kind: .docker, path: "/usr/local/bin/docker"))
        #expect(try find(["/usr/local/bin/apptainer"]).get().kind == .apptainer)
        #expect(throws: ContainerError.noRuntime(named: nil)) { try find(["relative/podman"]).get() }
    }

    @Test("a named runtime is looked up by name or taken as a path; unknown names are refused")
    func named() throws {
        let onPath: Set<String> = ["/usr/bin/podman", "/usr/local/bin/docker", "/opt/podman"]
        let locate = { (name: String) in
            ContainerRuntime.locate(named: name, searchPath: "/usr/local/bin:/usr/bin", isExecutable: { onPath.contains($0) })
        }
        #expect(try locate("docker").get() == ContainerRuntime(kind: .docker, path: "/usr/local/bin/docker"))
        #expect(try locate("/opt/podman").get() == ContainerRuntime(kind: .podman, path: "/opt/podman"))
        #expect(throws: ContainerError.noRuntime(named: "apptainer")) { try locate("apptainer").get() }
        #expect(throws: ContainerError.unknownRuntime("nosuch")) { try locate("nosuch").get() }
        #expect(ContainerError.unknownRuntime("nosuch").description
            == "unknown container runtime 'nosuch'; use podman, docker or apptainer (or a path to one of them)")
    }

    @Test("the version is the first number of the --version line")
    func version() {
        #expect(ContainerRuntime.version(fromLine: "podman version 4.3.1\n") == "4.3.1")
        #expect(ContainerRuntime.version(fromLine: "Docker version 24.0.5, build ced0996") == "24.0.5")
        #expect(ContainerRuntime.version(fromLine: "apptainer version 1.2.5-1.el8") == "1.2.5-1.el8")
        #expect(ContainerRuntime.version(fromLine: "") == "")
    }
}

@Suite("Containers: plan-time resolution")
struct ContainerSetupTests {
    @Test("10,000 instances of one image cost one inspect; host stages none")
    func oneInspectPerImage() throws {
        let host = FakeContainerHost(images: ["localhost/tools:1": digestA, "localhost/r:4": "sha256:" + digestB])
        var stages = (0..<10_000).map { shell("cox@\($0)", container: "localhost/tools:1") }
        stages += [shell("host"), shell("r", container: "localhost/r:4")]
        let setup = try resolve(stages, host: host).get()
        #expect(host.inspections.withLock { $0 } == ["localhost/tools:1", "localhost/r:4"])
        #expect(setup.runtime == podman)
        #expect(setup.digests == ["localhost/tools:1": "sha256:" + digestA, "localhost/r:4": "sha256:" + digestB])
        #expect(setup.use(for: stages[0]) == ContainerUse(image: "localhost/tools:1", digest: "sha256:" + digestA, runtime: "podman",
                                                           runtimeVersion: "4.3.1"))
        #expect(setup.use(for: shell("host")) == nil)
    }

    @Test("a workflow without containers never looks for a runtime")
    func noContainers() throws {
        let host = FakeContainerHost(images: [:])
        #expect(try resolve([shell("a")], host: host, onPath: []).get() == .none)
        #expect(host.inspections.withLock { $0 }.isEmpty)
    }

    @Test("a missing image names its first stage and the fix; nothing is pulled silently")
    func missingImage() {
        let host = FakeContainerHost(images: [:])
        let stages = [shell("a@1", container: "localhost/gone:1"), shell("a@2", container: "localhost/gone:1")]
        let error = ContainerError.imageMissing(image: "localhost/gone:1", stage: "a@1", more: 1, runtime: .podman)
        #expect(throws: error) { try resolve(stages, host: host).get() }
        #expect(error.description == "image 'localhost/gone:1' of stage 'a@1' (and 1 more stage) is not in podman's image store and studyflow does not pull silently; run 'podman pull localhost/gone:1', or rerun with --pull")
        #expect(host.pulls.withLock { $0 }.isEmpty)
    }

    @Test("--pull pulls a missing image and keys its digest; a failed pull is an error")
    func pull() throws {
        let host = FakeContainerHost(images: [:], pullable: ["quay.io/x:1": digestB])
        let setup = try resolve([shell("a", container: "quay.io/x:1")], host: host, pull: true).get()
        #expect(setup.digests == ["quay.io/x:1": "sha256:" + digestB])
        #expect(host.pulls.withLock { $0 } == ["quay.io/x:1"])
        let failing = FakeContainerHost(images: [:])
        let error = ContainerError.pullFailed(image: "nope:1", stage: "a", runtime: .podman,
                                              message: "Error: initializing source docker://nope:1: no such host")
        #expect(throws: error) { try resolve([shell("a", container: "nope:1")], host: failing, pull: true).get() }
        #expect(error.description == "could not pull image 'nope:1' of stage 'a' with podman: Error: initializing source docker://nope:1: no such host; check the name and the registry, or load the image yourself")
    }

    @Test("no runtime on PATH names the stage, the image and the fix")
    func missingRuntime() {
        let host = FakeContainerHost(images: [:])
        let stages = [shell("a", container: "localhost/tools:1"), shell("b", container: "localhost/tools:2")]
        let error = ContainerError.runtimeMissing(.noRuntime(named: nil), stage: "a", image: "localhost/tools:1", more: 1)
        #expect(throws: error) { try resolve(stages, host: host, onPath: []).get() }
        #expect(error.description == "stage 'a' (and 1 more stage) runs in container 'localhost/tools:1', but no container runtime (podman, docker or apptainer) was found on PATH; install one, e.g. 'apt-get install podman'")
        let named = ContainerError.runtimeMissing(.noRuntime(named: "docker"), stage: "a", image: "localhost/tools:1", more: 0)
        #expect(throws: named) { try resolve([stages[0]], host: host, runtime: "docker").get() }
        #expect(named.description == "stage 'a' runs in container 'localhost/tools:1', but container runtime 'docker' was not found on PATH; install it, or name another with --container-runtime (podman, docker, apptainer)")
    }

    @Test("reproduce runs the recorded digest, and fails clearly when that image is gone")
    func pinned() throws {
        // The tag has moved on to B; the recorded A is still present: A runs.
        let host = FakeContainerHost(images: ["localhost/tools:1": digestB, "old": digestA])
        let stages = [shell("a", container: "localhost/tools:1")]
        let setup = try resolve(stages, host: host, pinned: ["localhost/tools:1": "sha256:" + digestA]).get()
        #expect(setup.digests == ["localhost/tools:1": "sha256:" + digestA])
        #expect(setup.invocation(for: stages[0], root: "/w", user: (1, 1), variables: [])?.image == digestA)
        let gone = FakeContainerHost(images: ["localhost/tools:1": digestB])
        let error = ContainerError.recordedImageMissing(image: "localhost/tools:1", digest: "sha256:" + digestA, stage: "a", runtime: .podman)
        #expect(throws: error) { try resolve(stages, host: gone, pinned: ["localhost/tools:1": "sha256:" + digestA]).get() }
        #expect(error.description == "stage 'a' ran in image 'localhost/tools:1' with digest sha256:\(digestA), which is no longer in podman's image store; load that exact image again (e.g. 'podman pull localhost/tools:1' if the registry still has it) to reproduce the run")
    }
}

@Suite("Containers: keys, reasons and jobs")
struct ContainerKeyTests {
    static let yaml = """
    name: demo
    stages:
      boxed:
        container: localhost/tools:1
        run: echo boxed > ${outputs.out}
        outputs: {out: results/boxed.txt}
      host:
        run: echo host > ${outputs.out}
        outputs: {out: results/host.txt}
    """

    static func setup(_ digest: String) -> ContainerSetup {
        ContainerSetup(runtime: podman, digests: ["localhost/tools:1": "sha256:" + digest])
    }

    @Test("a retag reruns exactly the container stages, with the reason naming both digests")
    func retagReruns() throws {
        let ws = TestWorkspace(yaml: Self.yaml)
        ws.containers = Self.setup(digestA)
        #expect(try ws.run().summary.ids(.ran) == ["boxed", "host"])
        #expect(try ws.run().summary.ids(.cached) == ["boxed", "host"])
        ws.containers = Self.setup(digestB)
        let summary = try ws.run().summary
        #expect(summary.ids(.ran) == ["boxed"])
        #expect(summary.ids(.cached) == ["host"])
        #expect(summary.reasons("boxed") == [.containerChanged(image: "localhost/tools:1", from: "sha256:" + digestA, to: "sha256:" + digestB)])
        #expect(summary.reasons("boxed").map(\.description) == ["container localhost/tools:1 changed (sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…)"])
        #expect(try ws.preview().entries.allSatisfy { $0.reasons.isEmpty })
    }

    @Test("the digest enters the key only when present: a host stage keeps its key, a container stage's differs per digest")
    func keys() throws {
        let ws = TestWorkspace(yaml: Self.yaml)
        let bare = try ws.workspace()
        ws.containers = Self.setup(digestA)
        let withA = try ws.workspace()
        ws.containers = Self.setup(digestB)
        let withB = try ws.workspace()
        func key(_ w: Workspace, _ index: Int) throws -> Digest {
            try w.resolver.resolve(w.compiled.workflow.stages[index], commandWords: []).get().key
        }
        #expect(try key(bare, 1) == key(withA, 1))
        #expect(try key(withA, 0) != key(withB, 0))
        #expect(try key(bare, 0) != key(withA, 0))
        #expect(try withA.resolver.resolve(withA.compiled.workflow.stages[0], commandWords: []).get().container?.digest == "sha256:" + digestA)
    }

    @Test("reasons for a container added or removed")
    func addedRemoved() {
        #expect(Reason.containerChanged(image: "x:1", from: nil, to: "sha256:" + digestA).description == "container x:1 added (sha256:aaaaaaaaaaaa…)")
        #expect(Reason.containerChanged(image: "x:1", from: "sha256:" + digestA, to: nil).description == "container x:1 removed")
    }

    @Test("a container stage's job carries the invocation; a host stage's none; the record keeps the container")
    func jobs() throws {
        let ws = TestWorkspace(yaml: Self.yaml)
        ws.containers = Self.setup(digestA)
        let seen = Mutex<[String: ContainerInvocation?]>([:])
        let compiled = try ws.compile()
        let executor = FakeExecutor(workflow: compiled.workflow, root: ws.directory.path, behaviours: [
            "boxed": { job in seen.withLock { $0["boxed"] = job.job.container }; job.write(output: "out", "x"); return .succeeded },
            "host": { job in seen.withLock { $0["host"] = job.job.container }; job.write(output: "out", "y"); return .succeeded },
        ])
        let summary = try ws.run(executor: executor).summary
        let boxed = try #require(seen.withLock { $0["boxed"] } ?? nil)
        #expect(boxed.image == digestA)
        #expect(boxed.root == ws.directory.path)
        #expect(boxed.network == false)
        #expect(boxed.variables == ["STUDYFLOW_RUN", "STUDYFLOW_STAGE"])
        #expect(seen.withLock { $0["host"] } == .some(nil))
        let record = try #require(summary.results.first { $0.stage == "boxed" }?.record)
        #expect(record.container == ContainerUse(image: "localhost/tools:1", digest: "sha256:" + digestA, runtime: "podman", runtimeVersion: "4.3.1"))
    }
}

@Suite("Containers: workspace mount")
struct ContainerMountTests {
    @Test("a workspace path the bind-mount syntax cannot carry stops the run before anything runs")
    func unmountableRoot() {
        let host = FakeContainerHost(images: ["x:1": digestA])
        let result = ContainerSetup.resolve(stages: [shell("a", container: "x:1")], runtimeName: nil, pull: false,
                                            searchPath: "/usr/bin", isExecutable: { $0 == "/usr/bin/podman" }, host: host,
                                            root: "/data/study:v2")
        let error = ContainerError.unmountableRoot("/data/study:v2", stage: "a")
        #expect(throws: error) { try result.get() }
        #expect(error.description == "stage 'a' runs in a container, but the workspace path '/data/study:v2' holds ':' or ',', which the runtime's bind-mount syntax cannot carry; move or link the workspace to a path without them")
        let plain = ContainerSetup.resolve(stages: [shell("a")], runtimeName: nil, pull: false, searchPath: "/usr/bin",
                                           isExecutable: { _ in false }, host: host, root: "/data/study:v2")
        #expect(throws: Never.self) { try plain.get() }
    }
}
