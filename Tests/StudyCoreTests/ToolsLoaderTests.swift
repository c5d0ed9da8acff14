import StudyCore
import Testing
import _StudyTestSupport

private func diagnostics(_ yaml: String) -> String? { KaplanMeierLoader.diagnostics(yaml) }
private func load(_ yaml: String) throws -> Workflow { try KaplanMeierLoader.load(yaml) }

@Suite("WorkflowLoader: tools")
struct ToolsLoaderTests {
    @Test("a stage's tools list wins over the workflow default, [] turns it off, and uses: stages get none")
    func defaults() throws {
        let workflow = try load("""
        name: t
        tools: [python3, /usr/bin/awk]
        stages:
          a: {run: python3 x.py}
          b: {run: Rscript y.R, tools: [Rscript]}
          c: {run: true, tools: []}
          d: {uses: survival/kaplan-meier, outputs: [r.json]}
        """)
        #expect(workflow.stages.map(\.tools) == [["python3", "/usr/bin/awk"], ["Rscript"], [], []])
        // A missing default tool is reported at the workflow's entry, a stage's own at the stage's.
        #expect(workflow.stages[0].fields.values["tools[1]"]?.description == "w.yaml:2:18")
        #expect(workflow.stages[1].fields.values["tools[0]"]?.description == "w.yaml:5:33")
    }

    @Test("fan-out instances inherit their template's tools")
    func fanout() throws {
        let workflow = try load("""
        name: t
        stages:
          fit:
            foreach: [a, b]
            run: python3 fit.py ${each.key}
            tools: [python3]
        """)
        #expect(workflow.stages.map(\.id) == ["fit@a", "fit@b"])
        #expect(workflow.stages.map(\.tools) == [["python3"], ["python3"]])
    }

    @Test("tools survive the compiled workflow encoding")
    func encoding() throws {
        let ws = TestWorkspace(yaml: "name: t\ntools: [sh]\nstages:\n  a: {run: 'true', tools: [python3, Rscript]}\n  b: {run: 'true'}\n")
        let compiled = try ws.compile()
        let decoded = try compiled.encoded().withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
        #expect(decoded.workflow.stages.map(\.tools) == [["python3", "Rscript"], ["sh"]])
        #expect(decoded == compiled)
    }

    @Test("a tools value that is not a list of program names is a positioned error with a fix")
    func mistakes() {
        #expect(diagnostics("name: t\nstages:\n  a: {run: x, tools: python3}\n")
            == "w.yaml:3:22: error: 'tools' of stage 'a' must be a list of programs like [python3, Rscript], got a scalar")
        #expect(diagnostics("name: t\ntools: {a: 1}\nstages:\n  a: {run: x}\n")
            == "w.yaml:2:8: error: 'tools' of the workflow must be a list of programs like [python3, Rscript], got a mapping")
        #expect(diagnostics("name: t\nstages:\n  a: {run: x, tools: [bin/tool]}\n")
            == "w.yaml:3:23: error: bad tool 'bin/tool' in 'tools' of stage 'a': a relative path is not a tool (workspace scripts are inputs); name a program on PATH or an absolute path")
        #expect(diagnostics("name: t\nstages:\n  a: {run: x, tools: ['${params.py}']}\n")
            == "w.yaml:3:23: error: bad tool '${params.py}' in 'tools' of stage 'a': placeholders and variables are not expanded here; name the program itself (python3)")
        #expect(diagnostics("name: t\nstages:\n  a: {run: x, tools: ['python3 -u']}\n")
            == "w.yaml:3:23: error: bad tool 'python3 -u' in 'tools' of stage 'a': a program name has no spaces; list each program as its own entry")
        #expect(diagnostics("name: t\nstages:\n  a: {run: x, tools: [sh, sh]}\n")
            == "w.yaml:3:27: error: tool 'sh' is listed twice in 'tools' of stage 'a'; remove one")
        #expect(diagnostics("name: t\nstages:\n  a: {uses: survival/kaplan-meier, outputs: [r.json], tools: [R]}\n")
            == "w.yaml:3:62: error: 'tools' applies only to 'run' stages; stage 'a' uses the built-in kind 'survival/kaplan-meier', which runs no program; remove 'tools'")
    }
}
