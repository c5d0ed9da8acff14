#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

/// A stat as of `secondsAgo` seconds, for a file of `size` bytes.
private func stat(size: Int64 = 10, secondsAgo: Int64, inode: UInt64 = 7) -> FileStat {
    let then = SystemClock.wallNanoseconds() - secondsAgo * 1_000_000_000
    return FileStat(size: size, mtime: then, ctime: then, inode: inode, isExecutable: false, kind: .file)
}

@Suite("StatCache")
struct StatCacheTests {
    @Test("a remembered digest is returned while the stat is unchanged")
    func remembered() {
        let dir = TemporaryDirectory()
        let cache = StatCache(path: dir.path + "/stat-cache")
        let st = stat(secondsAgo: 5)
        let digest = Digest.of(string: "x")
        #expect(cache.digest(of: "data/x.txt", stat: st) == nil)
        cache.remember("data/x.txt", stat: st, digest: digest)
        #expect(cache.digest(of: "data/x.txt", stat: st) == digest)
        #expect(cache.digest(of: "data/y.txt", stat: st) == nil)
    }

    @Test("any change of size, mtime, ctime, inode or mode makes the entry unusable")
    func statMismatch() {
        let dir = TemporaryDirectory()
        let cache = StatCache(path: dir.path + "/stat-cache")
        let st = stat(secondsAgo: 5)
        cache.remember("f", stat: st, digest: Digest.of(string: "x"))
        var size = st; size.size += 1
        var mtime = st; mtime.mtime += 1
        var ctime = st; ctime.ctime += 1
        var inode = st; inode.inode += 1
        var mode = st; mode.isExecutable = true
        for changed in [size, mtime, ctime, inode, mode] {
            #expect(cache.digest(of: "f", stat: changed) == nil)
        }
    }

    @Test("a file modified just before it was hashed is not trusted (racily clean)")
    func racy() {
        let dir = TemporaryDirectory()
        let cache = StatCache(path: dir.path + "/stat-cache")
        let now = SystemClock.wallNanoseconds()
        let fresh = FileStat(size: 1, mtime: now, ctime: now, inode: 1, isExecutable: false, kind: .file)
        cache.remember("f", stat: fresh, digest: Digest.of(string: "x"))
        #expect(cache.digest(of: "f", stat: fresh) == nil)

        // An old mtime does not help when the ctime (e.g. after utimensat) is fresh.
        let backdated = FileStat(size: 1, mtime: now - 10_000_000_000, ctime: now, inode: 1, isExecutable: false, kind: .file)
        cache.remember("g", stat: backdated, digest: Digest.of(string: "x"))
        #expect(cache.digest(of: "g", stat: backdated) == nil)
    }

    @Test("a forgotten path is re-hashed")
    func forget() {
        let dir = TemporaryDirectory()
        let cache = StatCache(path: dir.path + "/stat-cache")
        let st = stat(secondsAgo: 5)
        cache.remember("f", stat: st, digest: Digest.of(string: "x"))
        cache.forget("f")
        cache.forget("never-there")
        #expect(cache.digest(of: "f", stat: st) == nil)
    }

    @Test("saved entries are there after reloading")
    func saveAndReload() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/stat-cache"
        let cache = StatCache(path: path)
        let a = stat(size: 3, secondsAgo: 5, inode: 1), b = stat(size: 1 << 40, secondsAgo: 9, inode: UInt64.max)
        var executable = b
        executable.isExecutable = true
        cache.remember("data/a.txt", stat: a, digest: Digest.of(string: "a"))
        cache.remember("bin/tool", stat: executable, digest: Digest.of(string: "b"))
        try cache.save()

        let reloaded = StatCache(path: path)
        #expect(reloaded.digest(of: "data/a.txt", stat: a) == Digest.of(string: "a"))
        #expect(reloaded.digest(of: "bin/tool", stat: executable) == Digest.of(string: "b"))
        #expect(reloaded.digest(of: "bin/tool", stat: b) == nil)
    }

    @Test("an unchanged cache is not written")
    func cleanCacheNotWritten() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/stat-cache"
        try StatCache(path: path).save()
        #expect(!dir.exists("stat-cache"))
        let cache = StatCache(path: path)
        cache.forget("absent")
        try cache.save()
        #expect(!dir.exists("stat-cache"))
    }

    @Test("a forgotten entry stays forgotten after saving")
    func forgetIsSaved() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/stat-cache"
        let st = stat(secondsAgo: 5)
        let cache = StatCache(path: path)
        cache.remember("f", stat: st, digest: Digest.of(string: "x"))
        try cache.save()
        let second = StatCache(path: path)
        second.forget("f")
        try second.save()
        #expect(StatCache(path: path).digest(of: "f", stat: st) == nil)
    }

    @Test("a corrupt or truncated cache file is an empty cache")
    func corruptFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/stat-cache"
        let st = stat(secondsAgo: 5)
        let cache = StatCache(path: path)
        cache.remember("f", stat: st, digest: Digest.of(string: "x"))
        try cache.save()
        let bytes = try #require(FileIO.read(path))
        try FileIO.writeAtomically(path, Array(bytes.dropLast(4)), durable: false)
        #expect(StatCache(path: path).digest(of: "f", stat: st) == nil)
        try FileIO.writeAtomically(path, Array("garbage".utf8), durable: false)
        #expect(StatCache(path: path).digest(of: "f", stat: st) == nil)
    }
}
