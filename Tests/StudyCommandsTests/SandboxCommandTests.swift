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
        // Host tools are recorded too (issue 16): only the sandbox member is asserted here.
        #expect(!(try record(dir, "copy")).contains("\"sandbox\""))
        #expect(try record(dir, "count").contains("\n    \"sandbox\": true"))
        let all = try CLI.run(["run", "-C", dir.path, "--sandbox", "--force-all"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(try record(dir, "copy").contains("\n    \"sandbox\": true"))
    }

    @Test("the sandbox example runs, reruns nothing, and fails naming data/title.txt once its stage stops declaring it",
          .enabled(if: bwrapInstalled, "bubblewrap is not installed"))
    func example() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("sandbox", to: dir.path)
        #expect(try CLI.run(["run", "-C", dir.path, "workflow.yaml"]).status == 0)
        #expect(dir.read("results/report.txt") == """
        Responses by arm (sandboxed stages; rows without a response are dropped)

        chemotherapy: 4 patients, 1 responders
        immunotherapy: 3 patients, 2 responders

        """)
        #expect(try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--json"]).stdout.contains("\"ran\":[]"))
        let yaml = dir.read("workflow.yaml") ?? ""
        dir.write("workflow.yaml", yaml.replacingOccurrences(of: ", title: data/title.txt}", with: "}"))
        let failed = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("""
        studyflow: error: stage 'report' failed: exited with status 2; it ran sandboxed and could not read 'data/title.txt', which is not among its inputs: declare it in 'inputs:' (or name it in 'run:'), or set 'sandbox: false'
        --- last lines of \(dir.path)/.studyflow/logs/3/report.log ---
        report.awk: cannot open data/title.txt: No such file or directory

        """))
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
