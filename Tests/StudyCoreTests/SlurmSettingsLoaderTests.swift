import StudyCore
import Testing

/// `local: true` on a stage and `poll_interval:` in a `slurm:` block (issue 17): they load, a
/// wrong value is a positioned diagnostic, and neither changes what a stage computes.
@Suite("WorkflowLoader: local stages and the SLURM poll interval")
struct SlurmSettingsLoaderTests {
    private func load(_ yaml: String) throws -> Workflow { try KaplanMeierLoader.load(yaml) }
    private func diagnostics(_ yaml: String) -> String? { KaplanMeierLoader.diagnostics(yaml) }

    @Test("local: true marks a stage (and every instance of a template) to run on the submitting host")
    func localStage() throws {
        let workflow = try load("""
        name: l
        stages:
          report:
            run: echo hi > ${outputs}
            outputs: [out/r.txt]
            local: true
          fan:
            foreach: [a, b]
            run: echo ${each.key} > ${outputs}
            outputs: ["out/${each.key}.txt"]
            local: true
          plain:
            run: echo > ${outputs}
            outputs: [out/p.txt]
            local: false
        """)
        #expect(workflow.stages.map { "\($0.id)=\($0.resources.runsLocally)" } == ["report=true", "fan@a=true", "fan@b=true", "plain=false"])
        let compiled = CompiledWorkflow(workflow: workflow, graph: try StageGraph.build(workflow).get())
        let decoded = try compiled.encoded().withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
        #expect(decoded.workflow.stages.map(\.resources.runsLocally) == [true, true, true, false])
    }

    @Test("a 'local' that is not true or false is a positioned error")
    func badLocal() {
        #expect(diagnostics("name: l\nstages:\n  a:\n    run: echo\n    local: \"yes\"\n") ==
                "w.yaml:5:12: error: 'local' of stage 'a' must be true or false, got the quoted string 'yes'; drop the quotes")
        #expect(diagnostics("name: l\nstages:\n  a:\n    run: echo\n    local: 1\n")?.hasPrefix("w.yaml:5:12: error: 'local' of stage 'a' must be true or false, got") == true)
    }

    @Test("poll_interval in a slurm block (workflow or profile) is seconds in (0, 3600]; others are errors")
    func pollInterval() throws {
        let workflow = try load("""
        name: p
        slurm: {poll_interval: 60}
        profiles:
          fast: {slurm: {poll_interval: 0.5}}
        stages:
          a:
            run: echo
        """)
        #expect(workflow.slurm.pollInterval == 60)
        #expect(workflow.profiles["fast"]?.slurm.pollInterval == 0.5)
        #expect(diagnostics("name: p\nslurm: {poll_interval: 0}\nstages:\n  a:\n    run: echo\n") ==
                "w.yaml:2:24: error: 'poll_interval' in 'slurm' must be seconds between squeue calls, more than 0 and at most 3600, like 30, got '0'")
        #expect(diagnostics("name: p\nslurm: {poll_interval: soon}\nstages:\n  a:\n    run: echo\n") ==
                "w.yaml:2:24: error: 'poll_interval' in 'slurm' must be seconds between squeue calls, more than 0 and at most 3600, like 30, got 'soon'")
    }
}
