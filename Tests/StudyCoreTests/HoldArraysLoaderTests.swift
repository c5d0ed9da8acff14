import StudyCore
import Testing

/// `hold_arrays:` in a `slurm:` block (issue 17 item 6): unset by default (the executor holds),
/// loads from the workflow and a profile, survives the compiled cache, and anything but a plain
/// true or false is a positioned error.
@Suite("WorkflowLoader: hold_arrays")
struct HoldArraysLoaderTests {
    private let stages = "stages:\n  a:\n    run: echo\n"

    @Test("hold_arrays loads from the workflow and a profile and survives the compiled cache; unset is nil")
    func loads() throws {
        let workflow = try KaplanMeierLoader.load("name: h\nslurm: {hold_arrays: false}\nprofiles:\n  p: {slurm: {hold_arrays: true}}\n" + stages)
        #expect(workflow.slurm.holdArrays == false)
        #expect(workflow.profiles["p"]?.slurm.holdArrays == true)
        let compiled = CompiledWorkflow(workflow: workflow, graph: try StageGraph.build(workflow).get())
        let decoded = try compiled.encoded().withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
        #expect(decoded.workflow.slurm.holdArrays == false)
        #expect(decoded.workflow.profiles["p"]?.slurm.holdArrays == true)
        #expect(try KaplanMeierLoader.load("name: h\n" + stages).slurm.holdArrays == nil)
    }

    @Test("hold_arrays must be a plain true or false")
    func badValue() {
        #expect(KaplanMeierLoader.diagnostics("name: h\nslurm: {hold_arrays: \"no\"}\n" + stages) ==
                "w.yaml:2:22: error: 'hold_arrays' in 'slurm' must be true or false, got the quoted string 'no'; drop the quotes")
        #expect(KaplanMeierLoader.diagnostics("name: h\nslurm: {hold_arrays: [x]}\n" + stages) ==
                "w.yaml:2:22: error: 'hold_arrays' in 'slurm' must be true or false, got a list")
    }
}
