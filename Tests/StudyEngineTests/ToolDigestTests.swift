#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// A directory of fake programs put first on the stages' PATH: shell scripts whose bytes and
/// `--version` line the test controls, each counting how often it was asked its version.
private final class FakeTools: @unchecked Sendable {
    let bin = TemporaryDirectory(prefix: "studyflow-tools")

    /// Writes `name` answering `--version` with `version`; `extra` changes its bytes only.
    func install(_ name: String, version: String, extra: String = "") {
        let script = "#!/bin/sh\n# \(extra)\nif [ \"$1\" = --version ]; then echo asked >> '\(bin.path)/\(name).asked'; echo '\(version)'; fi\n"
        bin.write(name, script)
        chmod(bin.path + "/" + name, 0o755)
    }

    func text(_ name: String) -> String { bin.read(name)! }

    /// How many times `name` was asked `--version`.
    func asked(_ name: String) -> Int { (bin.read(name + ".asked") ?? "").split(separator: "\n").count }

    var searchPath: String { bin.path + ":/usr/bin:/bin" }
}

private let toolsYAML = """
name: tools
stages:
  fit:
    run: fakepy scripts/fit.py > ${outputs.out} && fakeawk 1 x | sort | env LC_ALL=C fakeawk 2; echo done
    outputs: {out: results/fit.txt}
    tools: [fakepy]
"""

/// A workspace running `yaml` with the fake tools first on PATH.
private func workspace(_ yaml: String = toolsYAML, files: [String: String] = [:]) -> (TestWorkspace, FakeTools) {
    let tools = FakeTools()
    tools.install("fakepy", version: "fakepy 3.11.2")
    tools.install("fakeawk", version: "fakeawk 4.2.1")
    let ws = TestWorkspace(yaml: yaml, files: files)
    ws.environment["PATH"] = tools.searchPath
    return (ws, tools)
}

@Suite("Tool digests")
struct ToolDigestTests {
    @Test("a listed tool's new bytes rerun the stage with the version change as the reason")
    func listedToolChanged() throws {
        let (ws, tools) = workspace()
        try #require(try ws.runFake().summary.ids(.ran) == ["fit"])
        #expect(try ws.runFake().summary.ids(.cached) == ["fit"])
        tools.install("fakepy", version: "fakepy 3.11.9")
        let summary = try ws.runFake().summary
        #expect(summary.ids(.ran) == ["fit"])
        #expect(summary.reasons("fit") == [.toolChanged(name: "fakepy", from: "fakepy 3.11.2", to: "fakepy 3.11.9")])
        #expect(summary.reasons("fit").map(\.description) == ["tool fakepy changed (fakepy 3.11.2 → fakepy 3.11.9)"])
        #expect(try ws.runFake().summary.ids(.cached) == ["fit"])
    }

    @Test("when the version line is the same, the reason shows short digests")
    func sameVersionShowsDigests() throws {
        let (ws, tools) = workspace()
        try #require(try ws.runFake().summary.ok)
        let before = Digest.of(string: tools.text("fakepy"))
        tools.install("fakepy", version: "fakepy 3.11.2", extra: "rebuilt")
        let after = Digest.of(string: tools.text("fakepy"))
        let reasons = try ws.runFake().summary.reasons("fit").map(\.description)
        #expect(reasons == ["tool fakepy changed (sha256:\(before.short) → sha256:\(after.short))"])
    }

