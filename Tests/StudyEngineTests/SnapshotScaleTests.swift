#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

/// The snapshot's entries are checked in chunks on every core: the answer must be the one a
/// serial check gives, wherever the change is (first chunk, last chunk, last entry), whatever
/// chunk finishes first, for files, directories and paths recorded absent.
@Suite("Snapshot verify in parallel chunks")
struct SnapshotScaleTests {
    static let header = Snapshot.Header(stamp: "s", workflow: Digest.of(string: "w"), context: Digest.of(string: "c"))
    /// More than four chunks of entries (and both cores' worth).
    static let count = 4 * 1024 + 37

    /// A workspace of `count` files aged past the racy window, one directory and one absent path, snapshotted.
    private func snapshotted() throws -> (TemporaryDirectory, [String]) {
        let dir = TemporaryDirectory()
        var paths: [String] = []
        for i in 0..<Self.count {
            let path = "data/f\(i / 500)/file-with-a-long-name-\(i).txt"
            dir.write(path, "\(i)\n")
            paths.append(path)
        }
        dir.write(".studyflow/.keep", "")
        let layout = StoreLayout(root: dir.path)
        let cache = StatCache(path: dir.path + "/.studyflow/stat-cache")
        let hashedAt = SystemClock.wallNanoseconds() + 2 * StatCache.racyWindow
        for path in paths {
            let st = try #require(FileStat.following(layout.absolute(path)))
            cache.remember(path, stat: st, digest: Digest.of(string: FileIO.readText(layout.absolute(path)) ?? ""), hashedAt: hashedAt)
        }
        // The directory is listed (it is racy right now, so recorded with its listing's digest).
        Snapshot.write(layout, header: Self.header, stages: ["a", "b"], paths: paths + ["data/f3", "absent/never.txt"], environment: [], cache: cache,
                       runStart: SystemClock.wallNanoseconds(), digestEnvironment: { _ in Digest.of(string: "") })
        #expect(dir.exists(".studyflow/snapshot"))
        return (dir, paths)
    }

    private func verify(_ dir: TemporaryDirectory) -> [String]? {
        Snapshot.verify(StoreLayout(root: dir.path), header: Self.header, digestEnvironment: { _ in Digest.of(string: "") })
    }

    @Test("nothing changed: every chunk agrees, every time")
    func unchanged() throws {
        let (dir, _) = try snapshotted()
        for _ in 0..<5 { #expect(verify(dir) == ["a", "b"]) }
    }

    @Test("one changed entry in the first chunk, in the middle, or the very last is found")
    func changedAnywhere() throws {
        for (index, removed) in [(0, false), (1023, true), (1024, false), (Self.count / 2, true), (Self.count - 1, false)] {
            let (dir, paths) = try snapshotted()
            #expect(verify(dir) == ["a", "b"])
            if removed { dir.delete(paths[index]) } else { dir.write(paths[index], "edited\n") }
            #expect(verify(dir) == nil, "entry \(index) \(removed ? "removed" : "edited")")
        }
    }

    @Test("a path recorded absent that appears is a change")
    func appeared() throws {
        let (dir, _) = try snapshotted()
        dir.write("absent/never.txt", "now here\n")
        #expect(verify(dir) == nil)
    }

    @Test("a file added to a recorded directory is a change")
    func directoryListing() throws {
        let (dir, _) = try snapshotted()
        usleep(1_000)
        dir.write("data/f3/new.txt", "new\n")
        #expect(verify(dir) == nil)
    }

    @Test("a snapshot of the previous format is not read: the run checks fully and writes a new one")
    func olderFormat() throws {
        let (dir, _) = try snapshotted()
        var bytes = try #require(FileIO.read(dir.path + "/.studyflow/snapshot"))
        let magic = Array("studyflow-snapshot 4\n".utf8)
        #expect(Array(bytes.prefix(magic.count)) == magic)
        bytes[magic.count - 2] = UInt8(ascii: "3")
        try FileIO.writeAtomically(dir.path + "/.studyflow/snapshot", bytes, durable: false)
        #expect(verify(dir) == nil)
    }

    @Test("facts recorded with the snapshot are handed to the caller, after the stat checks, and decide")
    func facts() throws {
        let dir = TemporaryDirectory()
        dir.write("data/in.txt", "1\n")
        dir.write(".studyflow/.keep", "")
        let layout = StoreLayout(root: dir.path)
        let cache = StatCache(path: dir.path + "/.studyflow/stat-cache")
        let st = try #require(FileStat.following(layout.absolute("data/in.txt")))
        cache.remember("data/in.txt", stat: st, digest: Digest.of(string: "1\n"), hashedAt: SystemClock.wallNanoseconds() + 2 * StatCache.racyWindow)
        let facts = ["image localhost/x:1": "sha256:" + String(repeating: "a", count: 64), "container-runtime": "podman /usr/bin/podman"]
        Snapshot.write(layout, header: Self.header, stages: ["a"], paths: ["data/in.txt"], facts: facts, environment: [], cache: cache,
                       runStart: SystemClock.wallNanoseconds(), digestEnvironment: { _ in Digest.of(string: "") })
        let env: ([String]) -> Digest = { _ in Digest.of(string: "") }
        var seen: [String: String]?
        #expect(Snapshot.verify(layout, header: Self.header, digestEnvironment: env, factsHold: { seen = $0; return true }) == ["a"])
        #expect(seen == facts)
        #expect(Snapshot.verify(layout, header: Self.header, digestEnvironment: env, factsHold: { _ in false }) == nil)
        // Without a checker, recorded facts cannot be confirmed.
        #expect(Snapshot.verify(layout, header: Self.header, digestEnvironment: env) == nil)
        // A changed file is found before any fact is checked (checking one may start a program).
        dir.write("data/in.txt", "2\n")
        seen = nil
        #expect(Snapshot.verify(layout, header: Self.header, digestEnvironment: env, factsHold: { seen = $0; return true }) == nil)
        #expect(seen == nil)
    }
}
