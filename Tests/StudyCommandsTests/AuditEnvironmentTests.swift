import Foundation
import StudyCore
import StudyProvenance
import StudyStore
import Testing
import _StudyTestSupport
@testable import StudyCommands

/// `studyflow audit` shows what each stage of the lineage ran with: its container, whether it ran
/// sandboxed, and the host programs its command called (path, SHA-256, version line).
@Suite("audit: stage environment")
struct AuditEnvironmentTests {
    @Test("the environment lines: container, sandbox, then each tool with path, sha256 and version line")
    func lines() {
        let digest = Digest.of(string: "python")
        let environment = StageEnvironment(
            container: ContainerUse(image: "localhost/r:4", digest: "sha256:" + String(repeating: "c", count: 64), runtime: "podman", runtimeVersion: "4.3.1"),
            tools: [.init(name: "python3", path: "/usr/bin/python3.11", sha256: digest, version: "Python 3.11.2"),
                    .init(name: "mytool", path: "/opt/bin/mytool", sha256: digest, version: "")],
            sandbox: true)
        #expect(AuditCommand.environmentLines(environment) == """
            container localhost/r:4 sha256:\(String(repeating: "c", count: 64)) (podman 4.3.1)
            sandbox yes (bubblewrap: only its inputs visible, only its outputs writable, no network)
            tool   python3  /usr/bin/python3.11  sha256 \(digest.hex)  (Python 3.11.2)
            tool   mytool  /opt/bin/mytool  sha256 \(digest.hex)  (no version line)

        """)
        #expect(AuditCommand.environmentLines(StageEnvironment(sandbox: false)) == "    sandbox no\n")
        #expect(AuditCommand.environmentLines(nil) == "")
    }

    @Test("audit of a sandboxed stage's output names the sandbox and every program it called, also after a run that found it cached",
          .enabled(if: SandboxCommandTests.bwrapInstalled, "bubblewrap is not installed"))
    func endToEnd() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", SandboxCommandTests.workflow)
        dir.write("data/in.txt", "hello\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(try CLI.run(["run", "-C", dir.path, "--json"]).stdout.contains("\"ran\":[]"))
        let record = try GitCLI.run(["--git-dir", dir.path + "/.studyflow/provenance.git", "show", "refs/studyflow/runs~1:stages/count.json"],
                                    in: dir.path).stdout
        let json = try #require(try JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any])
        let tools = (json["environment"] as? [String: Any])?["tools"] as? [[String: String]] ?? []
        #expect(tools.map { $0["name"] } == ["wc"])
        var expected = "    sandbox yes (bubblewrap: only its inputs visible, only its outputs writable, no network)\n"
        for tool in tools {
            let name = tool["name"] ?? "", path = tool["path"] ?? "", version = tool["version"] ?? ""
            // The recorded digest is the program's bytes.
            #expect(tool["sha256"] == Digest.of(FileIO.read(path) ?? []).hex)
            expected += "    tool   \(name)  \(path)  sha256 \(tool["sha256"] ?? "")  (\(version.isEmpty ? "no version line" : version))\n"
        }
        let audit = try CLI.run(["audit", "-C", dir.path, "results/count.txt"])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("in run 2\n"))
        #expect(audit.stdout.contains("\n" + expected + "    input  results/copy.txt"), "\(audit.stdout)")
        // The copy stage ran unsandboxed: it calls cat, and no sandbox line is shown.
        #expect(audit.stdout.contains("  stage 'copy' (shell)"))
        #expect(!audit.stdout.components(separatedBy: "  stage 'copy'")[1].contains("sandbox"))
    }
}
