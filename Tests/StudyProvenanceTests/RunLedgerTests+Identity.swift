import Foundation
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport
@testable import StudyProvenance

/// Run ids, worktrees, unborn HEADs and SHA-256 repositories (issue 13, items 10, 15 and 17).
extension RunLedgerTests {
    /// Whether `id` is a lowercase UUID version 4 (RFC 9562 variant).
    static func isUUIDv4(_ id: String) -> Bool {
        id.wholeMatch(of: #/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/#) != nil
    }

    @Test("every run gets a unique random id, in run.json and the commit message")
    func uniqueIDs() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let stages = try ws.stages()
        for _ in 0..<3 { _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil) }
        let ids = try ledger.runs().map(\.id)
        #expect(Set(ids).count == 3)
        for id in ids { #expect(Self.isUUIDv4(id), "\(id)") }
        #expect(try ws.git(["log", "-1", "--format=%b", RunLedger.ref]).contains("id: \(ids[0])\n"))
        #expect(try ws.git(["show", "\(RunLedger.ref):run.json"]).contains("\"id\": \"\(ids[0])\""))
        #expect(Set((0..<1000).map { _ in RunID.generate() }).count == 1000)
        #expect(try ledger.run(nil).record.source.repository == .noRepository)
        #expect(try ledger.run(nil).record.place.workspaceRoot == ws.layout.root)
    }

