import Foundation
import Testing
import _StudyTestSupport

/// `studyflow` started in a subdirectory finds its workspace upward, as git does, and reads
/// relative paths typed on the command line from where they were typed (issue 13, item 18).
@Suite("workspace found from a subdirectory")
struct WorkspaceDiscoveryTests {
    static let workflow = "name: w\nstages:\n  copy:\n    run: cp ${inputs} ${outputs}\n    inputs: [data/in.txt]\n    outputs: [results/out.txt]\n"

    static func workspace() -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/in.txt", "payload\n")
        dir.write("notes/deeper/readme.txt", "a subdirectory\n")
        return dir
    }

    @Test("run, status, log and audit from a subdirectory use the workspace above it")
    func fromSubdirectory() throws {
        let dir = Self.workspace()
        let sub = dir.path + "/notes/deeper"
        let run = try CLI.run(["run"], in: sub)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(dir.read("results/out.txt") == "payload\n")
        #expect(!FileManager.default.fileExists(atPath: sub + "/.studyflow"))
        #expect(!FileManager.default.fileExists(atPath: sub + "/results"))

        let status = try CLI.run(["status", "--json"], in: sub)
        #expect(status.stdout == "{\"stages\":[{\"action\":\"up-to-date\",\"reasons\":[],\"stage\":\"copy\",\"state\":\"up-to-date\"}]}\n", "\(status.stdout)")
        #expect(try CLI.run(["log"], in: sub).status == 0)

        // A relative path is read from the current directory, then mapped into the workspace.
        let audit = try CLI.run(["audit", "../../results/out.txt"], in: sub)
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.hasPrefix("results/out.txt\n  stage 'copy'"), "\(audit.stdout)")
        let fromResults = try CLI.run(["audit", "out.txt"], in: dir.path + "/results")
        #expect(fromResults.stdout.hasPrefix("results/out.txt\n"), "\(fromResults.stderr)")
    }

    @Test("a WORKFLOW argument is relative to the current directory")
    func workflowArgument() throws {
        let dir = Self.workspace()
        dir.write("Workflows/other.yaml", Self.workflow.replacingOccurrences(of: "name: w", with: "name: other"))
        let sub = dir.path + "/Workflows"
        let validate = try CLI.run(["validate", "other.yaml"], in: sub)
        #expect(validate.status == 0, "\(validate.stderr)")
        let run = try CLI.run(["run", "--json", "other.yaml"], in: sub)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(dir.read("results/out.txt") == "payload\n")
        let missing = try CLI.run(["run", "nope.yaml"], in: sub)
        #expect(missing.status == 2)
        #expect(missing.stderr == "studyflow: error: workflow file 'Workflows/nope.yaml' does not exist\n", "\(missing.stderr)")
    }

    @Test("the nearest workspace wins, a .studyflow/ directory marks one, and -C DIR wins over the search")
    func nearestAndExplicit() throws {
        let outer = Self.workspace()
        let inner = outer.path + "/nested"
        outer.write("nested/Workflows/main.yaml", Self.workflow.replacingOccurrences(of: "name: w", with: "name: inner"))
        outer.write("nested/data/in.txt", "inner\n")
        #expect(try CLI.run(["run"], in: outer.path + "/nested/data").status == 0)
        #expect(outer.read("nested/results/out.txt") == "inner\n")
        #expect(!outer.exists("results/out.txt"))

        // The workflow lives elsewhere: the state directory alone marks the root.
        let state = TemporaryDirectory()
        state.write("Workflows/main.yaml", Self.workflow)
        state.write("data/in.txt", "state\n")
        #expect(try CLI.run(["run", "-C", state.path]).status == 0)
        state.delete("Workflows")
        state.write("flows/study.yaml", Self.workflow)
        state.delete("results/out.txt")
        let byState = try CLI.run(["run", "../flows/study.yaml"], in: state.path + "/data")
        #expect(byState.status == 0, "\(byState.stderr)")
        #expect(state.read("results/out.txt") == "state\n")

        let explicit = try CLI.run(["run", "-C", outer.path, "--json"], in: inner)
        #expect(explicit.status == 0, "\(explicit.stderr)")
        #expect(outer.read("results/out.txt") == "payload\n")
    }

    @Test("outside any workspace, the current directory is used and the message says so")
    func noWorkspace() throws {
        let empty = TemporaryDirectory()
        let result = try CLI.run(["run"], in: empty.path)
        #expect(result.status == 2)
        #expect(result.stderr == "studyflow: error: no workflow file: Workflows/ has no *.yaml in '\(empty.path)'; name one, or run 'studyflow init' to start\n")
        #expect(!empty.exists(".studyflow"))
    }
}
