#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

/// `StoreCheck` (behind `studyflow fsck` and `gc`): corrupt objects are quarantined, partial temp
/// files of dead writers removed, records naming missing objects listed (issue 13 item 7).
@Suite("StoreCheck")
struct StoreCheckTests {
    /// A pid no process can have (above the kernel's largest `pid_max`).
    static let deadPID = "2147483646"

    @Test("a flipped byte is found, the object quarantined, and a second check is clean")
    func quarantinesCorruptObject() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        let store = ObjectStore(layout: layout)
        try store.prepare()
        dir.write("out.txt", "good bytes\n")
        let state = try store.ingest(path: "out.txt", isDirectory: false)
        let object = layout.object(state.digest)
        chmod(object, 0o644)
        try FileIO.writeAtomically(object, Array("good bytez\n".utf8), durable: false)

        let findings = StoreCheck(layout: layout).run(records: [], repair: true)
        let relative = ".studyflow/objects/" + state.digest.hex.prefix(2) + "/" + state.digest.hex.dropFirst(2)
        #expect(findings.objectsChecked == 1)
        #expect(findings.corrupt.map { $0.object } == [relative])
        #expect(findings.corrupt.map { $0.movedTo } == [".studyflow/quarantine/" + state.digest.hex])
        #expect(findings.unfixed.isEmpty)
        #expect(!store.contains(state.digest))
        #expect(dir.read(".studyflow/quarantine/" + state.digest.hex) == "good bytez\n")
        #expect(StoreCheck(layout: layout).run(records: [], repair: true).isClean)
        // The same bytes, stored again, make a healthy object.
        _ = try store.ingest(path: "out.txt", isDirectory: false)
        #expect(store.verify(state.digest) == true)
    }

    @Test("partial temp files of dead writers are removed; a live writer's are left alone")
    func sweepsTemporaries() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        try ObjectStore(layout: layout).prepare()
        dir.write(".studyflow/objects/.tmp-\(Self.deadPID)-7-incoming", "half of a large out")
        dir.write(".studyflow/objects/ab/.tmp-\(Self.deadPID)-8-cdef", "half")
        dir.write(".studyflow/.tmp-\(Self.deadPID)-9-stat-cache", "half")
        dir.write(".studyflow/objects/.tmp-1-3-incoming", "pid 1 is alive")
        dir.write(".studyflow/objects/.tmp-notes", "not a temp name of ours")

        let dry = StoreCheck(layout: layout).run(records: [], repair: false)
        #expect(dry.temporaries.count == 3)
        #expect(dir.exists(".studyflow/objects/ab/.tmp-\(Self.deadPID)-8-cdef"))

        let findings = StoreCheck(layout: layout).run(records: [], repair: true)
        #expect(findings.temporaries.sorted() == [
            ".studyflow/.tmp-\(Self.deadPID)-9-stat-cache",
            ".studyflow/objects/.tmp-\(Self.deadPID)-7-incoming",
            ".studyflow/objects/ab/.tmp-\(Self.deadPID)-8-cdef",
        ])
        #expect(findings.inUse == [".studyflow/objects/.tmp-1-3-incoming"])
        #expect(!dir.exists(".studyflow/objects/ab/.tmp-\(Self.deadPID)-8-cdef"))
        #expect(dir.exists(".studyflow/objects/.tmp-1-3-incoming"))
        #expect(dir.exists(".studyflow/objects/.tmp-notes"))
    }

    @Test("a record naming a missing object is listed, with the stage and the output")
    func missingObjectRecord() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        try ObjectStore(layout: layout).prepare()
        let digest = Digest.of(string: "never stored")
        let key = Digest.of(string: "key")
        let record = ActionRecord(stage: "km", key: key, kind: "shell", commandDigest: key,
                                  outputs: [OutputState(path: "results/km.json", digest: digest, size: 3)])
        let findings = StoreCheck(layout: layout).run(records: [record], repair: true)
        #expect(findings.unusableRecords == [
            "record of stage 'km' (key \(key.short)) names missing object \(digest.short) for output 'results/km.json'; it is ignored and the stage reruns when that output is needed",
        ])
        #expect(findings.unfixed.isEmpty)
    }

    @Test("ingesting bytes whose object was truncated replaces the object")
    func truncatedObjectIsReplaced() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        let store = ObjectStore(layout: layout)
        try store.prepare()
        dir.write("out.txt", "twelve bytes")
        let state = try store.ingest(path: "out.txt", isDirectory: false)
        chmod(layout.object(state.digest), 0o644)
        try FileIO.writeAtomically(layout.object(state.digest), [], durable: false)
        _ = try store.ingest(path: "out.txt", isDirectory: false)
        #expect(FileIO.readText(layout.object(state.digest)) == "twelve bytes")
    }

    @Test("an object that cannot be read is quarantined like a corrupt one")
    func unreadableObject() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        try ObjectStore(layout: layout).prepare()
        let digest = Digest.of(string: "gone")
        try FileIO.createDirectories(layout.object(digest))
        let findings = StoreCheck(layout: layout).run(records: [], repair: true)
        #expect(findings.corrupt.map { $0.movedTo } == [".studyflow/quarantine/" + digest.hex])
        #expect(findings.unfixed.isEmpty)
        #expect(!ObjectStore(layout: layout).contains(digest))
    }

    @Test("temp files a killed restore left beside a recorded output, or inside a directory output, are removed")
    func outputTemporaries() throws {
        let dir = TemporaryDirectory()
        let layout = StoreLayout(root: dir.path)
        try ObjectStore(layout: layout).prepare()
        let key = Digest.of(string: "key")
        let record = ActionRecord(stage: "km", key: key, kind: "shell", commandDigest: key, outputs: [
            OutputState(path: "results/km.json", digest: Digest.of(string: "{}"), size: 2),
            OutputState(path: "results/parts", digest: Digest.of(string: "manifest"), size: 0, isDirectory: true),
        ])
        dir.write("results/.tmp-\(Self.deadPID)-3-km.json", "{\"half")
        dir.write("results/.tmp-\(Self.deadPID)-4-notes.txt", "not beside an output: the user's")
        dir.write("results/parts/sub/.tmp-\(Self.deadPID)-5-p.csv", "half")
        let findings = StoreCheck(layout: layout).run(records: [record], repair: true)
        #expect(findings.temporaries.sorted() == [
            "results/.tmp-\(Self.deadPID)-3-km.json",
            "results/parts/sub/.tmp-\(Self.deadPID)-5-p.csv",
        ])
        #expect(!dir.exists("results/.tmp-\(Self.deadPID)-3-km.json"))
        #expect(dir.exists("results/.tmp-\(Self.deadPID)-4-notes.txt"))
        #expect(!dir.exists("results/parts/sub/.tmp-\(Self.deadPID)-5-p.csv"))
    }
}
