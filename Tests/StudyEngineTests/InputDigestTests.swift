#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyEngine
import StudyStore
import Synchronization
import Testing
import _StudyTestSupport

/// A kind that writes fixed text to its output `out`.
private struct WriterKind: StageKind {
    var name: String { "test/writer" }
    var version: Int { 1 }
    func run(_ context: StageKindContext) -> StageOutcome {
        do {
            try FileIO.writeAtomically(context.outputs["out"]!, Array("made by \(context.stage)\n".utf8))
            return .succeeded
        } catch {
            return .failed(status: 1, message: "\(error)")
        }
    }
}

/// A kind that keeps the context it ran with and reads every file input through `readInput`.
private final class RecordingKind: StageKind {
    var name: String { "test/recording" }
    var version: Int { 1 }
    let seen = Mutex<(context: StageKindContext?, reads: [String: InputBytes])>((nil, [:]))

    func run(_ context: StageKindContext) -> StageOutcome {
        var reads: [String: InputBytes] = [:]
        for name in context.inputs.keys { reads[name] = try? context.readInput(name) }
        seen.withLock { $0 = (context, reads) }
        try? FileIO.writeAtomically(context.outputs["out"]!, Array("ok\n".utf8))
        return .succeeded
    }
}

@Suite("Built-in kinds get the digests that entered the key")
struct InputDigestTests {
    /// Runs `gen` (writes made.txt) then `named` (reads it, a source file and a directory) with the
    /// local executor; returns the recording kind, the directory and the workspace.
    private func runChain() throws -> (kind: RecordingKind, dir: TemporaryDirectory, workspace: Workspace) {
        let dir = TemporaryDirectory()
        dir.write("data/raw.csv", "a,b\n1,2\n")
        dir.write("data/tree/one.txt", "1\n")
        dir.write("data/tree/two.txt", "2\n")
        let recorder = RecordingKind()
        let kinds = StageKindRegistry([WriterKind(), recorder])
        let yaml = """
            name: t
            stages:
              gen: {uses: test/writer, outputs: {out: results/made.txt}}
              named:
                uses: test/recording
                inputs: {made: results/made.txt, raw: data/raw.csv, tree: data/tree/}
                outputs: {out: results/named.txt}
            """
        let workflow = try WorkflowLoader(knownKinds: kinds.names).load(text: yaml, file: "w.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: dir.path)).validate(workflow)
        let ws = Workspace(layout: StoreLayout(root: dir.path), compiled: CompiledWorkflow(workflow: workflow, graph: graph),
                           registry: kinds, params: [:])
        let summary = try Runner(workspace: ws, executor: LocalExecutor(), options: RunOptions(jobs: 1), observers: [],
                                 run: 1).execute()
        #expect(summary.ids(.failed) == [], "\(summary.results.compactMap(\.failure))")
        return (recorder, dir, ws)
    }

    @Test("the local run hands a kind each input's key digest by name, and readInput uses it without hashing")
    func contextCarriesKeyDigests() throws {
        let (kind, dir, ws) = try runChain()
        let (context, reads) = kind.seen.withLock { $0 }
        let seen = try #require(context)
        #expect(seen.stage == "named")
        let made = Digest.of(Array((dir.read("results/made.txt") ?? "").utf8))
        let raw = Digest.of(Array("a,b\n1,2\n".utf8))
        let tree = try #require(try ws.hasher.digest(of: "data/tree"))
        #expect(seen.inputDigests == ["made": made, "raw": raw, "tree": tree])
        #expect(Set(seen.inputStamps.keys) == ["made", "raw"], "a directory has no single-file stamp")
        #expect(reads["made"]?.digest == made && reads["made"]?.hashed == false)
        #expect(reads["raw"]?.digest == raw && reads["raw"]?.hashed == false)
        #expect(reads["tree"] == nil, "a directory is not read as a file")
    }

    @Test("a positional input's digest is under its index, as its path is")
    func positionalInput() throws {
        let dir = TemporaryDirectory()
        dir.write("data/extra.txt", "positional\n")
        let recorder = RecordingKind()
        let kinds = StageKindRegistry([recorder])
        let yaml = """
            name: t
            stages:
              use: {uses: test/recording, inputs: [data/extra.txt], outputs: {out: results/use.txt}}
            """
        let workflow = try WorkflowLoader(knownKinds: kinds.names).load(text: yaml, file: "w.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: dir.path)).validate(workflow)
        let ws = Workspace(layout: StoreLayout(root: dir.path), compiled: CompiledWorkflow(workflow: workflow, graph: graph),
                           registry: kinds, params: [:])
        _ = try Runner(workspace: ws, executor: LocalExecutor(), options: RunOptions(jobs: 1), observers: [], run: 1).execute()
        let (context, reads) = recorder.seen.withLock { $0 }
        #expect(context?.inputDigests == ["0": Digest.of(Array("positional\n".utf8))])
        #expect(reads["0"]?.hashed == false)
    }

    // MARK: - readInput

    /// A context over `dir`'s file `name.txt` with `digest` claimed for it and its current stamp.
    private func context(_ dir: TemporaryDirectory, digest: Digest?, stamped: Bool = true) -> StageKindContext {
        let path = dir.path + "/in.txt"
        var stamps: [String: FileStat] = [:]
        if stamped, let st = FileStat.following(path) { stamps["in"] = st }
        return StageKindContext(stage: "s", root: dir.path, inputs: ["in": path], outputs: [:], with: .null, params: [:],
                                inputDigests: digest.map { ["in": $0] } ?? [:], inputStamps: stamps, log: { _ in })
    }

    @Test("the key's digest is trusted for the file it was taken from: a planted digest comes back unhashed")
    func trustedWhileUnchanged() throws {
        let dir = TemporaryDirectory()
        dir.write("in.txt", "content\n")
        let planted = Digest.of(string: "planted")
        let read = try context(dir, digest: planted).readInput("in")
        #expect(read.digest == planted && !read.hashed && read.bytes == Array("content\n".utf8))
    }

    @Test("an input rewritten after it was hashed gets the digest of the bytes read, never the key's")
    func editedInputIsHashed() throws {
        let dir = TemporaryDirectory()
        dir.write("in.txt", "content\n")
        let stale = Digest.of(Array("content\n".utf8))
        let grown = context(dir, digest: stale)
        // Appended in place: same inode, new size.
        let fd = open(dir.path + "/in.txt", O_WRONLY | O_APPEND)
        #expect(fd >= 0)
        #expect(write(fd, "more\n", 5) == 5)
        close(fd)
        let read = try grown.readInput("in")
        #expect(read.hashed && read.digest == Digest.of(Array("content\nmore\n".utf8)))

        // Same size, replaced by rename (a new inode), as an editor saves.
        dir.write("in.txt", "content\n")
        let replaced = context(dir, digest: stale)
        dir.write("in.tmp", "CONTENT\n")
        #expect(rename(dir.path + "/in.tmp", dir.path + "/in.txt") == 0)
        let second = try replaced.readInput("in")
        #expect(second.hashed && second.digest == Digest.of(Array("CONTENT\n".utf8)))
    }

    @Test("without a key digest or without a stamp the kind hashes what it reads")
    func missingDigestOrStamp() throws {
        let dir = TemporaryDirectory()
        dir.write("in.txt", "content\n")
        let real = Digest.of(Array("content\n".utf8))
        let noDigest = try context(dir, digest: nil).readInput("in")
        #expect(noDigest.hashed && noDigest.digest == real)
        let noStamp = try context(dir, digest: Digest.of(string: "planted"), stamped: false).readInput("in")
        #expect(noStamp.hashed && noStamp.digest == real)
    }

    @Test("an undeclared, missing, directory or oversized input is an error, and nothing is read past the limit")
    func readErrors() {
        let dir = TemporaryDirectory()
        dir.write("in.txt", "0123456789")
        dir.write("sub/x.txt", "x")
        let context = StageKindContext(stage: "s", root: dir.path,
                                       inputs: ["in": dir.path + "/in.txt", "gone": dir.path + "/gone.txt", "sub": dir.path + "/sub"],
                                       outputs: [:], with: .null, params: [:], log: { _ in })
        #expect(throws: InputReadError.notDeclared) { try context.readInput("other") }
        #expect(throws: InputReadError.unreadable) { try context.readInput("gone") }
        #expect(throws: InputReadError.unreadable) { try context.readInput("sub") }
        #expect(throws: InputReadError.tooLarge(size: 10)) { try context.readInput("in", limit: 9) }
        #expect((try? context.readInput("in", limit: 10))?.bytes.count == 10)
    }

    // MARK: - SLURM specification

    private struct Kind: StageKind {
        let name = "test/kind"
        let version = 2
        func run(_ context: StageKindContext) -> StageOutcome { .succeeded }
    }

    @Test("a frozen SLURM specification carries the digests and stamps, and the node's context has them")
    func specificationRoundTrip() throws {
        let stamp = FileStat(size: 12, mtime: 1_700_000_000_123_456_789, ctime: 1_700_000_001_000_000_001,
                             inode: UInt64.max - 3, isExecutable: true, kind: .file)
        let digests = ["table": Digest.of(string: "t"), "tree": Digest.of(string: "d")]
        let context = StageKindContext(stage: "km", root: "/w", inputs: ["table": "/w/a.csv", "tree": "/w/d"], outputs: [:],
                                       with: .null, params: [:], inputDigests: digests, inputStamps: ["table": stamp],
                                       log: { _ in })
        let spec = StageSpecification(kind: Kind(), context: context)
        let read = try StageSpecification(json: spec.json)
        #expect(read == spec)
        let node = read.context(log: { _ in })
        #expect(node.inputDigests == digests)
        #expect(node.inputStamps == ["table": stamp])
    }

    @Test("a specification written before digests were carried still runs, and its kind hashes")
    func specificationWithoutDigests() throws {
        let dir = TemporaryDirectory()
        dir.write("in.txt", "content\n")
        let old = """
            {"format":1,"kind":"test/kind","version":2,"stage":"s","root":"\(dir.path)","inputs":{"in":"\(dir.path)/in.txt"},\
            "outputs":{},"with":null,"params":{},"inputProducers":{}}
            """
        let spec = try StageSpecification(json: old)
        #expect(spec.inputDigests.isEmpty && spec.inputStamps.isEmpty)
        let read = try spec.context(log: { _ in }).readInput("in")
        #expect(read.hashed && read.digest == Digest.of(Array("content\n".utf8)))
    }

    @Test("a damaged digest or stamp in a specification names its field")
    func specificationDamagedDigests() {
        let base = #"{"format":1,"kind":"k","version":1,"stage":"s","root":"/w","inputs":{},"outputs":{},"with":null,"params":{},"inputProducers":{}"#
        #expect(throws: SpecificationError.self) { try StageSpecification(json: base + #","inputDigests":{"a":"xyz"}}"#) }
        do {
            _ = try StageSpecification(json: base + #","inputDigests":{"a":"xyz"}}"#)
        } catch {
            #expect(error.description == "field 'inputDigests.a' must be 64 hex digits")
        }
        do {
            _ = try StageSpecification(json: base + #","inputStamps":{"a":{"size":1}}}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "field 'inputStamps.a' must be {size, mtime, ctime, inode, executable}")
        }
    }
}
