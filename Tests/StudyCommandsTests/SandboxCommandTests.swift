import Foundation
import Testing
import _StudyTestSupport

/// `studyflow run` with sandboxed stages end to end: `--sandbox` and `sandbox: true` reach the
/// stage record as `"environment": {"sandbox": true}`, and a missing `bwrap` stops the run before
/// anything runs (a dry run needs none).
@Suite("run: sandbox")
struct SandboxCommandTests {
    static let workflow = """
    name: s
    stages:
      copy:
        run: cat ${inputs} > ${outputs}
        inputs: [data/in.txt]
        outputs: [results/copy.txt]
      count:
        run: wc -c < ${inputs} > ${outputs}
        inputs: [results/copy.txt]
        outputs: [results/count.txt]
        sandbox: true

    """

    static var bwrapInstalled: Bool {
        ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private func record(_ dir: TemporaryDirectory, _ stage: String) throws -> String {
        try GitCLI.run(["--git-dir", dir.path + "/.studyflow/provenance.git", "show", "refs/studyflow/runs:stages/\(stage).json"], in: dir.path).stdout
    }

    @Test("a stage with 'sandbox: true' is recorded with environment.sandbox; under --sandbox every run: stage is",
          .enabled(if: bwrapInstalled, "bubblewrap is not installed"))
    func recorded() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/in.txt", "hello\n")
        let first = try CLI.run(["run", "-C", dir.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(dir.read("results/count.txt") == "6\n")
        #expect(!(try record(dir, "copy")).contains("\"environment\""))
        #expect(try record(dir, "count").contains("\"environment\": {\n    \"sandbox\": true\n  }"))
        let all = try CLI.run(["run", "-C", dir.path, "--sandbox", "--force-all"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(try record(dir, "copy").contains("\"environment\": {\n    \"sandbox\": true\n  }"))
    }

    @Test("without bwrap on PATH a sandboxed run stops before anything runs and names the fix; a dry run still works")
    func missingBwrap() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/in.txt", "hello\n")
        let noTools = TemporaryDirectory()
        let result = try CLI.run(["run", "-C", dir.path], environment: ["PATH": noTools.path])
        #expect(result.status == 2)
        #expect(result.stderr == "studyflow: error: stage 'count' runs sandboxed ('sandbox: true'), but 'bwrap' (bubblewrap) is not on PATH; install it ('apt-get install bubblewrap') or drop 'sandbox:'\n")
        #expect(!dir.exists("results/copy.txt") && !dir.exists(".studyflow"))
        let flag = try CLI.run(["run", "-C", dir.path, "--sandbox", "--until", "copy"], environment: ["PATH": noTools.path])
        #expect(flag.status == 2)
        #expect(flag.stderr == "studyflow: error: '--sandbox' runs every 'run:' stage under bubblewrap, but 'bwrap' is not on PATH; install it ('apt-get install bubblewrap') or run without '--sandbox'\n")
        #expect(!dir.exists("results/copy.txt"))
        let dry = try CLI.run(["run", "-C", dir.path, "-n"], environment: ["PATH": noTools.path])
        #expect(dry.status == 0, "\(dry.stderr)")
    }
}
