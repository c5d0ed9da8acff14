#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

/// A workspace in a temp directory with a prepared object store.
private struct StoreFixture {
    let directory = TemporaryDirectory()
    var layout: StoreLayout { StoreLayout(root: directory.path) }
    var store: ObjectStore { ObjectStore(layout: layout) }

    init() throws { try ObjectStore(layout: StoreLayout(root: directory.path)).prepare() }

    func mode(_ file: String) -> mode_t? {
        var st = stat()
        guard stat(directory.path + "/" + file, &st) == 0 else { return nil }
        return st.st_mode & 0o777
    }
}

/// Runs `body` and returns the `StoreError` it throws, or records an issue.
private func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        Issue.record("expected a StoreError")
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)")
        return nil
    }
}

@Suite("ObjectStore")
struct ObjectStoreTests {
    @Test("ingesting a file stores its bytes under their digest")
    func ingestFile() throws {
        let f = try StoreFixture()
        f.directory.write("results/x.csv", "a,b\n1,2\n")
        let state = try f.store.ingest(path: "results/x.csv", isDirectory: false)
        #expect(state == OutputState(path: "results/x.csv", digest: Digest.of(string: "a,b\n1,2\n"), size: 8))
        #expect(f.store.contains(state.digest))
        #expect(FileIO.readText(f.layout.object(state.digest)) == "a,b\n1,2\n")
        #expect(f.layout.object(state.digest) == f.directory.path + "/.studyflow/objects/" + state.digest.hex.prefix(2) + "/" + state.digest.hex.dropFirst(2))
        #expect(f.store.allObjects() == [state.digest])
    }

    @Test("ingesting the same bytes twice keeps one object")
    func ingestTwice() throws {
        let f = try StoreFixture()
        f.directory.write("a.txt", "same")
        f.directory.write("b.txt", "same")
        let a = try f.store.ingest(path: "a.txt", isDirectory: false)
        let b = try f.store.ingest(path: "b.txt", isDirectory: false)
        #expect(a.digest == b.digest)
        #expect(f.store.allObjects() == [a.digest])
    }

    @Test("a removed file is restored byte for byte")
    func restoreFile() throws {
        let f = try StoreFixture()
        f.directory.write("results/x.csv", "content\n")
        let state = try f.store.ingest(path: "results/x.csv", isDirectory: false)
        f.directory.delete("results")
        try f.store.restore(state)
        #expect(f.directory.read("results/x.csv") == "content\n")
        #expect(f.mode("results/x.csv") == 0o644)
    }

    @Test("an edited file is replaced by the stored bytes")
    func restoreOverEditedFile() throws {
        let f = try StoreFixture()
        f.directory.write("out.txt", "original")
        let state = try f.store.ingest(path: "out.txt", isDirectory: false)
        f.directory.write("out.txt", "edited by hand")
        try f.store.restore(state)
        #expect(f.directory.read("out.txt") == "original")
    }

    @Test("the executable bit is recorded and restored")
    func executableBit() throws {
        let f = try StoreFixture()
        f.directory.write("bin/tool.sh", "#!/bin/sh\necho hi\n")
        #expect(chmod(f.directory.path + "/bin/tool.sh", 0o755) == 0)
        let state = try f.store.ingest(path: "bin/tool.sh", isDirectory: false)
        #expect(state.isExecutable)
        f.directory.delete("bin/tool.sh")
        try f.store.restore(state)
        #expect(f.mode("bin/tool.sh") == 0o755)
    }

