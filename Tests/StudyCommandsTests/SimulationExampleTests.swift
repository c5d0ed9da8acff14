import Foundation
import Testing
import _StudyTestSupport

/// The simulation example through the built binary: the same bytes for --jobs 1 and 2, and bad
/// settings stopping the run at load with exit 2.
@Suite("studyflow on Workflows/examples/simulation")
struct SimulationExampleTests {
    static let outputs = ["results/cohort.csv", "results/cohort-truth.json", "results/km-by-treatment.json",
                          "results/cox.json", "results/trial-power.json"]

    @Test("outputs are byte-identical for --jobs 1 and --jobs 2; the trial takes the KM median of the cohort")
    func jobsDoNotChangeBytes() throws {
        var results: [[String?]] = []
        for jobs in ["1", "2"] {
            let dir = TemporaryDirectory()
            try CLI.copyExample("simulation", to: dir.path)
            let run = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "-j", jobs])
            #expect(run.status == 0, "\(run.stderr)")
            results.append(Self.outputs.map { dir.read($0) })
        }
        #expect(results[0].allSatisfy { $0 != nil })
        #expect(results[0] == results[1])
        let trial = try #require(results[0][4])
        #expect(trial.contains("\"control_median_from\":{\"input\":\"km\",\"group\":\"immunotherapy\",\"stage\":\"km\"}"))
    }

    @Test("bad simulation settings are load errors naming the stage and field, exit 2, nothing runs")
    func badSettings() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("simulation", to: dir.path)
        let text = try #require(dir.read("workflow.yaml"))
        dir.write("workflow.yaml", text
            .replacingOccurrences(of: "alpha: 0.05", with: "alpha: 1.5")
            .replacingOccurrences(of: "hazard_ratios: [0.6, 0.75]", with: "hazard_ratios: [0.6, -0.75]")
            .replacingOccurrences(of: "proportion: 0.15, shape: 1.0", with: "proportion: 0.25, shape: 1.0"))
        let run = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("error: stage 'trial' (simulate/trial): with.alpha: must be in (0, 1), not 1.5"), "\(run.stderr)")
        #expect(run.stderr.contains("error: stage 'trial' (simulate/trial): with.hazard_ratios[1]: must be positive, not -0.75"))
        #expect(run.stderr.contains("error: stage 'cohort' (simulate/cohort): with.strata.levels: proportions must sum to 1, not 1.1"))
        #expect(!dir.exists("results"))
    }
}
