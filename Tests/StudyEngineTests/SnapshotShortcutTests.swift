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
}
