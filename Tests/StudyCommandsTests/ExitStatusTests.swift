import ArgumentParser
import Foundation
import StudyCore
import StudyEngine
import StudyProvenance
import StudyStore
import Testing
import _StudyTestSupport
@testable import StudyCommands

/// One mapping from what a command throws to the exit code and text the user sees, used by every
/// command: 0 success, 1 failure, 2 invalid workflow or usage, 128 + signal when interrupted.
@Suite("Exit status")
struct ExitStatusTests {
    @Test("each kind of error maps to its exit code and its exact text")
    func mapping() {
        #expect(ExitStatus(for: CommandError.usage("bad --thing")) == ExitStatus(code: 2, standardError: "studyflow: error: bad --thing\n"))
        #expect(ExitStatus(for: CommandError.failure("disk full")) == ExitStatus(code: 1, standardError: "studyflow: error: disk full\n"))
        #expect(ExitStatus(for: CommandError.exit(130)) == ExitStatus(code: 130))
        #expect(ExitStatus(for: RunError.unknownStage("kn", suggestion: "km"))
            == ExitStatus(code: 2, standardError: "studyflow: error: no stage named 'kn'; did you mean 'km'?\n"))
        #expect(ExitStatus(for: StoreError.missingObject(Digest.of(string: "x")))
            == ExitStatus(code: 1, standardError: "studyflow: error: \(StoreError.missingObject(Digest.of(string: "x")).description)\n"))
        #expect(ExitStatus(for: ProvenanceError.raced(ref: "refs/studyflow/runs"))
            == ExitStatus(code: 1, standardError: "studyflow: error: \(ProvenanceError.raced(ref: "refs/studyflow/runs").description)\n"))
        // A run reference that names nothing is the user's mistake, as in `diff`.
        #expect(ExitStatus(for: ProvenanceError.unknownRun("9", latest: 2)).code == 2)
        #expect(ExitStatus(for: ProvenanceError.ambiguousRun("1", candidates: ["a", "b"])).code == 2)
        // A SLURM mistake of the user's is usage (2); a controller that does not answer is a failure (1).
        #expect(ExitStatus(for: SlurmError.noNodes(partition: "gpu")).code == 2)
        #expect(ExitStatus(for: SlurmError.controllerDown("timeout")) == ExitStatus(
            code: 1, standardError: "studyflow: error: the SLURM controller does not answer (sinfo: timeout); start it (e.g. 'make slurm-up') or check slurm.conf\n"))
    }

    @Test("workflow mistakes print every diagnostic, then one count line naming the file; exit 2")
    func invalidWorkflow() {
        let one = WorkflowDiagnostics([Diagnostic("bad id", at: SourceLocation(file: "w.yaml", line: 3, column: 1))])
        #expect(ExitStatus(for: CommandError.invalidWorkflow(one, file: "w.yaml"))
            == ExitStatus(code: 2, standardError: "w.yaml:3:1: error: bad id\nstudyflow: 1 error in w.yaml; nothing was run\n"))
        let two = WorkflowDiagnostics(one.diagnostics + [Diagnostic("bad key", at: SourceLocation(file: "w.yaml", line: 4, column: 5))])
        #expect(ExitStatus(for: CommandError.invalidWorkflow(two, file: "w.yaml"))
            == ExitStatus(code: 2, standardError: "w.yaml:3:1: error: bad id\nw.yaml:4:5: error: bad key\nstudyflow: 2 errors in w.yaml; nothing was run\n"))
    }

    @Test("argument errors exit 2 (never ArgumentParser's 64); --help and --version print to stdout and exit 0")
    func argumentParser() {
        let validation = ExitStatus(for: ValidationError("--jobs must be at least 1"))
        #expect(validation.code == 2)
        #expect(validation.standardError.hasPrefix("Error: --jobs must be at least 1\n"))
        #expect(ExitStatus(for: CleanExit.message("studyflow 0.1.0")) == ExitStatus(code: 0, standardOutput: "studyflow 0.1.0\n"))
        #expect(ExitStatus(for: ExitCode(3)) == ExitStatus(code: 3))
    }

    static let broken = """
    name: broken
    stages:
      a:
        run: echo ${outputs.nope}
        outputs: {out: results/a.txt}

    """
    static let brokenText = """
    Workflows/main.yaml:4:15: error: undefined placeholder '${outputs.nope}' in stage 'a' (named outputs: out)
    studyflow: 1 error in Workflows/main.yaml; nothing was run

    """

    @Test("run, status, graph, gc and validate report an invalid workflow identically, exit 2, writing nothing")
    func everyCommand() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.broken)
        for command in [["run"], ["run", "-n"], ["status"], ["graph"], ["gc"], ["validate"]] {
            let result = try CLI.run(command + ["-C", dir.path])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr == Self.brokenText, "\(command)")
            #expect(result.stdout == "", "\(command)")
        }
        #expect(!dir.exists(".studyflow"))
    }

    @Test("validate --all reports every invalid file and still checks the valid ones, then exits 2")
    func validateAll() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/a.yaml", Self.broken)
        dir.write("Workflows/b.yaml", "name: fine\nstages:\n  s:\n    run: echo hi > ${outputs.out}\n    outputs: {out: out.txt}\n")
        dir.write("Workflows/c.yaml", Self.broken)
        let result = try CLI.run(["validate", "--all", "-C", dir.path])
        #expect(result.status == 2)
        #expect(result.stdout == "ok: Workflows/b.yaml: 1 stages\n")
        #expect(result.stderr == Self.brokenText.replacingOccurrences(of: "main.yaml", with: "a.yaml")
            + Self.brokenText.replacingOccurrences(of: "main.yaml", with: "c.yaml"))
    }
}
