import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// The run ledger end to end: `run` writes one commit a run on refs/studyflow/runs; `log` and
/// `audit` read it back; plain git (the real CLI) reads the same commits.
@Suite("provenance commands")
struct ProvenanceCommandsTests {
    static let workflow = """
    name: prov
    stages:
      clean:
        run: tr a-z A-Z < ${inputs.raw} > ${outputs.out}
        inputs: {raw: data/raw.txt}
        outputs: {out: results/clean.txt}
      count:
        run: wc -l < ${inputs} > ${outputs.out}
        inputs: [results/clean.txt]
        outputs: {out: results/count.txt}

    """

    /// Runs git in `dir` and returns stdout (expects success).
    @discardableResult
    static func git(_ args: [String], in dir: String) throws -> String {
        let result = try GitCLI.run(args, in: dir)
        #expect(result.status == 0, "git \(args): \(result.stderr)")
        return result.stdout
    }

    /// A workspace in a git repository with its sources committed.
    static func repository() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", workflow)
        dir.write("data/raw.txt", "alpha\nbeta\n")
        dir.write(".gitignore", ".studyflow/\nresults/\n")
        try git(["init", "-q", "-b", "main"], in: dir.path)
        try git(["add", "-A"], in: dir.path)
        try git(["commit", "-q", "-m", "sources"], in: dir.path)
        return dir
    }

    @Test("two runs with a change between: log, audit, audit --verify and plain git agree")
    func history() throws {
        let dir = try Self.repository()
        let before = try GitCLI.state(dir.path)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(try GitCLI.state(dir.path) == before, "run touched HEAD, the index or the work tree")
        let head = try Self.git(["rev-parse", "HEAD"], in: dir.path).trimmingCharacters(in: .whitespacesAndNewlines)

        dir.write("data/raw.txt", "alpha\ngamma\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(try Self.git(["log", "--format=%s", "refs/studyflow/runs"], in: dir.path) ==
            "run 2: 2 stages, 2 ran, 0 cached, ok\nrun 1: 2 stages, 2 ran, 0 cached, ok\n")
        #expect(try Self.git(["show", "refs/studyflow/runs:outputs/results/clean.txt"], in: dir.path) == "ALPHA\nGAMMA\n")
        #expect(try Self.git(["show", "refs/studyflow/runs~1:outputs/results/clean.txt"], in: dir.path) == "ALPHA\nBETA\n")
        let diff = try Self.git(["diff", "refs/studyflow/runs~1", "refs/studyflow/runs", "--", "outputs/"], in: dir.path)
        #expect(diff.contains("-BETA\n+GAMMA\n"))
        #expect(!diff.contains("count.txt"), "early cutoff: count.txt has the same bytes")
        let runJSON = try Self.git(["show", "refs/studyflow/runs:run.json"], in: dir.path)
        #expect(runJSON.contains("\"sourceCommit\": \"\(head)\""))
        #expect(runJSON.contains("\"dirty\": true"))
        #expect(runJSON.contains("\"dirtyPaths\": [\"data/raw.txt\"]"))

        let log = try CLI.run(["log", "-C", dir.path])
        #expect(log.status == 0)
        let lines = log.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("run 2  ") && lines[0].contains("2 ran, 0 cached, 0 failed  ok  source \(head.prefix(12))+dirty"))
        #expect(lines[1].hasPrefix("run 1  ") && lines[1].contains("source \(head.prefix(12))  "))
        let json = try CLI.run(["log", "-C", dir.path, "-n", "1", "--json"])
        #expect(json.stdout.split(separator: "\n").count == 1 && json.stdout.contains("\"run\":2"))

        let audit = try CLI.run(["audit", "-C", dir.path, "results/count.txt"])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("stage 'count' (shell)"))
        #expect(audit.stdout.contains("stage 'clean' (shell)"))
        // count did not change bytes... but its input did, so it ran in run 2 as well.
        #expect(audit.stdout.contains("made by run 2"))
        let rawDigest = Digest.of(Array("alpha\ngamma\n".utf8)).hex
        #expect(audit.stdout.contains("data/raw.txt  sha256 \(rawDigest)  12 bytes  (read by 'clean')"))
        #expect(try CLI.run(["audit", "-C", dir.path, "results/count.txt", "--verify"]).status == 0)

        // An edited output, then an edited source: each named, exit 1.
        let count = dir.read("results/count.txt")!
        dir.write("results/count.txt", "99\n")
        let edited = try CLI.run(["audit", "-C", dir.path, "results/count.txt", "--verify"])
        #expect(edited.status == 1)
        #expect(edited.stdout.contains("mismatch: results/count.txt: output edited since run 2"))
        dir.write("results/count.txt", count)
        dir.write("data/raw.txt", "changed\n")
        let source = try CLI.run(["audit", "-C", dir.path, "results/count.txt", "--verify", "--json"])
        #expect(source.status == 1)
        #expect(source.stdout.contains("data/raw.txt: source edited since run 2"))
        #expect(source.stdout.contains("\"ok\":false"))
        #expect(try GitCLI.state(dir.path).contains("data/raw.txt"))
    }

    @Test("a no-op run still records a commit, reusing the previous records")
    func noOpRuns() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/raw.txt", "alpha\n")
        for _ in 0..<2 { #expect(try CLI.run(["run", "-C", dir.path]).status == 0) }
        usleep(200_000)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        let gitDir = dir.path + "/.studyflow/provenance.git"
        let subjects = try Self.git(["--git-dir", gitDir, "log", "--format=%s", "refs/studyflow/runs"], in: dir.path)
        #expect(subjects == "run 4: 2 stages, 0 ran, 2 cached, ok\nrun 3: 2 stages, 0 ran, 2 cached, ok\nrun 2: 2 stages, 0 ran, 2 cached, ok\nrun 1: 2 stages, 2 ran, 0 cached, ok\n")
        #expect(try Self.git(["--git-dir", gitDir, "rev-parse", "refs/studyflow/runs:stages"], in: dir.path)
            == Self.git(["--git-dir", gitDir, "rev-parse", "refs/studyflow/runs~1:stages"], in: dir.path))
        let off = try CLI.run(["run", "-C", dir.path], environment: ["STUDYFLOW_NO_PROVENANCE": "1"])
        #expect(off.status == 0)
        #expect(try Self.git(["--git-dir", gitDir, "rev-list", "--count", "refs/studyflow/runs"], in: dir.path) == "4\n")
    }

    @Test("a failed run and an interrupted run are recorded too")
    func failedAndInterrupted() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", """
        name: f
        stages:
          bad:
            run: exit 3
            outputs: [bad.txt]

        """)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 1)
        let gitDir = dir.path + "/.studyflow/provenance.git"
        #expect(try Self.git(["--git-dir", gitDir, "log", "--format=%s", "refs/studyflow/runs"], in: dir.path)
            == "run 1: 1 stage, 0 ran, 0 cached, 1 failed, failed\n")
        let record = try Self.git(["--git-dir", gitDir, "show", "refs/studyflow/runs:stages/bad.json"], in: dir.path)
        #expect(record.contains("\"exitStatus\": 3") && record.contains("\"status\": \"failed\""))

        dir.write("Workflows/main.yaml", """
        name: i
        stages:
          slow:
            run: sleep 30 && echo slow > ${outputs}
            outputs: [slow.txt]

        """)
        let run = try CLI.start(["run", "-C", dir.path])
        var waited = 0
        while !dir.exists(".studyflow/logs/2") && waited < 200 { usleep(50_000); waited += 1 }
        kill(run.pid, SIGINT)
        #expect(run.wait().status == 130)
        #expect(try Self.git(["--git-dir", gitDir, "log", "-1", "--format=%s", "refs/studyflow/runs"], in: dir.path).hasSuffix(", interrupted\n"))
        let reproduce = try CLI.run(["reproduce", "-C", dir.path])
        #expect(reproduce.status == 1)
        #expect(reproduce.stderr == "studyflow: error: run 2 was interrupted at stage 'slow' before any stage succeeded; there is nothing to reproduce\n")
    }

    @Test("bad input: unknown path, no ledger, a locked ref; one line each, nothing run")
    func errors() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/raw.txt", "alpha\n")
        let none = try CLI.run(["log", "-C", dir.path])
        #expect(none.status == 1)
        #expect(none.stderr == "studyflow: error: no run is recorded in '\(dir.path)' yet; run 'studyflow run' first\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        let unknown = try CLI.run(["audit", "-C", dir.path, "results/nothing.txt"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "studyflow: error: no recorded run produced 'results/nothing.txt' (searched 1 run); give a stage output path as in the workflow, relative to the workspace root\n")

        let lock = dir.path + "/.studyflow/provenance.git/refs/studyflow/runs.lock"
        dir.write(".studyflow/provenance.git/refs/studyflow/runs.lock", "")
        dir.write("data/raw.txt", "beta\n")
        // Another writer holds the lock file open while it commits (a lock nobody holds is removed).
        let writer = open(lock, O_RDONLY)
        defer { close(writer) }
        let locked = try CLI.run(["run", "-C", dir.path])
        #expect(locked.status == 1)
        #expect(locked.stderr.hasPrefix("studyflow: error: provenance ref 'refs/studyflow/runs' is locked by another writer ('\(lock)' exists)"))
        #expect(locked.stderr.split(separator: "\n").count == 1)
        #expect(dir.read("results/clean.txt") == "ALPHA\n", "nothing ran")
    }

    @Test("reproduce: built-in stages come out identical; a nondeterministic shell stage is reported as differing")
    func reproduce() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("survival", to: dir.path)
        #expect(try CLI.run(["run", "-C", dir.path, "workflow.yaml"]).status == 0)
        let same = try CLI.run(["reproduce", "-C", dir.path])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(same.stdout.contains("identical  results/km.json\n"))
        #expect(same.stdout.contains("identical  results/cox.json\n"))
        #expect(!same.stdout.contains("differs"))

        let shell = TemporaryDirectory()
        shell.write("Workflows/main.yaml", """
        name: nondeterministic
        stages:
          stamp:
            run: od -An -N8 -tx8 /dev/urandom > ${outputs.out}
            outputs: {out: results/stamp.txt}
          copy:
            run: cp ${inputs} ${outputs.out}
            inputs: [results/stamp.txt]
            outputs: {out: results/copy.txt}

        """)
        #expect(try CLI.run(["run", "-C", shell.path]).status == 0)
        let differs = try CLI.run(["reproduce", "-C", shell.path, "1", "--stage", "stamp"])
        #expect(differs.status == 1)
        #expect(differs.stdout.hasPrefix("differs    results/stamp.txt  (recorded sha256 "))
        #expect(!differs.stdout.contains("copy.txt"), "--stage stamp reproduces stamp only")
        #expect(differs.stderr.contains("1 output of run 1 did not reproduce"))
        let unknown = try CLI.run(["reproduce", "-C", shell.path, "9"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "studyflow: error: no run '9' in this workspace's provenance ledger; its runs are numbered up to 1; give a run number, HEAD~N (N runs before the latest) or a run id (see 'studyflow log')\n")
    }

    @Test("crate: an RO-Crate whose files carry the sha256 of their bytes")
    func crate() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/raw.txt", "alpha\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        let out = dir.path + "/crate"
        let result = try CLI.run(["crate", "-C", dir.path, "--output", out, "--publisher", "Lab"])
        #expect(result.status == 0, "\(result.stderr)")
        let metadata = try #require(FileManager.default.contents(atPath: out + "/ro-crate-metadata.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: metadata) as? [String: Any])
        let graph = try #require(document["@graph"] as? [[String: Any]])
        func types(_ e: [String: Any]) -> [String] { (e["@type"] as? [String]) ?? [(e["@type"] as? String) ?? ""] }
        let files = graph.filter { types($0).contains("File") }
        #expect(Set(files.compactMap { $0["@id"] as? String }) == ["Workflows/main.yaml", "data/raw.txt", "results/clean.txt", "results/count.txt"])
        for file in files {
            let bytes = try #require(FileManager.default.contents(atPath: out + "/" + (file["@id"] as! String)))
            #expect(file["sha256"] as? String == Digest.of(Array(bytes)).hex)
        }
        #expect(graph.filter { types($0).contains("CreateAction") }.count == 3)
        #expect(graph.filter { types($0).contains("ControlAction") }.count == 2)
        #expect(graph.filter { types($0).contains("HowToStep") }.count == 2)
        #expect(graph.filter { types($0).contains("OrganizeAction") }.count == 1)
        let again = try CLI.run(["crate", "-C", dir.path, "--output", out])
        #expect(again.status == 2 && again.stderr.contains("is not empty"))
    }

    @Test("two workspaces of one repository share the ref; each reads back only its own runs")
    func sharedRepository() throws {
        let repo = TemporaryDirectory()
        for name in ["a", "b"] {
            repo.write("\(name)/Workflows/main.yaml", Self.workflow)
            repo.write("\(name)/data/raw.txt", "\(name)\n")
        }
        repo.write(".gitignore", ".studyflow/\nresults/\n")
        try Self.git(["init", "-q", "-b", "main"], in: repo.path)
        try Self.git(["add", "-A"], in: repo.path)
        try Self.git(["commit", "-q", "-m", "two workspaces"], in: repo.path)
        #expect(try CLI.run(["run", "-C", repo.path + "/a"]).status == 0)
        #expect(try CLI.run(["run", "-C", repo.path + "/b"]).status == 0)
        #expect(try CLI.run(["run", "-C", repo.path + "/a"]).status == 0)
        #expect(try Self.git(["rev-list", "--count", "refs/studyflow/runs"], in: repo.path) == "3\n")
        let a = try CLI.run(["log", "-C", repo.path + "/a", "--json"])
        #expect(a.stdout.split(separator: "\n").count == 2 && !a.stdout.contains("\"workspace\":\"b\""))
        #expect(try CLI.run(["log", "-C", repo.path + "/b"]).stdout.split(separator: "\n").count == 1)
        let audit = try CLI.run(["audit", "-C", repo.path + "/b", "results/clean.txt"])
        #expect(audit.stdout.contains("data/raw.txt  sha256 \(Digest.of(Array("b\n".utf8)).hex)"))
    }
}
