#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

/// A record of `stage` under a key derived from `key`, with every field filled.
private func record(_ stage: String, key: String, output: String = "results/out.txt") -> ActionRecord {
    ActionRecord(
        stage: stage, key: Digest.of(string: key), kind: "shell", commandDigest: Digest.of(string: "cmd " + stage),
        params: ["threshold": "0.5", "seed": "42"],
        env: ["LANG": Digest.of(string: "C.UTF-8"), "UNSET": nil],
        inputs: [InputState(path: "data/raw.csv", digest: Digest.of(string: "raw"))],
        outputs: [
            OutputState(path: output, digest: Digest.of(string: key + " out"), size: 12, isExecutable: true),
            OutputState(path: "results/dir", digest: Digest.of(string: key + " dir"), size: 3, isDirectory: true),
        ])
}

/// `truncate(2)`, named apart from `LogFixture.truncate(by:)`, which shadows it inside the type.
private func truncateFile(_ path: String, to size: Int) -> Int32 { truncate(path, off_t(size)) }

private struct LogFixture {
    let directory = TemporaryDirectory()
    var path: String { directory.path + "/actions.log" }
    func open() -> ActionLog { ActionLog(path: path) }
    var size: Int { FileIO.read(path)?.count ?? -1 }

    func truncate(by bytes: Int) {
        #expect(truncateFile(path, to: size - bytes) == 0)
    }

    func appendRaw(_ bytes: [UInt8]) throws {
        let existing = FileIO.read(path) ?? []
        try FileIO.writeAtomically(path, existing + bytes, durable: false)
    }
}

@Suite("ActionLog")
struct ActionLogTests {
    @Test("a record is a value: setting a property of a copy leaves the original and its shared facts alone")
    func recordValueSemantics() {
        let original = record("a", key: "a1")
        var copy = original
        #expect(copy.sharesStorage(with: original))
        copy.outputs.append(OutputState(path: "results/extra.txt", digest: Digest.of(string: "extra"), size: 1))
        copy.stage = "b"
        #expect(!copy.sharesStorage(with: original))
        #expect(original.stage == "a" && original.outputs.count == 2)
        #expect(copy.stage == "b" && copy.outputs.count == 3)
        #expect(copy != original)
        // Equal facts in separate allocations are equal records.
        #expect(record("a", key: "a1") == original)
        #expect(!record("a", key: "a1").sharesStorage(with: original))
    }

    @Test("a missing log is empty")
    func missingLog() {
        let f = LogFixture()
        let log = f.open()
        #expect(log.latest.isEmpty)
        #expect(log.byKey.isEmpty)
        #expect(log.entryCount == 0)
    }

    @Test("appended records are read back whole when the log is reopened")
    func appendAndReopen() throws {
        let f = LogFixture()
        let a = record("a", key: "a1"), b = record("b", key: "b1", output: "results/b.txt")
        try f.open().append([a, b], durable: true)
        let log = f.open()
        #expect(log.latest == ["a": a, "b": b])
        #expect(log.byKey == [a.key: a, b.key: b])
        #expect(log.entryCount == 2)
        #expect(log.record(stage: "a", key: a.key) == a)
    }

    @Test("several appends through one log object accumulate")
    func severalAppends() throws {
        let f = LogFixture()
        let log = f.open()
        try log.append([record("a", key: "a1")], durable: false)
        try log.append([], durable: false)
        try log.append([record("b", key: "b1")], durable: false)
        #expect(log.entryCount == 2)
        #expect(f.open().entryCount == 2)
        #expect(Set(f.open().latest.keys) == ["a", "b"])
    }

    @Test("the latest record of a stage wins; an older key is still found")
    func olderKeysFound() throws {
        let f = LogFixture()
        let old = record("a", key: "k1"), new = record("a", key: "k2")
        try f.open().append([old], durable: false)
        try f.open().append([new], durable: false)
        let log = f.open()
        #expect(log.latest["a"] == new)
        #expect(log.entryCount == 2)
        #expect(log.record(stage: "a", key: new.key) == new)
        #expect(log.record(stage: "a", key: old.key) == old)
        #expect(log.record(stage: "b", key: old.key) == nil)
        #expect(log.record(stage: "a", key: Digest.of(string: "never")) == nil)
    }

    @Test("a record superseded after the first lookup by an older key is found by its key too")
    func supersededAfterLookup() throws {
        let f = LogFixture()
        let log = f.open()
        let k1 = record("a", key: "k1"), k2 = record("a", key: "k2"), k3 = record("a", key: "k3")
        let b1 = record("b", key: "b1", output: "results/b.txt")
        // A log that has superseded nothing answers from the latest records alone.
        try log.append([k1, b1], durable: false)
        #expect(log.record(stage: "a", key: k2.key) == nil)
        try log.append([k2], durable: false)
        #expect(log.record(stage: "a", key: k1.key) == k1)
        try log.append([k3], durable: false)
        #expect(log.record(stage: "a", key: k2.key) == k2)
        #expect(log.record(stage: "a", key: k1.key) == k1)
        #expect(log.record(stage: "a", key: k3.key) == k3)
        #expect(log.record(stage: "b", key: k2.key) == nil)
        #expect(log.record(stage: "b", key: b1.key) == b1)
        try log.compact(keeping: [k3, b1])
        #expect(log.record(stage: "a", key: k2.key) == nil)
    }