    @Test("an unlisted tool's change reruns nothing; status notes it")
    func unlistedToolChanged() throws {
        let (ws, tools) = workspace()
        try #require(try ws.runFake().summary.ok)
        tools.install("fakeawk", version: "fakeawk 5.0.0")
        #expect(try ws.runFake().summary.ids(.cached) == ["fit"])
        #expect(ToolNotes.notes(try ws.workspace(), stages: ["fit"])
            == ["fit": ["note: tool fakeawk changed (fakeawk 4.2.1 → fakeawk 5.0.0), not in tools:"]])
    }

    @Test("the record names every program the command called, listed first; builtins are left out")
    func recordedTools() throws {
        let (ws, tools) = workspace()
        let result = try #require(try ws.runFake().summary.results.first)
        let recorded = try #require(result.record).tools
        // fakepy is itself a `#!/bin/sh` script: its interpreter is recorded after it.
        #expect(recorded.map(\.name) == ["fakepy", "/bin/sh", "fakeawk", "sort", "env"])
        #expect(recorded.map(\.listed) == [true, false, false, false, false])
        #expect(recorded[0].path == tools.bin.path + "/fakepy")
        #expect(recorded[0].digest == Digest.of(string: tools.text("fakepy")))
        #expect(recorded[0].version == "fakepy 3.11.2")
        #expect(recorded[3].path == FileIO.realPath("/usr/bin/sort"))
        // A cached stage keeps the record it ran with.
        #expect(try ws.runFake().summary.results.first?.record?.tools == recorded)
    }

    @Test("a workspace script's #! interpreter is recorded, looked up through PATH for /usr/bin/env")
    func shebangScript() throws {
        let yaml = "name: s\nstages:\n  a:\n    run: ./scripts/run.py > ${outputs.out}\n    outputs: {out: out.txt}\n"
        let (ws, tools) = workspace(yaml, files: ["scripts/run.py": "#!/usr/bin/env -S fakepy -u\nprint(1)\n"])
        let recorded = try #require(try ws.runFake().summary.results.first?.record).tools
        #expect(recorded.map(\.name) == ["fakepy"])
        #expect(recorded.map(\.path) == [tools.bin.path + "/fakepy"])
        #expect(recorded.map(\.version) == ["fakepy 3.11.2"])
    }

    @Test("each distinct binary is asked --version once ever, not once per run")
    func versionAskedOnce() throws {
        let (ws, tools) = workspace()
        for _ in 0..<3 { try ws.runFake(RunOptions(jobs: 1, forceAll: true)) }
        #expect(tools.asked("fakepy") == 1)
        #expect(tools.asked("fakeawk") == 1)
        tools.install("fakepy", version: "fakepy 3.12.0")
        try ws.runFake()
        #expect(tools.asked("fakepy") == 2)
    }

    @Test("listed tools enter the key; an empty list keeps the key of a stage without tools")
    func keys() throws {
        let (ws, tools) = workspace()
        func key(_ yaml: String) throws -> Digest {
            ws.yaml = yaml
            let w = try ws.workspace()
            let resolved = try w.resolver.resolve(w.compiled.workflow.stages[0], commandWords: []).get()
            return resolved.key
        }
        let none = try key(toolsYAML.replacing("\n    tools: [fakepy]", with: ""))
        let empty = try key(toolsYAML.replacing("tools: [fakepy]", with: "tools: []"))
        let listed = try key(toolsYAML)
        #expect(none == empty)
        #expect(listed != none)
        tools.install("fakeawk", version: "fakeawk 9")
        #expect(try key(toolsYAML) == listed)
        tools.install("fakepy", version: "fakepy 9")
        #expect(try key(toolsYAML) != listed)
    }

    @Test("a listed tool not on PATH is a diagnostic naming the stage, the tool and PATH, at the entry")
    func missingTool() throws {
        let yaml = "name: m\ntools: [nosuchtool]\nstages:\n  a: {run: 'true', outputs: [a.txt]}\n  b: {run: 'true', outputs: [b.txt]}\n"
        let (ws, tools) = workspace(yaml)
        let diagnostics = ToolCheck.diagnostics(try ws.workspace()).map(\.description)
        #expect(diagnostics == ["Workflows/main.yaml:2:9: error: tool 'nosuchtool' of stage 'a' (and 1 more stage) is not on PATH (\(tools.searchPath)); install it, fix PATH or remove it from 'tools'"])
    }

    @Test("the no-op snapshot is dropped when a listed tool changes")
    func snapshotWatchesListedTools() throws {
        let (ws, tools) = workspace()
        let check = SnapshotCheck(stamp: "test", workflowDigest: Digest.of(string: ws.yaml), params: [:],
                                  environment: { [path = tools.searchPath] name in name == "PATH" ? path : nil })
        for run in 1...2 {
            if run == 2 { usleep(200_000) }
            let runner = Runner(workspace: try ws.workspace(), executor: try ws.fake(), options: RunOptions(jobs: 2),
                                observers: [], run: run, snapshot: check)
            try #require(try runner.execute().ok)
        }
        #expect(check.unchangedStages(ws.layout) == ["fit"])
        tools.install("fakepy", version: "fakepy 3.11.9")
        #expect(check.unchangedStages(ws.layout) == nil)
    }

    @Test("stages calling the same programs record one shared list of them; a stage calling others records its own")
    func equalToolListsAreShared() throws {
        let yaml = """
        name: shared
        stages:
          a:
            run: fakeawk 1 > ${outputs.out}
            outputs: {out: a.txt}
          b:
            run: fakeawk 2 > ${outputs.out}
            outputs: {out: b.txt}
          c:
            run: fakepy x > ${outputs.out}
            outputs: {out: c.txt}
        """
        let (ws, tools) = workspace(yaml)
        // The fake programs' directory lives as long as `tools`.
        let results = try withExtendedLifetime(tools) { try ws.runFake().summary.results }
        let lists = try ["a", "b", "c"].map { id in try #require(results.first { $0.stage == id }?.record).tools }
        #expect(lists.map { $0.map(\.name) } == [["fakeawk", "/bin/sh"], ["fakeawk", "/bin/sh"], ["fakepy", "/bin/sh"]])
        let buffers = lists.map { $0.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        #expect(buffers[0] == buffers[1])
        #expect(buffers[0] != buffers[2])
    }
}
