import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// Run ids across deleted state and worktrees, reproduce's edge cases, unborn HEADs and SHA-256
/// repositories, end to end (issue 13, items 10, 15 and 17).
extension ProvenanceCommandsTests {
    /// The run ids `log --json` prints, newest first.
    static func ids(_ directory: String) throws -> [String] {
        let log = try CLI.run(["log", "-C", directory, "--json"])
        return try log.stdout.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object["id"] as? String)
        }
    }

    @Test("after 'rm -rf .studyflow' run numbers continue from the ledger; log shows ids; reproduce takes an id prefix")
    func numbersContinue() throws {
        let dir = try Self.repository()
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        dir.delete(".studyflow")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(try Self.git(["log", "--format=%s", "refs/studyflow/runs"], in: dir.path) ==
            "run 2: 2 stages, 2 ran, 0 cached, ok\nrun 1: 2 stages, 2 ran, 0 cached, ok\n")
        let ids = try Self.ids(dir.path)
        #expect(ids.count == 2 && ids[0] != ids[1])
        let log = try CLI.run(["log", "-C", dir.path]).stdout.split(separator: "\n")
        #expect(log[1].hasPrefix("run 1  id \(ids[1].prefix(8))  "))
        #expect(try CLI.run(["log", "-C", dir.path, String(ids[1].prefix(6))]).stdout.hasPrefix("run 1  id \(ids[1].prefix(8))  "))
        let again = try CLI.run(["reproduce", "-C", dir.path, String(ids[1].prefix(8))])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("studyflow: reproducing run 1 (2 stages) in "))
        let unknown = try CLI.run(["reproduce", "-C", dir.path, "9"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "studyflow: error: no run '9' in this workspace's provenance ledger; its runs are numbered up to 2; give a run number, HEAD~N (N runs before the latest) or a run id (see 'studyflow log')\n")
    }

    @Test("a git worktree reads back its own runs only: 'reproduce 1' there never picks the main checkout's run 1")
    func worktreeRuns() throws {
        let dir = try Self.repository()
        let elsewhere = TemporaryDirectory()
        let linked = elsewhere.path + "/side"
        try Self.git(["worktree", "add", "-q", linked], in: dir.path)
        try FileIO.writeAtomically(linked + "/data/raw.txt", Array("side\n".utf8))
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(try CLI.run(["run", "-C", linked]).status == 0)
        #expect(try Self.git(["rev-list", "--count", "refs/studyflow/runs"], in: dir.path) == "2\n")
        let mainIDs = try Self.ids(dir.path), sideIDs = try Self.ids(linked)
        #expect(mainIDs.count == 1 && sideIDs.count == 1 && mainIDs != sideIDs)
        let show = try Self.git(["show", "refs/studyflow/runs:run.json"], in: dir.path)
        #expect(show.contains("\"worktree\": \"side\"") && show.contains("\"id\": \"\(sideIDs[0])\""))
        let audit = try CLI.run(["audit", "-C", linked, "results/clean.txt"])
        #expect(audit.stdout.contains("data/raw.txt  sha256 \(Digest.of(Array("side\n".utf8)).hex)"))
        let reproduce = try CLI.run(["reproduce", "-C", linked, "1"])
        #expect(reproduce.status == 0, "\(reproduce.stderr)")
        #expect(reproduce.stdout == "identical  results/clean.txt\nidentical  results/count.txt\n")
        let foreign = try CLI.run(["reproduce", "-C", linked, mainIDs[0]])
        #expect(foreign.status == 2)
        #expect(foreign.stderr == "studyflow: error: run '\(mainIDs[0])' was recorded by the workspace '\(dir.path)' in the main work tree, not this one; run the command there\n")
    }

    static let halfFailing = """
    name: half
    stages:
      good:
        run: echo good > ${outputs.out}
        outputs: {out: results/good.txt}
      bad:
        run: cat ${inputs} && exit 3
        inputs: [results/good.txt]
        outputs: {out: results/bad.txt}

    """

    @Test("reproduce of a failed run says it failed, reproduces the stages that succeeded and exits 1")
    func reproduceFailedRun() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.halfFailing)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 1)
        let result = try CLI.run(["reproduce", "-C", dir.path])
        #expect(result.status == 1)
        #expect(result.stdout == "identical  results/good.txt\nnot run    stage 'bad' (failed in run 1: no recorded outputs)\n")
        #expect(result.stderr.hasPrefix("studyflow: run 1 failed at stage 'bad'; reproducing the 1 stage that succeeded\n"))
        #expect(result.stderr.hasSuffix("studyflow: run 1 failed at stage 'bad': 1 stage could not be reproduced\n"))
        let chosen = try CLI.run(["reproduce", "-C", dir.path, "--stage", "good"])
        #expect(chosen.status == 0, "\(chosen.stderr)")
        #expect(chosen.stdout == "identical  results/good.txt\n")
        let refused = try CLI.run(["reproduce", "-C", dir.path, "--stage", "bad"])
        #expect(refused.status == 2)
        #expect(refused.stderr == "studyflow: error: stage 'bad' failed in run 1, so it has no recorded outputs to reproduce; name one that succeeded: good\n")

        let none = TemporaryDirectory()
        none.write("Workflows/main.yaml", "name: none\nstages:\n  bad:\n    run: exit 3\n    outputs: [x.txt]\n")
        #expect(try CLI.run(["run", "-C", none.path]).status == 1)
        let nothing = try CLI.run(["reproduce", "-C", none.path])
        #expect(nothing.status == 1)
        #expect(nothing.stderr == "studyflow: error: run 1 failed at stage 'bad' before any stage succeeded; there is nothing to reproduce\n")
    }

    @Test("reproduce copies only the lineage's inputs: no .build/, no unrelated or ignored folders")
    func reproduceCopiesLineageOnly() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", """
        name: lean
        stages:
          make:
            run: sh scripts/make.sh ${inputs.raw} > ${outputs.out}
            inputs: {raw: data/raw.txt, extra: data/more/}
            outputs: {out: results/made.txt}
          list:
            run: ls -R data > ${outputs.out}
            inputs: [results/made.txt]
            outputs: {out: results/listing.txt}

        """)
        dir.write("scripts/make.sh", "cat \"$1\" data/more/a.txt\n")
        dir.write("data/raw.txt", "raw\n")
        dir.write("data/more/a.txt", "a\n")
        dir.write(".build/debug/huge.o", String(repeating: "x", count: 1 << 20))
        dir.write("notes/unrelated.txt", "not an input\n")
        dir.write(".gitignore", ".build/\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        let result = try CLI.run(["reproduce", "-C", dir.path, "--keep"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "identical  results/made.txt\nidentical  results/listing.txt\n")
        let marker = "studyflow: scratch copy kept at "
        let line = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix(marker) })
        let scratch = String(line.dropFirst(marker.count))
        defer { try? FileIO.removeTree(scratch) }
        var files: [String] = []
        let walker = try #require(FileManager.default.enumerator(atPath: scratch))
        while let path = walker.nextObject() as? String {
            if path.hasPrefix(".studyflow") { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: scratch + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        #expect(files.sorted() == ["Workflows/main.yaml", "data/more/a.txt", "data/raw.txt", "results/listing.txt", "results/made.txt",
                                   "scripts/make.sh"])
    }

    @Test("a run before the first commit is recorded in that repository, with HEAD unborn, not as 'no git repository'")
    func unbornHead() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/raw.txt", "alpha\n")
        try Self.git(["init", "-q", "-b", "main"], in: dir.path)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(!dir.exists(".studyflow/provenance.git"))
        #expect(try Self.git(["log", "--format=%s", "refs/studyflow/runs"], in: dir.path) == "run 1: 2 stages, 2 ran, 0 cached, ok\n")
        let log = try CLI.run(["log", "-C", dir.path]).stdout
        #expect(log.contains("  ok  source unborn  commit "), "\(log)")
        let audit = try CLI.run(["audit", "-C", dir.path, "results/count.txt"]).stdout
        #expect(audit.contains(", source commit none (HEAD has no commit yet)\n"), "\(audit)")
        #expect(!audit.contains("no git repository"))
    }

    @Test("a SHA-256 repository: the run is recorded in .studyflow/provenance.git with a note that says why, never 'git fsck'")
    func sha256Repository() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.workflow)
        dir.write("data/raw.txt", "alpha\n")
        dir.write(".gitignore", ".studyflow/\nresults/\n")
        try Self.git(["init", "-q", "--object-format=sha256", "-b", "main"], in: dir.path)
        try Self.git(["add", "-A"], in: dir.path)
        try Self.git(["commit", "-q", "-m", "sources"], in: dir.path)
        let run = try CLI.run(["run", "-C", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        let version = try #require(run.stderr.firstMatch(of: #/libgit2 ([0-9]+\.[0-9]+) cannot/#)?.1)
        let note = "studyflow: note: the git repository at '\(dir.path)/.git' uses SHA-256 object names, which libgit2 \(version) cannot write; provenance goes to '.studyflow/provenance.git' instead\n"
        #expect(run.stderr.hasPrefix(note))
        #expect(!run.stderr.contains("fsck"))
        #expect(dir.exists(".studyflow/provenance.git"))
        let log = try CLI.run(["log", "-C", dir.path])
        #expect(log.status == 0 && log.stderr == note)
        let head = try Self.git(["rev-parse", "HEAD"], in: dir.path).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(log.stdout.contains("  ok  source \(head.prefix(12))+dirty?  commit "), "\(log.stdout)")
        // A second, unchanged run takes the no-op shortcut: the recorded HEAD matches.
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(try Self.git(["--git-dir", ".studyflow/provenance.git", "log", "-1", "--format=%s", "refs/studyflow/runs"], in: dir.path)
            == "run 2: 2 stages, 0 ran, 2 cached, ok\n")
        #expect(try Self.git(["fsck"], in: dir.path) == "")
    }
}
