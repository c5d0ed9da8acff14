import StudyCore
import Testing
import _StudyTestSupport

/// The compiled-workflow cache beside the loader: a hit skips YAML, any change of file bytes,
/// build or `--param` values misses, and a hit still checks that source inputs exist.
@Suite("Compiled-workflow cache")
struct CompiledWorkflowCacheTests {
    static let yaml = """
    name: cached
    stages:
      a:
        run: cat ${inputs.raw} > ${outputs.out}
        inputs: {raw: data/raw.csv}
        outputs: {out: results/a.txt}

    """

    static func setUp() -> (TemporaryDirectory, CompiledWorkflowCache) {
        let dir = TemporaryDirectory()
        dir.write("data/raw.csv", "x\n1\n")
        let cache = CompiledWorkflowCache(root: dir.path, path: dir.path + "/.studyflow/workflows/w.bin", kinds: ["k/one"])
        return (dir, cache)
    }

    @Test("an entry is written on the first load and answers the next load without parsing the text")
    func hit() throws {
        let (dir, cache) = Self.setUp()
        let digest = Digest.of(string: Self.yaml)
        let first = try cache.load(text: Self.yaml, digest: digest, file: "Workflows/main.yaml")
        #expect(first.workflow.stages.map(\.id) == ["a"])
        let entry = try #require(FileIO.read(dir.path + "/.studyflow/workflows/w.bin"))
        #expect(Array(entry.prefix(CompiledWorkflowCache.magic.count)) == CompiledWorkflowCache.magic)
        // Same digest, text that would not even parse: only a cache hit can answer.
        let second = try cache.load(text: "stages: [", digest: digest, file: "Workflows/main.yaml")
        #expect(second == first)
    }

    @Test("another digest, another build's kinds, other --param values or another file name miss the entry")
    func misses() throws {
        let (dir, cache) = Self.setUp()
        _ = try cache.load(text: Self.yaml, digest: Digest.of(string: Self.yaml), file: "Workflows/main.yaml")
        let broken = "stages: ["
        #expect(throws: WorkflowDiagnostics.self) {
            try cache.load(text: broken, digest: Digest.of(string: broken), file: "Workflows/main.yaml")
        }
        let otherBuild = CompiledWorkflowCache(root: dir.path, path: cache.path, kinds: ["k/one", "k/two"])
        #expect(otherBuild.stamp == "\(StudyflowVersion.current) k/one,k/two")
        #expect(throws: WorkflowDiagnostics.self) {
            try otherBuild.load(text: broken, digest: Digest.of(string: Self.yaml), file: "Workflows/main.yaml")
        }
        _ = try cache.load(text: Self.yaml, digest: Digest.of(string: Self.yaml), file: "Workflows/main.yaml")
        #expect(throws: WorkflowDiagnostics.self) {
            try cache.load(text: broken, digest: Digest.of(string: Self.yaml), file: "Workflows/main.yaml", params: ["seed": .integer(7)])
        }
        _ = try cache.load(text: Self.yaml, digest: Digest.of(string: Self.yaml), file: "Workflows/main.yaml")
        #expect(throws: WorkflowDiagnostics.self) {
            try cache.load(text: broken, digest: Digest.of(string: Self.yaml), file: "Workflows/other.yaml")
        }
    }

    @Test("a cache hit still reports a source input that has gone, with the validator's message")
    func hitChecksSources() throws {
        let (dir, cache) = Self.setUp()
        let digest = Digest.of(string: Self.yaml)
        _ = try cache.load(text: Self.yaml, digest: digest, file: "Workflows/main.yaml")
        dir.delete("data/raw.csv")
        let fresh: WorkflowDiagnostics
        do {
            _ = try CompiledWorkflowCache(root: dir.path, path: nil, kinds: ["k/one"]).compile(text: Self.yaml, file: "Workflows/main.yaml")
            Issue.record("a missing source input must not compile")
            return
        } catch { fresh = error }
        do {
            _ = try cache.load(text: Self.yaml, digest: digest, file: "Workflows/main.yaml")
            Issue.record("a missing source input must not load from the cache")
        } catch let error as WorkflowDiagnostics {
            #expect(error.description == fresh.description)
            #expect(error.description.hasPrefix("Workflows/main.yaml:5:"))
            #expect(error.description.contains("error: input 'data/raw.csv' of stage 'a' does not exist and no stage writes it"))
        }
    }

    @Test("without a path nothing is written, and an entry with the wrong magic is ignored")
    func noPathAndBadMagic() throws {
        let (dir, cache) = Self.setUp()
        let uncached = CompiledWorkflowCache(root: dir.path, path: nil, kinds: ["k/one"])
        _ = try uncached.load(text: Self.yaml, digest: Digest.of(string: Self.yaml), file: "Workflows/main.yaml")
        #expect(!dir.exists(".studyflow"))
        _ = try cache.load(text: Self.yaml, digest: Digest.of(string: Self.yaml), file: "Workflows/main.yaml")
        var entry = try #require(FileIO.read(cache.path!))
        entry[0] ^= 0xFF
        try FileIO.writeAtomically(cache.path!, entry)
        #expect(throws: WorkflowDiagnostics.self) {
            try cache.load(text: "stages: [", digest: Digest.of(string: Self.yaml), file: "Workflows/main.yaml")
        }
    }
}
