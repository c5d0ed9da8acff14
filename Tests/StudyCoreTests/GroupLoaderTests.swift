import StudyCore
import Testing

/// `group: NAME` on a stage and `group_components:` in a `slurm:` block (issue 17 item 1): they
/// load onto every instance, survive the compiled cache, and a bad value is a positioned error.
@Suite("WorkflowLoader: stage groups")
struct GroupLoaderTests {
    private func load(_ yaml: String) throws -> Workflow { try KaplanMeierLoader.load(yaml) }
    private func diagnostics(_ yaml: String) -> String? { KaplanMeierLoader.diagnostics(yaml) }

    @Test("group: marks a stage and every instance of a template; group_components loads from the workflow and a profile")
    func loads() throws {
        let workflow = try load("""
        name: g
        slurm: {group_components: {tiny: 50}}
        profiles:
          big: {slurm: {group_components: {tiny: 200, solo: 1}}}
        stages:
          fan:
            foreach: [a, b]
            run: echo ${each.key} > ${outputs}
            outputs: ["out/${each.key}.txt"]
            group: tiny
          one:
            run: echo > ${outputs}
            outputs: [out/one.txt]
            group: solo
          plain:
            run: echo > ${outputs}
            outputs: [out/p.txt]
        """)
        #expect(workflow.stages.map { "\($0.id)=\($0.resources.group ?? "-")" } == ["fan@a=tiny", "fan@b=tiny", "one=solo", "plain=-"])
        #expect(workflow.slurm.groupComponents == ["tiny": 50])
        #expect(workflow.profiles["big"]?.slurm.groupComponents == ["tiny": 200, "solo": 1])
        let compiled = CompiledWorkflow(workflow: workflow, graph: try StageGraph.build(workflow).get())
        let decoded = try compiled.encoded().withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
        #expect(decoded.workflow.stages.map(\.resources.group) == ["tiny", "tiny", "solo", nil])
        #expect(decoded.workflow.slurm.groupComponents == ["tiny": 50])
        #expect(decoded.workflow.profiles["big"]?.slurm.groupComponents == ["tiny": 200, "solo": 1])
    }

    @Test("a group that is not a plain name is a positioned error saying what a name may hold")
    func badNames() {
        #expect(diagnostics("name: g\nstages:\n  a:\n    run: echo\n    group: two words\n") ==
                "w.yaml:5:12: error: 'group' of stage 'a' must be a name of letters, digits, '_' and '-' (at most 100 bytes), like tiny, got 'two words'")
        #expect(diagnostics("name: g\nstages:\n  a:\n    run: echo\n    group: \"\"\n") ==
                "w.yaml:5:12: error: 'group' of stage 'a' must be a name of letters, digits, '_' and '-' (at most 100 bytes), like tiny, got ''")
        #expect(diagnostics("name: g\nstages:\n  a:\n    run: echo\n    group: [x]\n") ==
                "w.yaml:5:12: error: 'group' of stage 'a' must be a string, got a list")
        let long = String(repeating: "g", count: 101)
        #expect(diagnostics("name: g\nstages:\n  a:\n    run: echo\n    group: \(long)\n")?
            .hasPrefix("w.yaml:5:12: error: 'group' of stage 'a' must be a name of letters") == true)
    }

    @Test("a placeholder in group is refused: a group is one literal name")
    func placeholder() {
        let message = diagnostics("name: g\nparams: {g: x}\nstages:\n  a:\n    run: echo\n    group: ${params.g}\n")
        #expect(message == "w.yaml:6:12: error: placeholder '${params.g}' in 'group' of stage 'a' is not expanded: placeholders expand only in 'run', input and output paths and 'with'; write the value, e.g. tiny")
    }

    @Test("local: true and group: together are refused")
    func localAndGroup() {
        #expect(diagnostics("name: g\nstages:\n  a:\n    run: echo\n    local: true\n    group: tiny\n") ==
                "w.yaml:6:12: error: stage 'a' has both 'local: true' and 'group: tiny': a local stage runs on the submitting host, never in a group job; remove one of them")
    }

    @Test("group_components must map a used group to a positive size; a misspelt group gets a suggestion")
    func badComponents() {
        let stages = "stages:\n  a:\n    run: echo\n    group: tiny\n"
        #expect(diagnostics("name: g\nslurm: {group_components: {tiyn: 5}}\n" + stages) ==
                "w.yaml:2:28: error: 'group_components' names group 'tiyn', which no stage has; did you mean 'tiny'?")
        #expect(diagnostics("name: g\nprofiles:\n  p: {slurm: {group_components: {other: 5}}}\n" + stages) ==
                "w.yaml:3:34: error: 'group_components' names group 'other', which no stage has; add 'group: other' to the stages it should join, or remove it")
        #expect(diagnostics("name: g\nslurm: {group_components: {tiny: 0}}\n" + stages) ==
                "w.yaml:2:34: error: 'group_components' of group 'tiny' must be an integer from 1 to 100000, got '0'")
        #expect(diagnostics("name: g\nslurm: {group_components: [tiny]}\n" + stages) ==
                "w.yaml:2:27: error: 'group_components' in 'slurm' must be a mapping of group name to the most stages one job runs, like {tiny: 50}, got a list")
    }
}
