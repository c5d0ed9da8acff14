import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// A kind whose load-time check insists on a positive `alpha` below 1 and an input named `table`.
private struct AlphaKind: StageKind {
    var name: String { "test/alpha" }
    var version: Int { 1 }
    func check(_ d: StageDeclaration) -> [String] {
        var problems: [String] = []
        if d.inputs["table"] == nil { problems.append("input 'table' is required (inputs: \(d.inputs.keys.sorted()))") }
        if case .object(let members) = d.with, case .number(let a)? = members["alpha"], !(a > 0 && a < 1) {
            problems.append("with.alpha: must be in (0, 1), not \(a)")
        }
        return problems
    }
    func run(_ context: StageKindContext) -> StageOutcome { .succeeded }
}

@Suite("Load-time settings checks")
struct SettingsCheckTests {
    private func diagnostics(_ yaml: String, params: [String: JSONValue] = [:]) throws -> [String] {
        let dir = TemporaryDirectory()
        dir.write("t.csv", "a\n1\n")
        let kinds = StageKindRegistry([AlphaKind()])
        let workflow = try WorkflowLoader(knownKinds: kinds.names).load(text: yaml, file: "w.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: dir.path)).validate(workflow)
        let ws = Workspace(layout: StoreLayout(root: dir.path), compiled: CompiledWorkflow(workflow: workflow, graph: graph),
                           registry: kinds, params: params)
        return SettingsCheck.diagnostics(ws).map(\.description)
    }

    private let yaml = """
        name: t
        params: {alpha: 0.05}
        stages:
          s:
            uses: test/alpha
            inputs: {table: t.csv}
            outputs: {result: r.json}
            with: {alpha: "${params.alpha}"}
        """

    @Test("valid settings give no diagnostics")
    func valid() throws {
        #expect(try diagnostics(yaml) == [])
    }

    @Test("a problem names the file, the field's own line and column, the stage, its kind and the field; parameters are resolved first")
    func problemWithOverride() throws {
        #expect(try diagnostics(yaml, params: ["alpha": .number(1.5)])
            == ["w.yaml:8:19: error: stage 's' (test/alpha): with.alpha: must be in (0, 1), not 1.5"])
    }

    @Test("a field on its own line is pointed at there; a problem naming no field stays at the stage")
    func blockStyleWith() throws {
        let block = """
            name: t
            stages:
              s:
                uses: test/alpha
                inputs: {tab: t.csv}
                outputs: {result: r.json}
                with:
                  beta: 1
                  alpha: 2.5
            """
        #expect(try diagnostics(block) == [
            "w.yaml:3:3: error: stage 's' (test/alpha): input 'table' is required (inputs: [\"tab\"])",
            "w.yaml:9:14: error: stage 's' (test/alpha): with.alpha: must be in (0, 1), not 2.5",
        ])
    }

    @Test("every problem is listed")
    func several() throws {
        let bad = yaml.replacingOccurrences(of: "{table: t.csv}", with: "{tab: t.csv}")
        #expect(try diagnostics(bad, params: ["alpha": .number(0)]).count == 2)
    }
}
