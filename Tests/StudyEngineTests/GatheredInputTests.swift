import StudyCore
import StudyEngine
import StudyStore
import Synchronization
import Testing
import _StudyTestSupport

/// Writes "made by STAGE" to its output `out`.
private struct MakerKind: StageKind {
    var name: String { "test/maker" }
    var version: Int { 1 }
    func run(_ context: StageKindContext) -> StageOutcome {
        try? FileIO.writeAtomically(context.outputs["out"]!, Array("made by \(context.stage)\n".utf8))
        return .succeeded
    }
}

/// Keeps the gathered inputs its check and its run saw.
private final class GatherKind: StageKind {
    var name: String { "test/gather" }
    var version: Int { 1 }
    let seen = Mutex<(checked: [String: [GatheredInput]], ran: [String: [GatheredInput]])>(([:], [:]))

    func check(_ declaration: StageDeclaration) -> [String] {
        seen.withLock { $0.checked = declaration.gathered }
        return []
    }

    func run(_ context: StageKindContext) -> StageOutcome {
        seen.withLock { $0.ran = context.gathered }
        let text = (context.gathered["fits"] ?? []).map { "\($0.label): " + (FileIO.readText($0.path) ?? "?") }.joined()
        try? FileIO.writeAtomically(context.outputs["out"]!, Array(text.utf8))
        return .succeeded
    }
}

/// Refuses any `with.alpha` other than 1.
private struct StrictKind: StageKind {
    var name: String { "test/strict" }
    var version: Int { 1 }
    func check(_ declaration: StageDeclaration) -> [String] {
        guard case .object(let with) = declaration.with, let alpha = with["alpha"], alpha != .integer(1) else { return [] }
        return ["with.alpha: must be 1, not \(alpha.canonicalJSON)"]
    }
    func run(_ context: StageKindContext) -> StageOutcome { .succeeded }
}

@Suite("Built-in kinds receive gathered inputs as labelled lists")
struct GatheredInputTests {
    @Test("the load check and the run see one labelled entry per instance, in instance order")
    func labelledList() throws {
        let dir = TemporaryDirectory()
        let gather = GatherKind()
        let kinds = StageKindRegistry([MakerKind(), gather])
        let yaml = """
            name: g
            stages:
              fit:
                foreach: {nsclc: {label: NSCLC}, melanoma: {label: Melanoma}, bladder: {stage: 2}}
                uses: test/maker
                outputs: {out: "results/fit-${each.key}.txt"}
              forest:
                uses: test/gather
                inputs: {fits: {each: fit, output: out}}
                outputs: {out: results/forest.txt}
            """
        let workflow = try WorkflowLoader(knownKinds: kinds.names).load(text: yaml, file: "w.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: dir.path)).validate(workflow)
        let ws = Workspace(layout: StoreLayout(root: dir.path), compiled: CompiledWorkflow(workflow: workflow, graph: graph),
                           registry: kinds, params: [:])
        #expect(SettingsCheck.diagnostics(ws).isEmpty)
        let summary = try Runner(workspace: ws, executor: LocalExecutor(), options: RunOptions(jobs: 1), observers: [], run: 1).execute()
        #expect(summary.ids(.failed) == [])
        let (checked, ran) = gather.seen.withLock { $0 }
        #expect(checked["fits"]?.map(\.path) == ["results/fit-nsclc.txt", "results/fit-melanoma.txt", "results/fit-bladder.txt"])
        #expect(ran["fits"] == [
            GatheredInput(label: "NSCLC", key: "nsclc", stage: "fit@nsclc", path: dir.path + "/results/fit-nsclc.txt"),
            GatheredInput(label: "Melanoma", key: "melanoma", stage: "fit@melanoma", path: dir.path + "/results/fit-melanoma.txt"),
            GatheredInput(label: "bladder", key: "bladder", stage: "fit@bladder", path: dir.path + "/results/fit-bladder.txt"),
        ])
        #expect(dir.read("results/forest.txt") == "NSCLC: made by fit@nsclc\nMelanoma: made by fit@melanoma\nbladder: made by fit@bladder\n")
    }

    @Test("a frozen SLURM specification carries the gathered inputs to the node")
    func specificationCarriesGathered() throws {
        let entries = [GatheredInput(label: "NSCLC", key: "nsclc", stage: "fit@nsclc", path: "/w/r/a.json")]
        let context = StageKindContext(stage: "forest", root: "/w", inputs: ["fits": "/w/r/a.json"], outputs: [:], with: .null,
                                       params: [:], gathered: ["fits": entries], log: { _ in })
        let spec = StageSpecification(kind: MakerKind(), context: context)
        let read = try StageSpecification(json: spec.json)
        #expect(read == spec)
        #expect(read.context(log: { _ in }).gathered == ["fits": entries])
    }

    @Test("a settings problem shared by instances is one diagnostic naming the first; item-dependent ones stay apart")
    func sharedSettingsProblem() throws {
        let kinds = StageKindRegistry([StrictKind()])
        let yaml = """
            name: g
            stages:
              fit:
                foreach: {a: {alpha: 2}, b: {alpha: 2}, c: {alpha: 1}, d: {alpha: 3}}
                uses: test/strict
                with: {alpha: "${each.value.alpha}"}
                outputs: {out: "results/fit-${each.key}.txt"}
            """
        let dir = TemporaryDirectory()
        let workflow = try WorkflowLoader(knownKinds: kinds.names).load(text: yaml, file: "w.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: dir.path)).validate(workflow)
        let ws = Workspace(layout: StoreLayout(root: dir.path), compiled: CompiledWorkflow(workflow: workflow, graph: graph),
                           registry: kinds, params: [:])
        #expect(SettingsCheck.diagnostics(ws).map(\.description) == [
            "w.yaml:6:19: error: stage 'fit@a' (and 1 more instance) (test/strict): with.alpha: must be 1, not 2",
            "w.yaml:6:19: error: stage 'fit@d' (test/strict): with.alpha: must be 1, not 3",
        ])
    }
}
