import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// A kind that describes its lineage when its settings say so, and writes what it was told.
private struct LineageKind: StageKind {
    var name: String { "test/lineage" }
    var version: Int { 1 }
    func describesLineage(with: JSONValue) -> Bool {
        if case .object(let fields) = with { return fields["x"] != nil }
        return false
    }
    func run(_ context: StageKindContext) -> StageOutcome {
        try? FileIO.writeAtomically(context.outputs["out"]!, Array((context.lineage.canonicalJSON + "\n").utf8))
        return .succeeded
    }
}

/// The upstream lineage the engine hands a kind that describes it: deterministic, in the key, and
/// carried in a frozen SLURM specification.
@Suite struct StageLineageTests {
    @Test("the lineage names every upstream stage with its kind tag and every source file with its digest, sorted")
    func lineageValue() throws {
        let dir = TemporaryDirectory()
        dir.write("data/raw.csv", "a\n1\n")
        let kinds = StageKindRegistry([LineageKind()])
        let yaml = """
            name: t
            stages:
              clean: {run: cp data/raw.csv results/clean.csv, inputs: {raw: data/raw.csv}, outputs: {table: results/clean.csv}}
              told: {uses: test/lineage, inputs: {t: results/clean.csv}, with: {x: 1}, outputs: {out: results/told.json}}
              plain: {uses: test/lineage, inputs: {t: results/clean.csv}, outputs: {out: results/plain.json}}
            """
        let workflow = try WorkflowLoader(knownKinds: kinds.names).load(text: yaml, file: "w.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: dir.path)).validate(workflow)
        let ws = Workspace(layout: StoreLayout(root: dir.path), compiled: CompiledWorkflow(workflow: workflow, graph: graph),
                           registry: kinds, params: [:])
        let summary = try Runner(workspace: ws, executor: LocalExecutor(), options: RunOptions(jobs: 1), observers: [], run: 1).execute()
        #expect(summary.ids(.failed) == [])
        let raw = Digest.of(Array("a\n1\n".utf8)).hex
        #expect(dir.read("results/told.json") == """
            {"sources":[{"path":"data/raw.csv","sha256":"\(raw)"}],"stages":[{"id":"clean","uses":"shell"}]}

            """)
        #expect(dir.read("results/plain.json") == "null\n", "a kind that does not describe its lineage is told nothing")
    }

    @Test("a frozen SLURM specification carries the lineage to the node")
    func specificationCarriesLineage() throws {
        let lineage: JSONValue = .object(["stages": .array([.object(["id": .string("km"), "uses": .string("survival/kaplan-meier@2")])]),
                                          "sources": .array([])])
        var context = StageKindContext(stage: "report", root: "/w", inputs: [:], outputs: [:], with: .null, params: [:], log: { _ in })
        context.lineage = lineage
        let spec = StageSpecification(kind: LineageKind(), context: context)
        let read = try StageSpecification(json: spec.json)
        #expect(read.context(log: { _ in }).lineage == lineage)
        let none = StageSpecification(kind: LineageKind(), context: StageKindContext(stage: "s", root: "/w", inputs: [:], outputs: [:],
                                                                                     with: .null, params: [:], log: { _ in }))
        #expect(!none.json.contains("\"lineage\":"), "a stage told no lineage writes the specification it always did")
    }
}
