#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

/// A workspace with a stat cache; `hasher()` starts a fresh per-run hasher over the same cache.
private final class HasherFixture {
    let directory = TemporaryDirectory()
    var layout: StoreLayout { StoreLayout(root: directory.path) }
    let cache: StatCache

    init() throws {
        try FileIO.createDirectories(directory.path + "/.studyflow")
        cache = StatCache(path: StoreLayout(root: directory.path).statCache)
    }

    func hasher() -> ArtifactHasher { ArtifactHasher(layout: layout, cache: cache) }
    func absolute(_ file: String) -> String { directory.path + "/" + file }
    func stat(_ file: String) throws -> FileStat { try #require(FileStat.following(absolute(file))) }

    /// Sets the file's mtime `seconds` back, then waits until its ctime (now) is outside the racy window.
    func backdate(_ file: String, seconds: Int, settle: Bool = true) {
        let then = time_t(SystemClock.wallSeconds()) - time_t(seconds)
        var times = [timespec(tv_sec: then, tv_nsec: 0), timespec(tv_sec: then, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, absolute(file), &times, 0) == 0)
        if settle { usleep(250_000) }
    }

    /// Rewrites the file in place (same inode), keeping its old mtime.
    func rewriteInPlace(_ file: String, _ text: String, keepingMtimeOf before: FileStat) {
        let fd = open(absolute(file), O_WRONLY | O_TRUNC)
        #expect(fd >= 0)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        close(fd)
        var times = [timespec(tv_sec: Int(before.mtime / 1_000_000_000), tv_nsec: Int(before.mtime % 1_000_000_000))]
        times.append(times[0])
        #expect(utimensat(AT_FDCWD, absolute(file), &times, 0) == 0)
    }
}

@Suite("ArtifactHasher")
struct ArtifactHasherTests {
    @Test("a file's digest is the SHA-256 of its bytes; a missing path has none")
    func fileDigest() throws {
        let f = try HasherFixture()
        f.directory.write("data/x.txt", "hello\n")
        #expect(try f.hasher().digest(of: "data/x.txt") == Digest.of(string: "hello\n"))
        #expect(try f.hasher().digest(of: "data/missing.txt") == nil)
    }

    @Test("an unchanged file's digest is served from the stat cache")
    func servedFromCache() throws {
        let f = try HasherFixture()
        f.directory.write("data/x.txt", "hello\n")
        f.backdate("data/x.txt", seconds: 5)
        let digest = try f.hasher().digest(of: "data/x.txt")
        #expect(digest == Digest.of(string: "hello\n"))
        #expect(f.cache.digest(of: "data/x.txt", stat: try f.stat("data/x.txt")) == digest)

        // Proof that the next run does not read the file: a planted digest comes back unchanged.
        let planted = Digest.of(string: "planted")
        f.cache.remember("data/x.txt", stat: try f.stat("data/x.txt"), digest: planted)
        #expect(try f.hasher().digest(of: "data/x.txt") == planted)
    }

    @Test("a content change is detected, even in place with the same size and mtime")
    func contentChange() throws {
        let f = try HasherFixture()
        f.directory.write("data/x.txt", "aaaa")
        f.backdate("data/x.txt", seconds: 5)
        let before = try f.stat("data/x.txt")
        #expect(try f.hasher().digest(of: "data/x.txt") == Digest.of(string: "aaaa"))

        f.rewriteInPlace("data/x.txt", "bbbb", keepingMtimeOf: before)
        let after = try f.stat("data/x.txt")
        #expect(after.mtime == before.mtime)
        #expect(after.size == before.size)
        #expect(after.inode == before.inode)
        #expect(try f.hasher().digest(of: "data/x.txt") == Digest.of(string: "bbbb"))
    }

    @Test("a replaced file is detected")
    func replacedFile() throws {
        let f = try HasherFixture()
        f.directory.write("data/x.txt", "one")
        f.backdate("data/x.txt", seconds: 5)
        #expect(try f.hasher().digest(of: "data/x.txt") == Digest.of(string: "one"))
        f.directory.write("data/x.txt", "two")
        #expect(try f.hasher().digest(of: "data/x.txt") == Digest.of(string: "two"))
    }

    @Test("a touch that changes no bytes gives the same digest, and is cached again")
    func touchSameBytes() throws {
        let f = try HasherFixture()
        f.directory.write("data/x.txt", "same")
        f.backdate("data/x.txt", seconds: 5)
        let digest = try f.hasher().digest(of: "data/x.txt")
        f.directory.touch("data/x.txt")
        let touched = try f.stat("data/x.txt")
        #expect(f.cache.digest(of: "data/x.txt", stat: touched) == nil)
        usleep(250_000)
        #expect(try f.hasher().digest(of: "data/x.txt") == digest)
        usleep(250_000)
        // Re-hashed once after the touch; now trusted under the new stat.
        #expect(f.cache.digest(of: "data/x.txt", stat: touched) == digest)
    }