    @Test("an older key is found in the same log object that appended it")
    func olderKeysFoundWithoutReopening() throws {
        let f = LogFixture()
        let log = f.open()
        let k1 = record("a", key: "k1"), k2 = record("a", key: "k2"), k3 = record("a", key: "k3")
        try log.append([k1], durable: false)
        _ = log.byKey
        try log.append([k2], durable: false)
        try log.append([k3], durable: false)
        #expect(log.record(stage: "a", key: k1.key) == k1)
        #expect(log.record(stage: "a", key: k2.key) == k2)
        #expect(log.byKey.count == 3)
    }

    @Test("a torn last entry is dropped alone, and the next append lands after the intact ones")
    func tornTail() throws {
        let f = LogFixture()
        let a = record("a", key: "a1"), b = record("b", key: "b1"), c = record("c", key: "c1")
        try f.open().append([a, b], durable: false)
        f.truncate(by: 5)

        let reopened = f.open()
        #expect(reopened.latest == ["a": a])
        #expect(reopened.entryCount == 1)
        try reopened.append([c], durable: false)

        let after = f.open()
        #expect(after.latest == ["a": a, "c": c])
        #expect(after.entryCount == 2)
    }

    @Test("a torn length header (fewer than 12 bytes) is dropped")
    func tornHeader() throws {
        let f = LogFixture()
        let a = record("a", key: "a1")
        try f.open().append([a], durable: false)
        try f.appendRaw([0x10, 0x00, 0x00])
        let log = f.open()
        #expect(log.latest == ["a": a])
        try log.append([record("b", key: "b1")], durable: false)
        #expect(f.open().entryCount == 2)
    }

    @Test("garbage appended after the last entry is dropped and overwritten by the next append")
    func garbageTail() throws {
        let f = LogFixture()
        let a = record("a", key: "a1"), b = record("b", key: "b1"), c = record("c", key: "c1")
        try f.open().append([a, b], durable: false)
        let intact = f.size
        try f.appendRaw(Array("this is not a record at all, just noise".utf8))

        let reopened = f.open()
        #expect(reopened.latest == ["a": a, "b": b])
        try reopened.append([c], durable: false)

        let after = f.open()
        #expect(after.latest == ["a": a, "b": b, "c": c])
        #expect(after.entryCount == 3)
        #expect(f.size > intact)
    }

    @Test("an entry whose checksum fails is dropped with everything after it")
    func flippedByte() throws {
        let f = LogFixture()
        let a = record("a", key: "a1"), b = record("b", key: "b1")
        try f.open().append([a], durable: false)
        let firstEnd = f.size
        try f.open().append([b], durable: false)
        var bytes = try #require(FileIO.read(f.path))
        bytes[firstEnd + 20] ^= 0xFF
        try FileIO.writeAtomically(f.path, bytes, durable: false)
        let log = f.open()
        #expect(log.latest == ["a": a])
        #expect(log.entryCount == 1)
    }

    @Test("a file without the header is an empty log, started over on the next append")
    func wrongHeader() throws {
        let f = LogFixture()
        try FileIO.writeAtomically(f.path, Array("not a studyflow log\n".utf8), durable: false)
        let log = f.open()
        #expect(log.entryCount == 0)
        let a = record("a", key: "a1")
        try log.append([a], durable: false)
        #expect(f.open().latest == ["a": a])
        #expect(FileIO.readText(f.path)?.hasPrefix("studyflow-actions 1\n") == true)
    }

    @Test("compaction keeps only the given records, and appends continue after it")
    func compact() throws {
        let f = LogFixture()
        let log = f.open()
        let a1 = record("a", key: "a1"), a2 = record("a", key: "a2"), b1 = record("b", key: "b1")
        try log.append([a1, a2, b1], durable: false)
        let before = f.size
        try log.compact(keeping: [a2, b1])
        #expect(log.entryCount == 2)
        #expect(log.latest == ["a": a2, "b": b1])
        #expect(log.record(stage: "a", key: a1.key) == nil)
        #expect(f.size < before)

        let reopened = f.open()
        #expect(reopened.latest == ["a": a2, "b": b1])
        #expect(reopened.byKey.count == 2)

        let c1 = record("c", key: "c1")
        try log.append([c1], durable: false)
        let after = f.open()
        #expect(after.entryCount == 3)
        #expect(after.latest == ["a": a2, "b": b1, "c": c1])
    }

    @Test("the shared wrapper reads and appends through the same log")
    func sharedLog() throws {
        let f = LogFixture()
        let shared = SharedActionLog(f.open())
        let a = record("a", key: "a1")
        try shared.append([a], durable: false)
        #expect(shared.latest("a") == a)
        #expect(shared.record(stage: "a", key: a.key) == a)
        #expect(f.open().latest == ["a": a])
    }
}
