import Foundation
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport
@testable import StudyProvenance

/// The ledger against real temporary repositories, read back both through the ledger and through
/// the git command line.
@Suite("run ledger")
struct RunLedgerTests {
    /// A two-stage chain `clean` (data/raw.csv -> results/clean.csv) and `km` (-> results/km.json),
    /// with the outputs' bytes in the workspace and in the content-addressed store.
    struct Workspace {
        let dir = TemporaryDirectory()
        var layout: StoreLayout { StoreLayout(root: dir.path) }

        init(git: Bool = false) throws {
            dir.write("data/raw.csv", "t,e\n1,1\n")
            dir.write("Workflows/main.yaml", "name: t\n")
            if git {
                dir.write(".gitignore", ".studyflow/\nresults/\n")
                try GitCLI.initRepository(dir.path)
            }
        }

        /// Writes an output into the workspace and the store, returning its record entry.
        func output(_ path: String, _ text: String) throws -> StageRecord.File {
            dir.write(path, text)
            let state = try ObjectStore(layout: layout).ingest(path: path, isDirectory: false)
            return .init(path: path, sha256: state.digest, size: state.size)
        }

        func source(_ path: String) -> StageRecord.File {
            let bytes = FileIO.read(dir.path + "/" + path)!
            return .init(path: path, sha256: Digest.of(bytes), size: Int64(bytes.count))
        }

        func stages(clean: String = "t,e\n1,1\n", status: StageStatus = .ran) throws -> [StageRecord] {
            try ObjectStore(layout: layout).prepare()
            let cleanOut = try output("results/clean.csv", clean)
            let km = try output("results/km.json", "{\"n\":\(clean.count)}\n")
            return [
                StageRecord(stage: "clean", kind: "shell", key: Digest.of(string: "clean" + clean), inputs: [source("data/raw.csv")],
                            outputs: [cleanOut], status: .known(status), exitStatus: status == .ran ? 0 : nil, seconds: status == .ran ? 0.25 : 0),
                StageRecord(stage: "km", kind: "survival/kaplan-meier@1", key: Digest.of(string: "km" + clean),
                            params: ["time": .string("t")], inputs: [cleanOut], outputs: [km], status: .known(status),
                            exitStatus: status == .ran ? 0 : nil),
            ]
        }

        func runRecord(_ run: Int, _ stages: [StageRecord], ledger: RunLedger) -> RunRecord {
            RunRecord(run: run, workflow: .init(file: "Workflows/main.yaml", digest: Digest.of(string: "name: t\n"), name: "t"),
                      timing: .init(started: 1_700_000_000 + Double(run), finished: 1_700_000_001 + Double(run)),
                      agent: .init(studyflowVersion: "test", host: "h"),
                      source: ledger.sourceState(paths: ["data/raw.csv", "Workflows/main.yaml"]), outcome: .ok,
                      stages: .init(counting: stages.compactMap(\.status.known)))
        }

        func git(_ args: [String]) throws -> String {
            let prefix = FileManager.default.fileExists(atPath: dir.path + "/.git") ? [] : ["--git-dir", layout.provenanceRepository]
            let out = try GitCLI.run(prefix + args, in: dir.path)
            #expect(out.status == 0, "git \(args): \(out.stderr)")
            return out.stdout
        }
    }