    @Test("the cache saved by one run serves the next")
    func saveAndReload() throws {
        let f = try HasherFixture()
        f.directory.write("data/x.txt", "persisted")
        f.backdate("data/x.txt", seconds: 5)
        let digest = try f.hasher().digest(of: "data/x.txt")
        try f.cache.save()
        let reloaded = StatCache(path: f.layout.statCache)
        #expect(reloaded.digest(of: "data/x.txt", stat: try f.stat("data/x.txt")) == digest)
    }

    @Test("a directory's digest is its manifest's, as the object store computes it")
    func directoryDigest() throws {
        let f = try HasherFixture()
        f.directory.write("results/parts/a.txt", "a")
        f.directory.write("results/parts/sub/b.txt", "b")
        let digest = try f.hasher().digest(of: "results/parts")
        let store = ObjectStore(layout: f.layout)
        try store.prepare()
        let stored = try store.ingest(path: "results/parts", isDirectory: true)
        #expect(digest == stored.digest)
    }

    @Test("a symlinked input is followed")
    func symlinkFollowed() throws {
        let f = try HasherFixture()
        let elsewhere = TemporaryDirectory(prefix: "studyflow-data")
        elsewhere.write("big.csv", "real data")
        try FileIO.createDirectories(f.absolute("data"))
        #expect(symlink(elsewhere.path + "/big.csv", f.absolute("data/big.csv")) == 0)
        #expect(try f.hasher().digest(of: "data/big.csv") == Digest.of(string: "real data"))
    }

    @Test("within one run a digest is remembered until invalidated")
    func memoAndInvalidate() throws {
        let f = try HasherFixture()
        f.directory.write("results/x.txt", "first")
        f.directory.write("results/dir/a.txt", "a")
        let hasher = f.hasher()
        #expect(try hasher.digest(of: "results/x.txt") == Digest.of(string: "first"))
        let dirBefore = try hasher.digest(of: "results/dir")
        f.directory.write("results/x.txt", "second")
        f.directory.write("results/dir/a.txt", "changed")
        #expect(try hasher.digest(of: "results/x.txt") == Digest.of(string: "first"))
        hasher.invalidate("results/x.txt", isDirectory: false)
        hasher.invalidate("results/dir", isDirectory: true)
        #expect(try hasher.digest(of: "results/x.txt") == Digest.of(string: "second"))
        #expect(try hasher.digest(of: "results/dir") != dirBefore)
    }

    @Test("forgetting what a run remembered reads files again through the stat cache, which keeps its entries")
    func forgetRemembered() throws {
        let f = try HasherFixture()
        f.directory.write("results/x.txt", "first")
        f.directory.write("data/raw.csv", "raw")
        f.backdate("data/raw.csv", seconds: 5)
        let hasher = f.hasher()
        #expect(try hasher.digest(of: "results/x.txt") == Digest.of(string: "first"))
        #expect(try hasher.digest(of: "data/raw.csv") == Digest.of(string: "raw"))
        f.directory.write("results/x.txt", "second, longer")
        #expect(try hasher.digest(of: "results/x.txt") == Digest.of(string: "first"))
        hasher.forgetRemembered()
        #expect(try hasher.digest(of: "results/x.txt") == Digest.of(string: "second, longer"))
        #expect(f.cache.digest(of: "data/raw.csv", stat: try f.stat("data/raw.csv")) == Digest.of(string: "raw"))
    }

    @Test("stamps compare by their files whatever the order they were added or removed in")
    func stampEquality() {
        let a = FileStat(size: 1, mtime: 10, ctime: 10, inode: 1, isExecutable: false, kind: .file)
        let b = FileStat(size: 2, mtime: 20, ctime: 20, inode: 2, isExecutable: false, kind: .file)
        var one = ArtifactStamp()
        one["d/a"] = a
        var two = ArtifactStamp()
        two["d/b"] = b
        two["d/a"] = a
        #expect(one != two)
        #expect(one["d/a"] == a && one["d/b"] == nil && two["d/b"] == b)
        #expect(one.firstChange(to: two) == "d/b")
        two["d/b"] = nil
        #expect(one == two)
        #expect(one.files == ["d/a": a])
        var three = ArtifactStamp()
        three.files = ["d/b": b, "d/a": a]
        var four = ArtifactStamp()
        four["d/a"] = a
        four["d/b"] = b
        #expect(three == four)
        #expect(three.files == ["d/a": a, "d/b": b])
        #expect(three.firstChange(to: four) == nil)
        #expect(three.firstChange(to: ArtifactStamp(), ignoring: { $0 == "d/a" }) == "d/b")
    }

    @Test("an output just stored is remembered without re-reading it")
    func rememberOutput() throws {
        let f = try HasherFixture()
        f.directory.write("results/x.txt", "made by a stage")
        f.backdate("results/x.txt", seconds: 5)
        let state = OutputState(path: "results/x.txt", digest: Digest.of(string: "made by a stage"), size: 15)
        f.hasher().remember(output: state)
        #expect(f.cache.digest(of: "results/x.txt", stat: try f.stat("results/x.txt")) == state.digest)
    }
}
