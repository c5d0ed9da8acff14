#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// `tools:` as a user meets it: real stages calling fake programs first on PATH.
@Suite("studyflow run with tools")
struct ToolsCommandTests {
    static let workflow = """
    name: tools
    stages:
      fit:
        run: fakepy > ${outputs.out} && fakeawk | sort >> ${outputs.out}
        outputs: {out: results/fit.txt}
        tools: [fakepy]

    """

    /// A workspace and a bin directory holding `fakepy` and `fakeawk`, which print `out` when run
    /// and `version` for `--version`.
    final class Setup: @unchecked Sendable {
        let dir = TemporaryDirectory()
        let bin = TemporaryDirectory(prefix: "studyflow-bin")

        init(_ yaml: String = ToolsCommandTests.workflow) {
            dir.write("Workflows/main.yaml", yaml)
            install("fakepy", version: "fakepy 3.11.2")
            install("fakeawk", version: "fakeawk 4.2.1")
        }

        func install(_ name: String, version: String) {
            bin.write(name, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo '\(version)'; else echo '\(name) ran'; fi\n")
            chmod(bin.path + "/" + name, 0o755)
        }

        var path: String { bin.path + ":/usr/bin:/bin" }

        func run(_ arguments: [String]) throws -> CLI.Result {
            try CLI.run(arguments + ["-C", dir.path], environment: ["PATH": path, "STUDYFLOW_NO_PROVENANCE": "0"])
        }
    }

    @Test("a listed tool upgrade reruns the stage with the reason; the record names each tool")
    func upgrade() throws {
        let setup = Setup()
        let first = try setup.run(["run"])
        try #require(first.status == 0, "\(first.stderr)")
        #expect(setup.dir.read("results/fit.txt") == "fakepy ran\nfakeawk ran\n")
        let stored = try GitCLI.run(["show", "refs/studyflow/runs:stages/fit.json"], in: setup.dir.path + "/.studyflow/provenance.git").stdout
        let record = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
        let tools = try #require((record["environment"] as? [String: Any])?["tools"] as? [[String: String]])
        #expect(tools.map { $0["name"] } == ["fakepy", "/bin/sh", "fakeawk", "sort"])
        #expect(tools.first?["version"] == "fakepy 3.11.2")
        #expect(tools.first?["path"] == setup.bin.path + "/fakepy")
        #expect(tools.first?["sha256"] == Digest.of(string: setup.bin.read("fakepy")!).hex)

        setup.install("fakepy", version: "fakepy 3.11.9")
        let second = try setup.run(["run", "--json"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("\"reasons\":[\"tool fakepy changed (fakepy 3.11.2 → fakepy 3.11.9)\"]"), "\(second.stdout)")
    }

    @Test("an unlisted tool upgrade reruns nothing and status notes it")
    func unlistedNote() throws {
        let setup = Setup()
        try #require(try setup.run(["run"]).status == 0)
        setup.install("fakeawk", version: "fakeawk 5.0.0")
        let status = try setup.run(["status"])
        #expect(status.stdout == """
        up-to-date fit
                   fit: note: tool fakeawk changed (fakeawk 4.2.1 → fakeawk 5.0.0), not in tools:
        studyflow: all 1 stages up to date

        """)
        let json = try setup.run(["status", "--json"])
        #expect(json.stdout.contains("\"notes\":[\"note: tool fakeawk changed (fakeawk 4.2.1 → fakeawk 5.0.0), not in tools:\"]"))
        let again = try setup.run(["run", "--json"])
        #expect(again.stdout.contains("\"cached\":[\"fit\"]"), "\(again.stdout)")
    }

    @Test("a listed tool missing from PATH stops the run before anything runs, exit 2")
    func missing() throws {
        let setup = Setup(Self.workflow.replacing("tools: [fakepy]", with: "tools: [fakepy, nosuchtool]"))
        let result = try setup.run(["run"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Workflows/main.yaml:6:21: error: tool 'nosuchtool' of stage 'fit' is not on PATH (\(setup.path)); install it, fix PATH or remove it from 'tools'"), "\(result.stderr)")
        #expect(!setup.dir.exists("results/fit.txt"))
    }
}