    @Test("stage records given as a lazy collection are recorded as the same stages and outputs trees as an array of them")
    func lazyStageRecords() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let stages = try ws.stages()
        let eager = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        var made = 0
        let lazy = stages.indices.lazy.map { index -> StageRecord in
            made += 1
            return stages[index]
        }
        let streamed = try ledger.record(ws.runRecord(2, stages, ledger: ledger), stages: lazy, workflowBytes: nil)
        #expect(made >= stages.count)
        for name in ["stages", "outputs"] {
            let a = try ledger.repository.entry(name, inTree: try ledger.repository.commit(eager).tree)
            let b = try ledger.repository.entry(name, inTree: try ledger.repository.commit(streamed).tree)
            #expect(a != nil && a == b, "\(name)")
        }
    }

    @Test("a workspace in no repository gets a bare ledger; each run is one commit whose parent is the previous run")
    func bareLedger() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        #expect(ledger.repositoryPath == ws.layout.provenanceRepository)
        let first = try ws.stages()
        let c1 = try ledger.record(ws.runRecord(1, first, ledger: ledger), stages: first, workflowBytes: Array("name: t\n".utf8))
        let second = try ws.stages(status: .cached)
        let c2 = try ledger.record(ws.runRecord(2, second, ledger: ledger), stages: second, workflowBytes: Array("name: t\n".utf8))
        #expect(try ws.git(["log", "--format=%H %P %s", RunLedger.ref]) ==
            "\(c2.hex) \(c1.hex) run 2: 2 stages, 0 ran, 2 cached, ok\n\(c1.hex)  run 1: 2 stages, 2 ran, 0 cached, ok\n")
        #expect(try ws.git(["show", "\(RunLedger.ref):outputs/results/km.json"]) == ws.dir.read("results/km.json"))
        #expect(try ws.git(["ls-tree", "--name-only", RunLedger.ref]) == "outputs\nrun.json\nstages\nworkflow.yaml\n")
        #expect(try GitCLI.run(["--git-dir", ws.layout.provenanceRepository, "fsck", "--strict"], in: ws.dir.path).status == 0)
        let stageText = try ws.git(["show", "\(RunLedger.ref):stages/km.json"])
        let parsed = StageRecord(json: JSONText.parse(stageText)!)
        #expect(parsed == second[1])
        // The JSON is canonical: keys sorted, so re-encoding the parsed text gives the same bytes.
        #expect(JSONText.pretty(JSONText.parse(stageText)!) == stageText)
        // The run's record reads back; no repository means no source commit and an unknown dirty flag.
        let runs = try ledger.runs()
        #expect(runs.map(\.record.run) == [2, 1])
        #expect(runs[0].record.source.commit == nil && runs[0].record.source.dirty == nil)
    }

    @Test("recording leaves HEAD, the index and every work-tree file byte-identical (checked with git)")
    func workTreeUntouched() throws {
        let ws = try Workspace(git: true)
        let before = try GitCLI.state(ws.dir.path)
        let ledger = try RunLedger.open(ws.layout, create: true)
        let stages = try ws.stages()
        let treeBefore = CLIFiles.snapshot(ws.dir.path)
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        #expect(try GitCLI.state(ws.dir.path) == before)
        #expect(CLIFiles.snapshot(ws.dir.path) == treeBefore)
        #expect(try ws.git(["rev-parse", "--verify", RunLedger.ref]).count == 41)
        #expect(try GitCLI.run(["fsck", "--strict"], in: ws.dir.path).status == 0)
        // Clean sources: the run records HEAD and dirty = false.
        let head = try ws.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ledger.runs()[0].record.source.commit == head)
        #expect(try ledger.runs()[0].record.source.dirty == false)
    }

    @Test("a source edited after HEAD marks the run dirty and names the path")
    func dirtySource() throws {
        let ws = try Workspace(git: true)
        ws.dir.write("data/raw.csv", "t,e\n2,0\n")
        let ledger = try RunLedger.open(ws.layout, create: true)
        let state = ledger.sourceState(paths: ["data/raw.csv", "Workflows/main.yaml"])
        #expect(state.dirty == true)
        #expect(state.dirtyPaths == ["data/raw.csv"])
    }

    @Test("a no-op run reuses the previous run's stage records and outputs, writing only run.json")
    func noOpReuse() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let ran = try ws.stages()
        _ = try ledger.record(ws.runRecord(1, ran, ledger: ledger), stages: ran, workflowBytes: nil)
        // The previous run ran stages: not a no-op to reuse.
        #expect(try ledger.recordNoOp(run: 2, started: 1, stages: ["clean", "km"], workflowFile: "Workflows/main.yaml",
                                      workflowDigest: Digest.of(string: "name: t\n"), studyflowVersion: "test", executor: "local") == nil)
        let cached = try ws.stages(status: .cached)
        _ = try ledger.record(ws.runRecord(2, cached, ledger: ledger), stages: cached, workflowBytes: nil)
        let third = try ledger.recordNoOp(run: 3, started: 1, stages: ["clean", "km"], workflowFile: "Workflows/main.yaml",
                                          workflowDigest: Digest.of(string: "name: t\n"), studyflowVersion: "test", executor: "local")
        #expect(third != nil)
        #expect(try ws.git(["rev-parse", "\(RunLedger.ref):stages"]) == ws.git(["rev-parse", "\(RunLedger.ref)~1:stages"]))
        #expect(try ws.git(["rev-parse", "\(RunLedger.ref):outputs"]) == ws.git(["rev-parse", "\(RunLedger.ref)~1:outputs"]))
        #expect(try ws.git(["log", "-1", "--format=%s", RunLedger.ref]) == "run 3: 2 stages, 0 ran, 2 cached, ok\n")
        // Another stage list (a subset run) is not reused.
        #expect(try ledger.recordNoOp(run: 4, started: 1, stages: ["clean"], workflowFile: "Workflows/main.yaml",
                                      workflowDigest: Digest.of(string: "name: t\n"), studyflowVersion: "test", executor: "local") == nil)
    }

    @Test("a run that executed stages prepares the next no-op: one commit whose stage records are the cached ones")
    func noOpAfterExecutingRun() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let ran = try ws.stages()
        _ = try ledger.record(ws.runRecord(1, ran, ledger: ledger), stages: ran, workflowBytes: nil, preparingNoOp: true)
        let second = try ledger.recordNoOp(run: 2, started: 1, stages: ["clean", "km"], workflowFile: "Workflows/main.yaml",
                                           workflowDigest: Digest.of(string: "name: t\n"), studyflowVersion: "test", executor: "local")
        #expect(second != nil)
        #expect(try ws.git(["log", "-1", "--format=%s", RunLedger.ref]) == "run 2: 2 stages, 0 ran, 2 cached, ok\n")
        #expect(try ws.git(["show", "\(RunLedger.ref):stages/clean.json"]) == String(decoding: ran[0].asCached.encoded, as: UTF8.self))
        #expect(try ws.git(["rev-parse", "\(RunLedger.ref):outputs"]) == ws.git(["rev-parse", "\(RunLedger.ref)~1:outputs"]))
        // The same stage records as a run that checked fully and found every stage cached.
        let cached = try ws.stages(status: .cached)
        _ = try ledger.record(ws.runRecord(3, cached, ledger: ledger), stages: cached, workflowBytes: nil)
        #expect(try ws.git(["rev-parse", "\(RunLedger.ref):stages"]) == ws.git(["rev-parse", "\(RunLedger.ref)~1:stages"]))
    }

    @Test("a failed run prepares no no-op record")
    func noOpAfterFailedRun() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        var stages = try ws.stages()
        stages[1].status = .known(.failed)
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil, preparingNoOp: true)
        #expect(!ws.dir.exists(".studyflow/provenance-noop"))
    }

    @Test("lineage walks back to source files and finds a file only an older run produced")
    func lineage() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let first = try ws.stages()
        let c1 = try ledger.record(ws.runRecord(1, first, ledger: ledger), stages: first, workflowBytes: nil)
        // Run 2 reports only `clean` (km was removed from the workflow).
        let second = [try ws.stages(status: .cached)[0]]
        _ = try ledger.record(ws.runRecord(2, second, ledger: ledger), stages: second, workflowBytes: nil)
        let lineage = try ledger.lineage(of: "results/km.json")
        #expect(lineage.steps.map(\.record.stage) == ["km", "clean"])
        #expect(lineage.steps[0].run.commit == c1)
        #expect(lineage.sources.map(\.path) == ["data/raw.csv"])
        // `clean` as of run 2: cached there, made by run 1.
        let clean = try ledger.lineage(of: "results/clean.csv")
        #expect(clean.steps[0].run.record.run == 2)
        #expect(clean.steps[0].madeBy.record.run == 1)
        #expect(ledger.verify(lineage).isEmpty)
        #expect(throws: ProvenanceError.notProduced(path: "results/none.json", runs: 2)) { try ledger.lineage(of: "results/none.json") }
    }

    @Test("verify names an edited output, an edited source and a missing store object")
    func verifyMismatches() throws {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let stages = try ws.stages()
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        ws.dir.write("results/km.json", "{\"n\":0}\n")
        ws.dir.write("data/raw.csv", "t,e\n9,9\n")
        unlink(ws.layout.object(stages[0].outputs[0].sha256!))
        let problems = ledger.verify(try ledger.lineage(of: "results/km.json"))
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("results/km.json: output edited since run 1") })
        #expect(problems.contains { $0.hasPrefix("data/raw.csv: source edited since run 1") })
        #expect(problems.contains { $0.hasPrefix("results/clean.csv: object") && $0.contains("missing from the store") })
    }

    /// A ledger with one recorded run and an empty `runs.lock` beside its ref (held by no process).
    private static func oneRunAndALockFile() throws -> (Workspace, RunLedger, [StageRecord], String) {
        let ws = try Workspace()
        let ledger = try RunLedger.open(ws.layout, create: true)
        let stages = try ws.stages()
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        let lock = ws.layout.provenanceRepository + "/refs/studyflow/runs.lock"
        _ = FileManager.default.createFile(atPath: lock, contents: Data())
        return (ws, ledger, stages, lock)
    }

    @Test("a locked ref (another writer holds the lock file open) fails with a message naming the lock file")
    func lockedRef() throws {
        let (ws, ledger, stages, lock) = try Self.oneRunAndALockFile()
        let writer = open(lock, O_RDONLY)
        defer { close(writer) }
        #expect(RefLockHolders.anyHolds(lock) == true)
        #expect(throws: ProvenanceError.locked(ref: RunLedger.ref, lockFile: lock)) { try ledger.preflight() }
        #expect(throws: ProvenanceError.self) { try ledger.record(ws.runRecord(2, stages, ledger: ledger), stages: stages, workflowBytes: nil) }
        #expect(try ledger.runs().count == 1)
    }

    @Test("a lock file no process holds open (its writer was killed mid-commit) is removed, with a note, and the next record lands")
    func staleLockRemoved() throws {
        let (ws, ledger, stages, lock) = try Self.oneRunAndALockFile()
        #expect(RefLockHolders.anyHolds(lock) == false)
        #expect(try ledger.preflight() == "removed '\(lock)', which a run killed while recording itself left behind (no process held it)")
        #expect(!FileManager.default.fileExists(atPath: lock))
        _ = try ledger.record(ws.runRecord(2, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        #expect(try ledger.runs().count == 2)
        #expect(try ledger.preflight() == nil)
    }

    @Test("an unknown run id and an unreadable repository give one-line errors")
    func badInput() throws {
        let ws = try Workspace()
        #expect(throws: ProvenanceError.noRuns(repository: ws.layout.root)) { try RunLedger.open(ws.layout, create: false) }
        let ledger = try RunLedger.open(ws.layout, create: true)
        let stages = try ws.stages()
        _ = try ledger.record(ws.runRecord(1, stages, ledger: ledger), stages: stages, workflowBytes: nil)
        #expect(throws: ProvenanceError.unknownRun("7", latest: 1)) { try ledger.run("7") }
        #expect(try ledger.run("1").record.run == 1)
        // A ref pointing at no object: the history cannot be read, and a run must not start.
        try FileIO.writeAtomically(ws.layout.provenanceRepository + "/refs/studyflow/runs", Array((String(repeating: "ab", count: 20) + "\n").utf8))
        #expect(throws: ProvenanceError.self) { try ledger.preflight() }
        #expect(throws: ProvenanceError.self) { try ledger.runs() }
        let broken = TemporaryDirectory()
        broken.write(".git/HEAD", "garbage\n")
        broken.write(".git/config", "[core\n")
        broken.write(".git/objects/.keep", "")
        broken.write(".git/refs/.keep", "")
        #expect(throws: ProvenanceError.self) { try RunLedger.open(StoreLayout(root: broken.path), create: true) }
    }

    @Test("the summary line counts stages by status")
    func summaryLine() {
        let record = RunRecord(run: 12, workflow: .init(file: "", digest: Digest.of(string: ""), name: ""),
                               timing: .init(started: 0, finished: 0), agent: .init(studyflowVersion: "", host: ""),
                               source: .init(commit: nil, dirty: nil), outcome: .ok,
                               stages: .init(counts: ["ran": 3, "cached": 37], digest: Digest.of(string: "")))
        #expect(record.summaryLine == "run 12: 40 stages, 3 ran, 37 cached, ok")
        #expect(RunRecord(json: JSONText.parse(JSONText.pretty(record.json))!) == record)
    }
}

/// Every file under a directory (except .git), for byte-identity checks.
enum CLIFiles {
    static func snapshot(_ directory: String) -> [String: Data] {
        var result: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [:] }
        while let item = walker.nextObject() as? String {
            if item == ".git" || item.hasPrefix(".git/") || item.hasPrefix(".studyflow") { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[item] = FileManager.default.contents(atPath: directory + "/" + item)
            }
        }
        return result
    }
}
