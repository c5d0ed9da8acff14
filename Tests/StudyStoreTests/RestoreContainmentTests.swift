#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

/// Restoring an output never writes or deletes outside the workspace, whatever symbolic links
/// appeared on its path since the workflow was validated (issue 13 item 8).
@Suite("Restore stays inside the workspace")
struct RestoreContainmentTests {
    /// A workspace with `results/x.csv` stored, then removed from disk.
    private static func stored(_ dir: TemporaryDirectory, _ path: String = "results/x.csv") throws -> (ObjectStore, OutputState) {
        let store = ObjectStore(layout: StoreLayout(root: dir.path))
        try store.prepare()
        dir.write(path, "a,b\n")
        let state = try store.ingest(path: path, isDirectory: false)
        dir.delete(WorkspacePath.directory(of: path) ?? path)
        return (store, state)
    }

    @Test("an output directory replaced by a link to outside is refused, naming the output and the target")
    func parentLinkOutside() throws {
        let dir = TemporaryDirectory()
        let outside = TemporaryDirectory()
        let (store, state) = try Self.stored(dir)
        #expect(symlink(outside.path, dir.path + "/results") == 0)
        #expect(throws: StoreError.self) { try store.restore(state) }
        do { try store.restore(state) } catch {
            #expect("\(error)" == "output 'results/x.csv' leaves the workspace through symbolic link 'results' to '\(outside.path)'; studyflow writes nothing through it; replace the link with a real directory inside the workspace and rerun")
        }
        #expect(try FileIO.listDirectory(outside.path) == [])
    }

    @Test("a link to outside deeper on the path, or to a directory output, is refused too")
    func deeperAndDirectoryLinks() throws {
        let dir = TemporaryDirectory()
        let outside = TemporaryDirectory()
        outside.write("keep/me.txt", "user data\n")
        let store = ObjectStore(layout: StoreLayout(root: dir.path))
        try store.prepare()
        dir.write("results/parts/a.txt", "a\n")
        let state = try store.ingest(path: "results/parts", isDirectory: true)
        dir.delete("results")
        try FileIO.createDirectories(dir.path + "/results")
        #expect(symlink(outside.path + "/keep", dir.path + "/results/parts") == 0)
        // The link at the output itself is replaced, never followed: the data behind it stays.
        try store.restore(state)
        #expect(dir.read("results/parts/a.txt") == "a\n")
        #expect(FileStat.of(dir.path + "/results/parts")?.kind == .directory)
        #expect(outside.read("keep/me.txt") == "user data\n")

        dir.delete("results")
        #expect(symlink(outside.path, dir.path + "/results") == 0)
        #expect(throws: StoreError.self) { try store.restore(state) }
        #expect(try FileIO.listDirectory(outside.path) == ["keep"])
        #expect(outside.read("keep/me.txt") == "user data\n")
    }

    @Test("a file output that is a link to an outside file is replaced, and the outside file untouched")
    func outputFileLink() throws {
        let dir = TemporaryDirectory()
        let outside = TemporaryDirectory()
        outside.write("secret.txt", "do not touch\n")
        let (store, state) = try Self.stored(dir)
        try FileIO.createDirectories(dir.path + "/results")
        #expect(symlink(outside.path + "/secret.txt", dir.path + "/results/x.csv") == 0)
        try store.restore(state)
        #expect(FileStat.of(dir.path + "/results/x.csv")?.kind == .file)
        #expect(dir.read("results/x.csv") == "a,b\n")
        #expect(outside.read("secret.txt") == "do not touch\n")
    }

    @Test("a link that stays inside the workspace is followed")
    func insideLinkAllowed() throws {
        let dir = TemporaryDirectory()
        let (store, state) = try Self.stored(dir)
        try FileIO.createDirectories(dir.path + "/real-results")
        #expect(symlink("real-results", dir.path + "/results") == 0)
        try store.restore(state)
        #expect(dir.read("real-results/x.csv") == "a,b\n")
    }
}