    @Test("a workflow file given as text is recorded byte for byte, as the same file given as bytes")
    func workflowTextRecorded() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let stages = try ws.stages()
        let text = "name: démo\nstages:\n  a: {run: echo '€' > ${outputs.out}, outputs: {out: out/a.txt}}\n"
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowText: text)
        let fromText = try #require(try ledger.workflowBytes(of: try ledger.run(nil)))
        _ = try ledger.record(ws.runRecord(2, stages, ledger: ledger), stages: stages, workflowBytes: Array(text.utf8))
        let fromBytes = try #require(try ledger.workflowBytes(of: try ledger.run(nil)))
        #expect(fromText == Array(text.utf8))
        #expect(fromBytes == fromText)
    }

    @Test("a run is named by its number, a prefix of its id or of its commit; a repeated number is an error listing the runs")
    func references() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let stages = try ws.stages()
        // Run 1 twice: what a history written before numbers continued across a deleted .studyflow holds.
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        _ = try ledger.record(ws.runRecord(2, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        let runs = try ledger.runs()
        #expect(ledger.latestRunNumber() == 2)
        #expect(try ledger.run("2").id == runs[0].id)
        #expect(try ledger.run(nil).id == runs[0].id)
        #expect(try ledger.run(String(runs[1].id.prefix(12)).uppercased()).id == runs[1].id)
        #expect(try ledger.run(runs[2].id).id == runs[2].id)
        #expect(try ledger.run(String(runs[2].commit.hex.prefix(10))).id == runs[2].id)
        #expect(throws: ProvenanceError.ambiguousRun("1", candidates: [runs[1].label, runs[2].label])) { try ledger.run("1") }
        let message = ProvenanceError.ambiguousRun("1", candidates: [runs[1].label, runs[2].label]).description
        #expect(message == "run '1' is ambiguous in this workspace's history: it names \(runs[1].label), \(runs[2].label); give the run id or a longer prefix of it (see 'studyflow log')")
        #expect(runs[1].label == "run 1 (id \(runs[1].id.prefix(8)), 2023-11-14T22:13:21Z)")
        #expect(throws: ProvenanceError.unknownRun("7", latest: 2)) { try ledger.run("7") }
        #expect(ProvenanceError.unknownRun("7", latest: 2).description
            == "no run '7' in this workspace's provenance ledger; its runs are numbered up to 2; give a run number, HEAD~N (N runs before the latest) or a run id (see 'studyflow log')")
        // Too short to be a prefix, or not hex: never a guess.
        #expect(throws: ProvenanceError.unknownRun(String(runs[0].id.prefix(3)), latest: 2)) { try ledger.run(String(runs[0].id.prefix(3))) }
        #expect(throws: ProvenanceError.unknownRun("zzzz", latest: 2)) { try ledger.run("zzzz") }
        // Offsets count this workspace's runs back from the latest, as `diff` reads them.
        #expect(try ledger.run("HEAD").id == runs[0].id)
        #expect(try ledger.run("HEAD~2").id == runs[2].id)
        #expect(try ledger.run("head^").id == runs[1].id)
        #expect(throws: ProvenanceError.unknownRun("HEAD~3", latest: 2)) { try ledger.run("HEAD~3") }
    }

    @Test("a run.json written before run ids and worktrees still loads; its commit id names it")
    func oldRecords() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let digest = Digest.of(string: "name: t\n").hex
        let old = """
        {
          "counts": {"ran": 2},
          "dirty": null,
          "dirtyPaths": [],
          "executor": "local",
          "finished": "2023-11-14T22:13:21Z",
          "finishedEpoch": 1700000001,
          "host": "h",
          "params": {},
          "run": 1,
          "sourceCommit": null,
          "stagesDigest": "\(digest)",
          "started": "2023-11-14T22:13:20Z",
          "startedEpoch": 1700000000,
          "studyflow": "0.1.0",
          "workflow": {"file": "Workflows/main.yaml", "name": "t", "sha256": "\(digest)"},
          "workspace": "."
        }

        """
        let repository = ledger.repository
        let tree = try repository.writeTree([.init(name: "run.json", id: try repository.writeBlob(Array(old.utf8)), isTree: false)])
        let commit = try repository.createCommit(ref: RunLedger.ref, tree: tree, parent: nil, message: "run 1: 2 stages\n", time: 1_700_000_000)
        let stages = try ws.stages()
        _ = try ledger.record(ws.runRecord(2, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        let runs = try ledger.runs()
        #expect(runs.map(\.record.run) == [2, 1])
        #expect(runs[1].record.id == nil && runs[1].id == commit.hex)
        #expect(runs[1].record.place.worktree == nil && runs[1].record.source.repository == nil)
        #expect(runs[1].record.sourceDescription == "none (no git repository)")
        #expect(try ledger.run("1").commit == commit)
        #expect(try ledger.run(String(commit.hex.prefix(8))).commit == commit)
        #expect(ledger.latestRunNumber() == 2)
    }

    @Test("git worktrees share the ref; each records its name and reads back only its own runs")
    func worktrees() throws {
        let ws = try Workspace(git: true)
        let other = TemporaryDirectory()
        let linked = other.path + "/wt"
        #expect(try GitCLI.run(["worktree", "add", "-q", linked], in: ws.dir.path).status == 0)
        let main = try RunLedger.open(ws.layout, create: true)
        let side = try RunLedger.open(StoreLayout(root: linked), create: true)
        #expect(side.repositoryPath.hasSuffix("/.git/worktrees/wt"))
        let stages = try ws.stages()
        _ = try main.record(ws.runRecord(1, stages, ledger: main), stages: stages, workflowBytes: nil)
        _ = try side.record(ws.runRecord(1, stages, ledger: side), stages: stages, workflowBytes: nil)
        #expect(try ws.git(["rev-list", "--count", RunLedger.ref]) == "2\n")
        let mainRuns = try main.runs(), sideRuns = try side.runs()
        #expect(mainRuns.count == 1 && sideRuns.count == 1)
        #expect(mainRuns[0].record.place.worktree == nil && sideRuns[0].record.place.worktree == "wt")
        #expect(sideRuns[0].record.place.workspaceRoot == linked)
        #expect(try side.run("1").id == sideRuns[0].id)
        #expect(try main.run("1").id == mainRuns[0].id)
        let place = ws.layout.root
        #expect(throws: ProvenanceError.otherWorkspace(mainRuns[0].id, workspace: place, worktree: "the main work tree")) {
            try side.run(mainRuns[0].id)
        }
        // The ref, and so its lock file, is shared: a writer in the main work tree blocks the worktree too.
        let lock = ws.layout.root + "/.git/refs/studyflow/runs.lock"
        try FileIO.writeAtomically(lock, [])
        let writer = open(lock, O_RDONLY)
        #expect(throws: ProvenanceError.locked(ref: RunLedger.ref, lockFile: lock)) { try side.preflight() }
        close(writer)
        try FileIO.removeTree(lock)
        #expect(ProvenanceError.otherWorkspace("3f9c", workspace: "/w", worktree: "worktree 'wt'").description
            == "run '3f9c' was recorded by the workspace '/w' in worktree 'wt', not this one; run the command there")
    }

    @Test("before the first commit the workspace's repository holds the ledger; HEAD is recorded as unborn and every source as dirty")
    func unbornHead() throws {
        let ws = try Workspace()
        #expect(try GitCLI.run(["init", "-q", "-b", "main"], in: ws.dir.path).status == 0)
        let ledger = try RunLedger.open(ws.layout, create: true)
        #expect(ledger.repositoryPath == ws.layout.root + "/.git")
        #expect(ledger.note == nil)
        let stages = try ws.stages()
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        let record = try ledger.run(nil).record
        #expect(record.source.commit == nil && record.source.repository == .git)
        #expect(record.source.dirty == true && record.source.dirtyPaths == ["data/raw.csv", "Workflows/main.yaml"])
        #expect(record.sourceDescription == "none (HEAD has no commit yet)")
        #expect(!FileManager.default.fileExists(atPath: ws.layout.provenanceRepository))
        #expect(try ws.git(["log", "--format=%s", RunLedger.ref]) == "run 1: 2 stages, 2 ran, 0 cached, ok\n")
    }

    @Test("a SHA-256 repository is healthy: the ledger goes to the bare repository with a note, never 'git fsck'")
    func sha256Repository() throws {
        let ws = try Workspace()
        #expect(try GitCLI.run(["init", "-q", "--object-format=sha256", "-b", "main"], in: ws.dir.path).status == 0)
        #expect(try GitCLI.run(["add", "-A"], in: ws.dir.path).status == 0)
        #expect(try GitCLI.run(["commit", "-q", "-m", "sources"], in: ws.dir.path).status == 0)
        #expect(throws: ProvenanceError.noRuns(repository: ws.layout.root)) { try RunLedger.open(ws.layout, create: false) }
        let ledger = try RunLedger.open(ws.layout, create: true)
        #expect(ledger.repositoryPath == ws.layout.provenanceRepository)
        #expect(ledger.note == "the git repository at '\(ws.layout.root)/.git' uses SHA-256 object names, which libgit2 \(GitRepository.libraryVersion) cannot write; provenance goes to '.studyflow/provenance.git' instead")
        let stages = try ws.stages()
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        let reopened = try RunLedger.open(ws.layout, create: false)
        #expect(reopened.note == ledger.note)
        let record = try reopened.run("1").record
        // HEAD is read from the repository's files; whether sources differ from it cannot be known.
        let head = try GitCLI.run(["rev-parse", "HEAD"], in: ws.dir.path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head.count == 64)
        #expect(record.source.repository == .sha256 && record.source.commit == head && record.source.dirty == nil)
        #expect(record.sourceDescription == "\(head.prefix(12)) (dirty state unknown)")
        // Packed refs are read too.
        #expect(try GitCLI.run(["pack-refs", "--all"], in: ws.dir.path).status == 0)
        #expect(GitRepository.headCommitFromFiles(gitDirectory: ws.layout.root + "/.git") == head)
        // The SHA-256 repository itself is untouched and healthy.
        #expect(try GitCLI.run(["rev-parse", "--verify", "-q", RunLedger.ref], in: ws.dir.path).status != 0)
        #expect(try GitCLI.run(["fsck"], in: ws.dir.path).status == 0)
    }
}

extension RunLedgerTests {
    @Test("a repository with an extension libgit2 does not know is named with it, not sent to 'git fsck'")
    func unknownExtension() throws {
        let ws = try Workspace(git: true)
        #expect(try GitCLI.run(["config", "core.repositoryformatversion", "1"], in: ws.dir.path).status == 0)
        #expect(try GitCLI.run(["config", "extensions.fancything", "true"], in: ws.dir.path).status == 0)
        let ledger = try RunLedger.open(ws.layout, create: true)
        #expect(ledger.repositoryPath == ws.layout.provenanceRepository)
        #expect(ledger.note == "the git repository at '\(ws.layout.root)/.git' uses the repository extension 'extensions.fancything', which libgit2 \(GitRepository.libraryVersion) cannot write; provenance goes to '.studyflow/provenance.git' instead")
        let stages = try ws.stages()
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        // This git cannot read the repository either; its branch file names HEAD's commit.
        let head = try #require(ws.dir.read(".git/refs/heads/main")).trimmingCharacters(in: .whitespacesAndNewlines)
        let record = try ledger.run(nil).record
        #expect(record.source.repository == .unreadable)
        #expect(record.source.commit == head)
        #expect(record.source.dirty == nil)
    }
}
