import Foundation
import Testing
import _StudyTestSupport

/// The no-op shortcut (a snapshot of every artifact's stat after a run that changed nothing) must
/// never hide a change: each kind of change after a snapshot still reruns exactly what it should.
@Suite("no-op shortcut")
struct NoOpShortcutTests {
    static let workflow = """
    name: shortcut
    params: {n: 3}
    stages:
      make:
        run: sh scripts/make.sh ${params.n} > ${outputs.out}
        inputs: [data/in.txt]
        outputs: {out: results/made.txt}
        env: [SHORTCUT_MODE]
      copy:
        run: cp ${inputs} ${outputs.out}
        inputs: [results/made.txt]
        outputs: {out: results/copy.txt}
      tree:
        run: mkdir -p ${outputs.dir} && cp ${inputs} ${outputs.dir}/a.txt
        inputs: [data/in.txt]
        outputs: {dir: results/tree/}

    """

    /// A workspace whose last run changed nothing, so a snapshot exists.
    static func settled() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", workflow)
        dir.write("data/in.txt", "1\n")
        dir.write("scripts/make.sh", "seq 1 \"$1\"\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        usleep(200_000)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(dir.exists(".studyflow/snapshot"))
        return dir
    }

    static func ran(_ dir: TemporaryDirectory, _ extra: [String] = [], environment: [String: String] = [:]) throws -> String {
        let result = try CLI.run(["run", "-C", dir.path, "--json"] + extra, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let start = summary.range(of: "\"ran\":[")?.upperBound, let end = summary[start...].firstIndex(of: "]") else { return "?" }
        return String(summary[start..<end])
    }

    @Test("nothing changed: every stage cached")
    func unchanged() throws {
        let dir = try Self.settled()
        #expect(try Self.ran(dir) == "")
    }

    @Test("an input edited to the same size reruns its cone")
    func sameSizeEdit() throws {
        let dir = try Self.settled()
        dir.write("data/in.txt", "2\n")
        #expect(try Self.ran(dir) == "\"make\",\"tree\"")
    }

    @Test("a touch reruns nothing and the shortcut comes back")
    func touch() throws {
        let dir = try Self.settled()
        dir.touch("data/in.txt")
        #expect(try Self.ran(dir) == "")
        usleep(200_000)
        #expect(try Self.ran(dir) == "")
        #expect(dir.exists(".studyflow/snapshot"))
    }

    @Test("an environment value, a parameter and the script named in the command are seen")
    func contextChanges() throws {
        let dir = try Self.settled()
        #expect(try Self.ran(dir, environment: ["SHORTCUT_MODE": "fast"]) == "\"make\"")
        #expect(try Self.ran(dir, ["--param", "n=4"], environment: ["SHORTCUT_MODE": "fast"]) == "\"make\",\"copy\"")
        dir.write("scripts/make.sh", "seq 1 \"$1\"; echo\n")
        #expect(try Self.ran(dir, ["--param", "n=4"], environment: ["SHORTCUT_MODE": "fast"]) == "\"make\",\"copy\"")
    }

    @Test("an edited output, a file added to a directory output and an edited workflow are seen")
    func outputsAndWorkflow() throws {
        let dir = try Self.settled()
        dir.write("results/copy.txt", "edited\n")
        let restored = try CLI.run(["run", "-C", dir.path, "--json"])
        #expect(restored.stdout.contains("\"restored\":[\"copy\"]"))
        usleep(200_000)
        _ = try Self.ran(dir)
        dir.write("results/tree/extra.txt", "x\n")
        let tree = try CLI.run(["run", "-C", dir.path, "--json"])
        #expect(tree.stdout.contains("\"restored\":[\"tree\"]"), "\(tree.stdout)")
        #expect(!dir.exists("results/tree/extra.txt"))
        dir.write("Workflows/main.yaml", Self.workflow.replacingOccurrences(of: "cp ${inputs} ${outputs.out}", with: "cat ${inputs} > ${outputs.out}"))
        #expect(try Self.ran(dir) == "\"copy\"")
    }

    /// `git` on the workspace's bare ledger.
    static func ledger(_ dir: TemporaryDirectory, _ args: [String]) throws -> String {
        let out = try GitCLI.run(["--git-dir", dir.path + "/.studyflow/provenance.git"] + args, in: dir.path)
        #expect(out.status == 0, "git \(args): \(out.stderr)")
        return out.stdout
    }

    @Test("the first no-op after a run that executed stages takes the shortcut and records the stage records a full check would")
    func noOpRightAfterExecutingRun() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/in.txt", "1\n")
        dir.write("scripts/make.sh", "seq 1 \"$1\"\n")
        #expect(try Self.ran(dir) == "\"make\",\"copy\",\"tree\"")
        // No pause: the outputs are fresh, within the racy window, and still the snapshot holds.
        #expect(dir.exists(".studyflow/snapshot"))
        #expect(dir.exists(".studyflow/provenance-noop"))
        // Answered from the snapshot: the workflow is not even loaded (its compiled form is not rewritten).
        dir.delete(".studyflow/workflows")
        #expect(try Self.ran(dir) == "")
        #expect(!dir.exists(".studyflow/workflows"))
        let ref = "refs/studyflow/runs"
        #expect(try Self.ledger(dir, ["log", "-1", "--format=%s", ref]) == "run 2: 3 stages, 0 ran, 3 cached, ok\n")
        // Run 2 wrote only its run.json on top of the tree run 1 prepared: stage records as cached.
        #expect(try Self.ledger(dir, ["diff-tree", "-r", "--name-only", "--no-commit-id", "\(ref)~1", ref]).contains("stages/make.json"))
        #expect(try Self.ledger(dir, ["show", "\(ref):stages/make.json"]).contains("\"status\": \"cached\""))
        let fastStages = try Self.ledger(dir, ["rev-parse", "\(ref):stages"])
        let fastOutputs = try Self.ledger(dir, ["rev-parse", "\(ref):outputs"])
        // A touch defeats the snapshot: the full check records the same no-op in full.
        dir.touch("data/in.txt")
        #expect(try Self.ran(dir) == "")
        #expect(dir.exists(".studyflow/workflows"))
        #expect(try Self.ledger(dir, ["rev-parse", "\(ref):stages"]) == fastStages)
        #expect(try Self.ledger(dir, ["rev-parse", "\(ref):outputs"]) == fastOutputs)
    }

    @Test("after a run that executed stages, an edited output is still seen by the next run")
    func editAfterExecutingRun() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/in.txt", "1\n")
        dir.write("scripts/make.sh", "seq 1 \"$1\"\n")
        _ = try Self.ran(dir)
        dir.write("results/copy.txt", "x\n")
        let restored = try CLI.run(["run", "-C", dir.path, "--json"])
        #expect(restored.stdout.contains("\"restored\":[\"copy\"]"), "\(restored.stdout)")
        dir.write("data/in.txt", "2\n")
        #expect(try Self.ran(dir) == "\"make\",\"tree\"")
    }
}
