import StudyCore
import Testing

/// `sandbox:` on a stage and as the workflow's default: which stages end up sandboxed, that fan-out
/// instances inherit their template's, that the compiled cache keeps it, and the load errors.
@Suite("WorkflowLoader: sandbox")
struct SandboxLoaderTests {
    private func load(_ yaml: String) throws(WorkflowDiagnostics) -> Workflow { try KaplanMeierLoader.load(yaml) }
    private func diagnostics(_ yaml: String) -> String? { KaplanMeierLoader.diagnostics(yaml) }

    private func sandboxed(_ workflow: Workflow) -> [String] { workflow.stages.filter(\.sandbox).map(\.id) }

    @Test("a stage's own 'sandbox: true' sandboxes it alone; without the key nothing is sandboxed")
    func stageLevel() throws {
        let workflow = try load("""
        name: demo
        stages:
          a: {run: "cat data/x > out/a", inputs: [data/x], outputs: [out/a], sandbox: true}
          b: {run: "cat out/a > out/b", inputs: [out/a], outputs: [out/b]}
          c: {run: "cat out/a > out/c", inputs: [out/a], outputs: [out/c], sandbox: false}
        """)
        #expect(sandboxed(workflow) == ["a"])
    }

    @Test("the workflow's 'sandbox: true' is the default of every run: stage; a stage's 'sandbox: false' wins; built-ins stay out")
    func workflowDefault() throws {
        let workflow = try load("""
        name: demo
        sandbox: true
        stages:
          a: {run: "cat data/x > out/a", inputs: [data/x], outputs: [out/a]}
          b: {run: "cat out/a > out/b", inputs: [out/a], outputs: [out/b], sandbox: false}
          km: {uses: survival/kaplan-meier, inputs: {table: out/a}, outputs: {result: out/km.json}}
        """)
        #expect(sandboxed(workflow) == ["a"])
    }

    @Test("fan-out instances inherit their template's 'sandbox:', and the workflow default reaches them too")
    func fanoutInherits() throws {
        let own = try load("""
        name: demo
        stages:
          fit:
            foreach: [x, y, z]
            run: "cat data/${each.key} > out/${each.key}"
            inputs: [data/x]
            outputs: ["out/${each.key}"]
            sandbox: true
          other: {run: "true > out/o", outputs: [out/o]}
        """)
        #expect(sandboxed(own) == ["fit@x", "fit@y", "fit@z"])
        let byDefault = try load("""
        name: demo
        sandbox: true
        stages:
          fit:
            matrix: {a: [1, 2]}
            run: "echo ${matrix.a} > out/${matrix.a}"
            outputs: ["out/${matrix.a}"]
          opt-out:
            foreach: [p]
            run: "echo p > out/p-${each.key}"
            outputs: ["out/p-${each.key}"]
            sandbox: false
        """)
        #expect(sandboxed(byDefault) == ["fit@1", "fit@2"])
    }

    @Test("the compiled workflow cache keeps each stage's sandbox flag")
    func compiledCacheKeepsIt() throws {
        let workflow = try load("""
        name: demo
        stages:
          a: {run: "echo a > out/a", outputs: [out/a], sandbox: true}
          b: {run: "echo b > out/b", outputs: [out/b]}
        """)
        let graph = try WorkflowValidator(probe: SandboxEveryFileExists()).validate(workflow)
        let compiled = CompiledWorkflow(workflow: workflow, graph: graph)
        let decoded = try compiled.encoded().withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
        #expect(decoded.workflow.stages.map(\.sandbox) == [true, false])
        #expect(decoded == compiled)
    }

    @Test("'sandbox' that is not a boolean is an error at its value, for a stage and for the workflow")
    func notABoolean() {
        #expect(diagnostics("""
        name: demo
        sandbox: "yes"
        stages:
          a: {run: "echo a > out/a", outputs: [out/a], sandbox: [true]}
        """) == """
        w.yaml:2:10: error: 'sandbox' must be true or false, got the quoted string 'yes'; drop the quotes
        w.yaml:4:57: error: 'sandbox' of stage 'a' must be true or false, got a list
        """)
    }

    @Test("'sandbox: true' on a uses: stage is an error: built-in kinds run inside studyflow")
    func builtinRefused() {
        #expect(diagnostics("""
        name: demo
        stages:
          km: {uses: survival/kaplan-meier, inputs: {table: data/t.csv}, outputs: {result: out/km.json}, sandbox: true}
        """) == "w.yaml:3:107: error: 'sandbox' applies only to 'run:' stages; stage 'km' uses the built-in kind 'survival/kaplan-meier', which runs inside studyflow: remove 'sandbox: true'")
    }
}

/// A disk on which every source file exists and nothing escapes.
private struct SandboxEveryFileExists: PathProbe {
    func exists(_ path: String) -> Bool { true }
    func staysInside(_ path: String) -> Bool { true }
}
