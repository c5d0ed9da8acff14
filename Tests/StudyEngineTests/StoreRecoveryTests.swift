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

/// A run meeting a corrupt or missing store object quarantines it and reruns the stage instead of
/// failing (issue 13 item 7).
@Suite("Store recovery during a run")
struct StoreRecoveryTests {
    static let parts = """
    name: parts
    stages:
      split:
        run: split ${inputs} ${outputs}
        inputs: [in.txt]
        outputs: [parts/]

    """

    @Test("a corrupt file inside a directory output is quarantined and the stage reruns, with a warning")
    func corruptMember() throws {
        let ws = TestWorkspace(yaml: Self.parts, files: ["in.txt": "x\n"])
        #expect(try ws.runFake().summary.ok)
        let bytes = try #require(ws.directory.read("parts/part-1.txt"))
        let member = Digest.of(string: bytes)
        let object = ws.layout.object(member)
        chmod(object, 0o644)
        try FileIO.writeAtomically(object, Array("not the bytes".utf8), durable: false)
        ws.directory.delete("parts")

        let (summary, executor) = try ws.runFake()
        #expect(summary.ok)
        #expect(executor.executed == ["split"])
        let result = try #require(summary.results.first)
        #expect(result.status == .ran)
        #expect(result.reasons == [.outputNotInStore("parts/")])
        #expect(result.warnings == ["object \(member.short) of output 'parts/' of stage 'split' was corrupt in the store; moved it to '.studyflow/quarantine/\(member.hex)' and reran the stage"])
        #expect(ws.directory.read("parts/part-1.txt") == bytes)
        #expect(ObjectStore(layout: ws.layout).verify(member) == true)
        // Healthy again: the next loss is a plain restore.
        ws.directory.delete("parts")
        #expect(try ws.runFake().summary.ids(.restored) == ["split"])
    }

    @Test("an object that cannot be read (here a directory in its place) counts as corrupt")
    func unreadableObject() throws {
        let ws = TestWorkspace(yaml: Self.parts.replacing("outputs: [parts/]", with: "outputs: [out.txt]"), files: ["in.txt": "x\n"])
        #expect(try ws.runFake().summary.ok)
        let digest = Digest.of(string: try #require(ws.directory.read("out.txt")))
        let object = ws.layout.object(digest)
        chmod(object, 0o644)
        unlink(object)
        try FileIO.createDirectories(object)
        ws.directory.delete("out.txt")

        let (summary, _) = try ws.runFake()
        #expect(summary.ok)
        #expect(summary.results.first?.warnings.first?.hasPrefix("object \(digest.short) of output 'out.txt' of stage 'split' was corrupt in the store") == true)
        #expect(ObjectStore(layout: ws.layout).verify(digest) == true)
    }

    @Test("a record whose object is gone is not restored from: the stage reruns, saying why")
    func missingObjectReruns() throws {
        let ws = TestWorkspace(yaml: Self.parts, files: ["in.txt": "x\n"])
        #expect(try ws.runFake().summary.ok)
        let member = Digest.of(string: try #require(ws.directory.read("parts/part-1.txt")))
        #expect(ObjectStore(layout: ws.layout).remove(member) > 0)
        ws.directory.delete("parts")
        let preview = try ws.preview()
        #expect(preview.entries.first?.reasons == [.outputNotInStore("parts/")])
        let (summary, _) = try ws.runFake()
        #expect(summary.ids(.ran) == ["split"])
        #expect(summary.reasons("split") == [.outputNotInStore("parts/")])
    }
}

/// Outputs are checked again after the stage ran: a link the stage put on an output's path to a
/// directory outside is refused before anything is read into the store (issue 13 item 8).
@Suite("Outputs through links made by the stage")
struct OutputLinkAfterRunTests {
    @Test("a stage that replaces its output directory by a link to outside fails and stores nothing")
    func stageMakesLink() throws {
        let outside = TemporaryDirectory()
        outside.write("x.txt", "private\n")
        let yaml = """
        name: l
        stages:
          s:
            run: make ${outputs}
            outputs: [results/x.txt]

        """
        let ws = TestWorkspace(yaml: yaml)
        let link: @Sendable (FakeExecutor.FakeJob) -> StageOutcome = { job in
            try? FileIO.removeTree(job.root + "/results")
            symlink(outside.path, job.root + "/results")
            return .succeeded
        }
        let (summary, _) = try ws.runFake(behaviours: ["s": link])
        #expect(summary.results.first?.failure == "stage 's': output 'results/x.txt' leaves the workspace through symbolic link 'results' to '\(outside.path)'; studyflow writes nothing through it; replace the link with a real directory inside the workspace and rerun")
        #expect(ObjectStore(layout: ws.layout).allObjects().isEmpty)
        #expect(outside.read("x.txt") == "private\n")
    }
}
