import Foundation
import Testing
import _StudyTestSupport

/// `container:` stages through the built binary: the plan-time errors need no runtime at all; the
/// end-to-end check runs only where podman and busybox are installed (skipped cleanly elsewhere).
@Suite("studyflow run with containers")
struct ContainerCommandTests {
    static let workflow = """
    name: c
    container: localhost/studyflow-missing:1
    stages:
      one:
        run: cat /etc/studyflow-marker > ${outputs.out}
        outputs: {out: results/one.txt}
    """

    @Test("no runtime on PATH: exit 2 before anything runs, naming the stage, the image and the fix; nothing written")
    func noRuntime() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        let result = try CLI.run(["run", "-C", dir.path], environment: ["PATH": "/nonexistent"])
        #expect(result.status == 2)
        #expect(result.stderr == "studyflow: error: stage 'one' runs in container 'localhost/studyflow-missing:1', but no container runtime (podman, docker or apptainer) was found on PATH; install one, e.g. 'apt-get install podman'\n")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/.studyflow"))
        let status = try CLI.run(["status", "-C", dir.path], environment: ["PATH": "/nonexistent"])
        #expect(status.status == 2)
    }

    @Test("an unknown --container-runtime is a usage error; a runtime that is not on PATH is named")
    func namedRuntime() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        let unknown = try CLI.run(["run", "-C", dir.path, "--container-runtime", "nosuch"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "studyflow: error: unknown container runtime 'nosuch'; use podman, docker or apptainer (or a path to one of them)\n")
        let absent = try CLI.run(["run", "-C", dir.path, "--container-runtime", "apptainer"], environment: ["PATH": "/nonexistent"])
        #expect(absent.status == 2)
        #expect(absent.stderr.contains("container runtime 'apptainer' was not found on PATH; install it, or name another with --container-runtime (podman, docker, apptainer)"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/.studyflow"))
    }

    static var podmanUsable: Bool {
        ["/usr/bin/podman", "/usr/sbin/runc", "/bin/busybox"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test("the stage sees the image's files; a retag reruns it with the reason; a missing image is exit 2",
          .enabled(if: ContainerCommandTests.podmanUsable, "needs podman, runc and busybox-static"))
    func endToEnd() throws {
        let dir = TemporaryDirectory()
        let conf = dir.path + "/containers.conf"
        try "[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = \"cgroupfs\"\nruntime = \"runc\"\n"
            .write(toFile: conf, atomically: true, encoding: .utf8)
        let env = ["CONTAINERS_CONF": conf]
        let tag = "localhost/studyflow-unit-\(getpid()):1"
        let build = { (marker: String) throws -> String in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.packageRoot + "/scripts/build-test-image.sh")
            process.arguments = ["--marker", marker, "--tag", tag]
            process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        defer {
            let cleanup = Process()
            cleanup.executableURL = URL(fileURLWithPath: "/usr/bin/podman")
            cleanup.arguments = ["rmi", "-f", tag]
            cleanup.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            cleanup.standardOutput = FileHandle.nullDevice
            cleanup.standardError = FileHandle.nullDevice
            try? cleanup.run()
            cleanup.waitUntilExit()
        }
        let first = try build("one")
        let work = dir.path + "/ws"
        try FileManager.default.createDirectory(atPath: work + "/Workflows", withIntermediateDirectories: true)
        try Self.workflow.replacingOccurrences(of: "localhost/studyflow-missing:1", with: tag)
            .write(toFile: work + "/Workflows/main.yaml", atomically: true, encoding: .utf8)
        let ran = try CLI.run(["run", "-C", work], environment: env)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(try String(contentsOfFile: work + "/results/one.txt", encoding: .utf8) == "one\n")
        let second = try build("two")
        let status = try CLI.run(["status", "-C", work], environment: env)
        let short = { (id: String) in "sha256:" + id.replacingOccurrences(of: "sha256:", with: "").prefix(12) + "…" }
        #expect(status.stdout.contains("container \(tag) changed (\(short(first)) → \(short(second)))"), "\(status.stdout)")
        #expect(try CLI.run(["run", "-C", work], environment: env).status == 0)
        #expect(try String(contentsOfFile: work + "/results/one.txt", encoding: .utf8) == "two\n")
        try Self.workflow.replacingOccurrences(of: "localhost/studyflow-missing:1", with: tag + "-gone")
            .write(toFile: work + "/Workflows/main.yaml", atomically: true, encoding: .utf8)
        let missing = try CLI.run(["run", "-C", work], environment: env)
        #expect(missing.status == 2)
        #expect(missing.stderr == "studyflow: error: image '\(tag)-gone' of stage 'one' is not in podman's image store and studyflow does not pull silently; run 'podman pull \(tag)-gone', or rerun with --pull\n")
    }
}