    @Test("a directory output is stored as a manifest of its files")
    func ingestDirectory() throws {
        let f = try StoreFixture()
        f.directory.write("results/parts/b.txt", "bb")
        f.directory.write("results/parts/a.txt", "a")
        f.directory.write("results/parts/sub/c.sh", "ccc")
        #expect(chmod(f.directory.path + "/results/parts/sub/c.sh", 0o755) == 0)
        let state = try f.store.ingest(path: "results/parts", isDirectory: true)
        #expect(state.isDirectory)
        #expect(state.size == 6)
        let manifest = try #require(f.store.manifest(state.digest))
        #expect(manifest.entries.map(\.path) == ["a.txt", "b.txt", "sub/c.sh"])
        #expect(manifest.entries.map(\.digest) == [Digest.of(string: "a"), Digest.of(string: "bb"), Digest.of(string: "ccc")])
        #expect(manifest.entries.map(\.isExecutable) == [false, false, true])
        #expect(manifest.totalSize == 6)
        #expect(state.digest == Digest.of(manifest.encoded()))
        #expect(String(decoding: manifest.encoded(), as: UTF8.self) == """
        studyflow-directory 1
        \(Digest.of(string: "a").hex) 1 644 a.txt
        \(Digest.of(string: "bb").hex) 2 644 b.txt
        \(Digest.of(string: "ccc").hex) 3 755 sub/c.sh

        """)
        #expect(Set(f.store.allObjects()) == [state.digest, Digest.of(string: "a"), Digest.of(string: "bb"), Digest.of(string: "ccc")])
    }

    @Test("a directory output is restored with every file and mode, and stray files removed")
    func restoreDirectory() throws {
        let f = try StoreFixture()
        f.directory.write("results/parts/a.txt", "a")
        f.directory.write("results/parts/sub/c.sh", "ccc")
        #expect(chmod(f.directory.path + "/results/parts/sub/c.sh", 0o755) == 0)
        let state = try f.store.ingest(path: "results/parts", isDirectory: true)
        f.directory.delete("results/parts/a.txt")
        f.directory.write("results/parts/stray.txt", "not ours")
        try f.store.restore(state)
        #expect(f.directory.read("results/parts/a.txt") == "a")
        #expect(f.directory.read("results/parts/sub/c.sh") == "ccc")
        #expect(f.mode("results/parts/sub/c.sh") == 0o755)
        #expect(!f.directory.exists("results/parts/stray.txt"))
    }

    @Test("an empty directory output round-trips")
    func emptyDirectory() throws {
        let f = try StoreFixture()
        try FileIO.createDirectories(f.directory.path + "/results/empty")
        let state = try f.store.ingest(path: "results/empty", isDirectory: true)
        #expect(state.size == 0)
        f.directory.delete("results/empty")
        try f.store.restore(state)
        #expect(try FileIO.listDirectory(f.directory.path + "/results/empty") == [])
    }

    @Test("a symbolic link inside a directory output is refused")
    func symlinkInDirectory() throws {
        let f = try StoreFixture()
        f.directory.write("results/parts/a.txt", "a")
        #expect(symlink("/etc/hosts", f.directory.path + "/results/parts/link") == 0)
        let error = storeError { _ = try f.store.ingest(path: "results/parts", isDirectory: true) }
        #expect(error?.description == "output '\(f.directory.path)/results/parts/link' is a symbolic link; outputs must be regular files or directories")
    }

    @Test("a corrupt object is detected on restore and leaves no temp file")
    func corruptObject() throws {
        let f = try StoreFixture()
        f.directory.write("results/x.csv", "good bytes")
        let state = try f.store.ingest(path: "results/x.csv", isDirectory: false)
        let object = f.layout.object(state.digest)
        try FileIO.writeAtomically(object, Array("bad bytes!".utf8), durable: false)
        f.directory.delete("results/x.csv")

        let error = storeError { try f.store.restore(state) }
        guard case .corruptObject(let digest, let path)? = error else {
            Issue.record("expected corruptObject, got \(String(describing: error))")
            return
        }
        #expect(digest == state.digest)
        #expect(path == object)
        #expect(error?.description == "object \(state.digest.short) at '\(object)' is corrupt; run 'studyflow fsck' to move it aside, then rerun")
        #expect(try FileIO.listDirectory(f.directory.path + "/results") == [])
    }

    @Test("a corrupt manifest of a directory output is detected")
    func corruptManifest() throws {
        let f = try StoreFixture()
        f.directory.write("results/parts/a.txt", "a")
        let state = try f.store.ingest(path: "results/parts", isDirectory: true)
        try FileIO.writeAtomically(f.layout.object(state.digest), Array("studyflow-directory 1\n".utf8), durable: false)
        let error = storeError { try f.store.restore(state) }
        guard case .corruptObject(state.digest, _)? = error else {
            Issue.record("expected corruptObject, got \(String(describing: error))")
            return
        }
    }

    @Test("a corrupt file inside a directory output is detected")
    func corruptMemberOfDirectory() throws {
        let f = try StoreFixture()
        f.directory.write("results/parts/a.txt", "a")
        let state = try f.store.ingest(path: "results/parts", isDirectory: true)
        let member = Digest.of(string: "a")
        try FileIO.writeAtomically(f.layout.object(member), Array("b".utf8), durable: false)
        let error = storeError { try f.store.restore(state) }
        guard case .corruptObject(member, _)? = error else {
            Issue.record("expected corruptObject, got \(String(describing: error))")
            return
        }
    }

    @Test("a missing object is reported with its digest")
    func missingObject() throws {
        let f = try StoreFixture()
        f.directory.write("out.txt", "gone soon")
        let state = try f.store.ingest(path: "out.txt", isDirectory: false)
        #expect(f.store.remove(state.digest) == 9)
        #expect(!f.store.contains(state.digest))
        let error = storeError { try f.store.restore(state) }
        guard case .missingObject(state.digest)? = error else {
            Issue.record("expected missingObject, got \(String(describing: error))")
            return
        }
        #expect(error?.description == "object \(state.digest.short) is missing from the store; rerun with --force for the stage that made it")
    }

    @Test("a directory whose member object is missing is left untouched on disk")
    func missingMemberLeavesDirectory() throws {
        let f = try StoreFixture()
        f.directory.write("results/parts/a.txt", "a")
        f.directory.write("results/parts/b.txt", "b")
        let state = try f.store.ingest(path: "results/parts", isDirectory: true)
        let member = Digest.of(string: "b")
        #expect(f.store.remove(member) == 1)
        f.directory.write("results/parts/a.txt", "edited")
        let error = storeError { try f.store.restore(state) }
        guard case .missingObject(member)? = error else {
            Issue.record("expected missingObject, got \(String(describing: error))")
            return
        }
        #expect(f.directory.read("results/parts/a.txt") == "edited")
        #expect(f.directory.read("results/parts/b.txt") == "b")
    }

    @Test("a directory whose manifest is corrupt is left untouched on disk")
    func corruptManifestLeavesDirectory() throws {
        let f = try StoreFixture()
        f.directory.write("results/parts/a.txt", "a")
        let state = try f.store.ingest(path: "results/parts", isDirectory: true)
        try FileIO.writeAtomically(f.layout.object(state.digest), Array("studyflow-directory 1\n".utf8), durable: false)
        f.directory.write("results/parts/a.txt", "edited")
        let error = storeError { try f.store.restore(state) }
        guard case .corruptObject(state.digest, _)? = error else {
            Issue.record("expected corruptObject, got \(String(describing: error))")
            return
        }
        #expect(f.directory.read("results/parts/a.txt") == "edited")
    }

    @Test("a missing directory manifest is reported")
    func missingManifest() throws {
        let f = try StoreFixture()
        let digest = Digest.of(string: "no such manifest")
        let error = storeError { try f.store.restore(OutputState(path: "results/parts", digest: digest, size: 0, isDirectory: true)) }
        guard case .missingObject(digest)? = error else {
            Issue.record("expected missingObject, got \(String(describing: error))")
            return
        }
    }

    @Test("ingesting a missing output is an I/O error")
    func ingestMissing() throws {
        let f = try StoreFixture()
        let error = storeError { _ = try f.store.ingest(path: "nope.txt", isDirectory: false) }
        guard case .io? = error else {
            Issue.record("expected io, got \(String(describing: error))")
            return
        }
    }
}

@Suite("DirectoryManifest")
struct DirectoryManifestTests {
    @Test("the encoding parses back, including paths with spaces")
    func roundTrip() throws {
        let f = try StoreFixture()
        f.directory.write("d/with space.txt", "x")
        f.directory.write("d/z.txt", "zz")
        let state = try f.store.ingest(path: "d", isDirectory: true)
        let manifest = try #require(f.store.manifest(state.digest))
        #expect(DirectoryManifest(decoding: manifest.encoded()) == manifest)
        #expect(manifest.entries.map(\.path) == ["with space.txt", "z.txt"])
    }

    @Test("file names with leading spaces survive a round trip")
    func leadingSpace() throws {
        let f = try StoreFixture()
        f.directory.write("d/ lead.txt", "x")
        f.directory.write("d/two  spaces.txt", "y")
        let state = try f.store.ingest(path: "d", isDirectory: true)
        f.directory.delete("d")
        try f.store.restore(state)
        #expect(try FileIO.listDirectory(f.directory.path + "/d") == [" lead.txt", "two  spaces.txt"])
    }

    @Test("a file name with a newline survives a round trip")
    func newlineInName() throws {
        let f = try StoreFixture()
        f.directory.write("d/a\nb.txt", "x")
        let state = try f.store.ingest(path: "d", isDirectory: true)
        f.directory.delete("d")
        try f.store.restore(state)
        #expect(try FileIO.listDirectory(f.directory.path + "/d") == ["a\nb.txt"])
    }

    @Test("file names with '%', a carriage return or an escape-like sequence survive a round trip")
    func escapedNames() throws {
        let f = try StoreFixture()
        let names = ["100%.txt", "%0A.txt", "%250A.txt", "cr\r.txt", "crlf\r\n.txt"]
        for (i, name) in names.enumerated() { f.directory.write("d/" + name, "\(i)") }
        let state = try f.store.ingest(path: "d", isDirectory: true)
        let manifest = try #require(f.store.manifest(state.digest))
        #expect(DirectoryManifest(decoding: manifest.encoded()) == manifest)
        f.directory.delete("d")
        try f.store.restore(state)
        #expect(try Set(FileIO.listDirectory(f.directory.path + "/d")) == Set(names))
        for (i, name) in names.enumerated() { #expect(f.directory.read("d/" + name) == "\(i)", "\(name)") }
    }

    @Test("'%', newline and carriage return are percent-escaped on the manifest line")
    func escapedEncoding() throws {
        let f = try StoreFixture()
        f.directory.write("d/a%\n\r.txt", "x")
        let state = try f.store.ingest(path: "d", isDirectory: true)
        let manifest = try #require(f.store.manifest(state.digest))
        let text = String(decoding: manifest.encoded(), as: UTF8.self)
        #expect(text == "studyflow-directory 1\n\(Digest.of(string: "x").hex) 1 644 a%25%0A%0D.txt\n")
        #expect(manifest.entries.map(\.path) == ["a%\n\r.txt"])
    }

    @Test("a file name starting with a combining mark survives a round trip")
    func combiningMarkName() throws {
        let f = try StoreFixture()
        // Written with POSIX calls, independent of FileIO.
        #expect(mkdir(f.directory.path + "/d", 0o755) == 0)
        let fd = open(f.directory.path + "/d/\u{301}x.txt", O_CREAT | O_WRONLY, 0o644)
        #expect(fd >= 0)
        #expect(write(fd, "x", 1) == 1)
        close(fd)
        let state = try f.store.ingest(path: "d", isDirectory: true)
        let manifest = try #require(f.store.manifest(state.digest))
        #expect(manifest.entries.map(\.path) == ["\u{301}x.txt"])
        try f.store.restore(state)
        #expect(f.directory.read("d/\u{301}x.txt") == "x")
    }

    @Test("other text is not a manifest")
    func rejectsOtherText() {
        #expect(DirectoryManifest(decoding: Array("hello\n".utf8)) == nil)
        #expect(DirectoryManifest(decoding: Array("studyflow-directory 1\nnot a line\n".utf8)) == nil)
        #expect(DirectoryManifest(decoding: Array("studyflow-directory 1\n".utf8)) == DirectoryManifest())
    }
}
