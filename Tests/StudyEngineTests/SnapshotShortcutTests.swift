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

/// The no-op shortcut decision lives with the snapshot: only a plain run of every stage that is
/// not explaining itself may be answered from it.
@Suite("No-op shortcut decision")
struct SnapshotShortcutTests {
    /// A diamond run twice through a runner that keeps a snapshot: the second, all-cached run writes it.
    private func snapshotted() throws -> (TestWorkspace, SnapshotCheck) {
        let ws = TestWorkspace.diamond()
        let check = SnapshotCheck(stamp: "test", workflowDigest: Digest.of(string: ws.yaml), params: [:],
                                  environment: { _ in nil })
        for run in 1...2 {
            // A file written within the stat cache's racy window (100 ms) of a run is not trusted
            // for a snapshot: let the first run's outputs age past it.
            if run == 2 { usleep(200_000) }
            let runner = Runner(workspace: try ws.workspace(), executor: try ws.fake(), options: RunOptions(jobs: 2),
                                observers: [], run: run, snapshot: check)
            try #require(try runner.execute().ok)
        }
        return (ws, check)
    }

    @Test("a plain run after an all-cached run is answered with every stage id in report order")
    func plainRun() throws {
        let (ws, check) = try snapshotted()
        #expect(check.shortcut(ws.layout, force: [], forceAll: false, targets: [], explaining: false)
            == ["clean", "left", "right", "join"])
    }

    @Test("--force, --force-all, --until and --verbose each check fully, even with a matching snapshot")
    func optionsBypass() throws {
        let (ws, check) = try snapshotted()
        #expect(check.shortcut(ws.layout, force: ["clean"], forceAll: false, targets: [], explaining: false) == nil)
        #expect(check.shortcut(ws.layout, force: [], forceAll: true, targets: [], explaining: false) == nil)
        #expect(check.shortcut(ws.layout, force: [], forceAll: false, targets: ["join"], explaining: false) == nil)
        #expect(check.shortcut(ws.layout, force: [], forceAll: false, targets: [], explaining: true) == nil)
    }

    @Test("another workflow digest finds no snapshot to answer from")
    func otherWorkflow() throws {
        let (ws, _) = try snapshotted()
        let other = SnapshotCheck(stamp: "test", workflowDigest: Digest.of(string: ws.yaml + "\n"), params: [:],
                                  environment: { _ in nil })
        #expect(other.shortcut(ws.layout, force: [], forceAll: false, targets: [], explaining: false) == nil)
    }

    @Test("a run that executed every stage writes the snapshot: the next plain run is answered from it at once")
    func afterExecutingRun() throws {
        let ws = TestWorkspace.diamond()
        let check = SnapshotCheck(stamp: "test", workflowDigest: Digest.of(string: ws.yaml), params: [:],
                                  environment: { _ in nil })
        let runner = Runner(workspace: try ws.workspace(), executor: try ws.fake(), options: RunOptions(jobs: 2),
                            observers: [], run: 1, snapshot: check)
        let summary = try runner.execute()
        try #require(summary.ok && summary.results.allSatisfy { $0.status == .ran })
        // No pause: outputs written a moment ago are racy, recorded with their digests and read again.
        #expect(check.shortcut(ws.layout, force: [], forceAll: false, targets: [], explaining: false)
            == ["clean", "left", "right", "join"])
        ws.directory.write("results/left.txt", "edited\n")
        #expect(check.unchangedStages(ws.layout) == nil)
    }

    @Test("a failed or partial run writes no snapshot")
    func failedRun() throws {
        let ws = TestWorkspace.diamond()
        let check = SnapshotCheck(stamp: "test", workflowDigest: Digest.of(string: ws.yaml), params: [:],
                                  environment: { _ in nil })
        let failing = Runner(workspace: try ws.workspace(), executor: try ws.fake(failing: ["right"]), options: RunOptions(jobs: 2),
                             observers: [], run: 1, snapshot: check)
        #expect(try !failing.execute().ok)
        #expect(!ws.directory.exists(".studyflow/snapshot"))
        let partial = Runner(workspace: try ws.workspace(), executor: try ws.fake(), options: RunOptions(jobs: 2, targets: ["left"]),
                             observers: [], run: 2, snapshot: check)
        #expect(try partial.execute().ok)
        #expect(!ws.directory.exists(".studyflow/snapshot"))
    }
}

/// The snapshot trusts a `stat` only when the file was read well after it last changed; fresher
/// entries are read again, and one whose bytes are not what the stat cache says stops the snapshot.
@Suite("Snapshot racy entries")
struct SnapshotRacyTests {
    private func write(_ dir: TemporaryDirectory, cache: StatCache) {
        Snapshot.write(StoreLayout(root: dir.path), header: Snapshot.Header(stamp: "s", workflow: Digest.of(string: "w"), context: Digest.of(string: "c")),
                       stages: ["a"], paths: ["data/in.txt"], environment: [], cache: cache, runStart: SystemClock.wallNanoseconds(), digestEnvironment: { _ in Digest.of(string: "") })
    }

    @Test("a fresh file whose bytes match is recorded racy and its bytes are checked again at every verify")
    func racyMatch() throws {
        let dir = TemporaryDirectory()
        dir.write("data/in.txt", "1\n")
        dir.write(".studyflow/.keep", "")
        let cache = StatCache(path: dir.path + "/.studyflow/stat-cache")
        let st = try #require(FileStat.following(dir.path + "/data/in.txt"))
        cache.remember("data/in.txt", stat: st, digest: Digest.of(string: "1\n"), hashedAt: st.mtime)
        write(dir, cache: cache)
        #expect(dir.exists(".studyflow/snapshot"))
        let header = Snapshot.Header(stamp: "s", workflow: Digest.of(string: "w"), context: Digest.of(string: "c"))
        #expect(Snapshot.verify(StoreLayout(root: dir.path), header: header, digestEnvironment: { _ in Digest.of(string: "") }) == ["a"])
    }

    @Test("a racy stat cache entry whose bytes no longer match writes no snapshot")
    func racyMismatch() throws {
        let dir = TemporaryDirectory()
        dir.write("data/in.txt", "1\n")
        dir.write(".studyflow/snapshot", "old")
        let cache = StatCache(path: dir.path + "/.studyflow/stat-cache")
        let st = try #require(FileStat.following(dir.path + "/data/in.txt"))
        // Same stat, other bytes: what an edit in the same clock tick as the hashing looks like.
        cache.remember("data/in.txt", stat: st, digest: Digest.of(string: "2\n"), hashedAt: st.mtime)
        write(dir, cache: cache)
        #expect(!dir.exists(".studyflow/snapshot"))
    }
}
