import Foundation
import Testing
import _StudyTestSupport

/// The built binary on Workflows/examples/survival-breadth's parametric stages, as a user runs them.
@Suite("studyflow on the survival-breadth example: survival/parametric")
struct ParametricExampleTests {
    @Test("the Weibull and log-normal stages write survreg's numbers and the documented keys; a second run runs nothing")
    func runs() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("survival-breadth", to: dir.path)
        let first = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(first.status == 0, "\(first.stderr)")
        let weibull = try #require(dir.read("results/weibull.json"))
        // R: survreg(Surv(time, status) ~ age + sex + ph.ecog, lung, dist = "weibull"): intercept 6.273435,
        // scale 0.7311090, loglik -1147.428 (null) and -1132.439; sex's hazard ratio exp(-0.4011/0.7311) = 0.5778.
        #expect(weibull.hasPrefix(#"{"kind":"survival/parametric","distribution":"weibull","n":227,"events":164,"n_dropped":1,"conf_level":0.95,"terms":[{"term":"(Intercept)","coef":6.27343"#), "\(weibull)")
        #expect(weibull.contains(#""term":"sex","coef":0.40109"#))
        #expect(weibull.contains(#","hr":0.57775"#))
        #expect(weibull.contains(#""scale":0.73110"#))
        #expect(weibull.contains(#""loglik":{"null":-1147.428"#))
        #expect(weibull.contains(#""fit":-1132.438"#))
        #expect(weibull.contains(#""iterations":5,"converged":true}"#))
        let lognormal = try #require(dir.read("results/lognormal.json"))
        #expect(lognormal.contains(#""scale":1.02863"#))
        #expect(!lognormal.contains(#""hr""#), "the log-normal model has no hazard-ratio form")
        let second = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--json"])
        #expect(second.stdout.split(separator: "\n").last?.contains("\"ran\":[]") == true, "\(second.stdout)")
    }

    @Test("start: is a load error naming the file, line and column, exit 2, nothing runs")
    func startRefused() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("survival-breadth", to: dir.path)
        let text = try #require(dir.read("workflow.yaml"))
        dir.write("workflow.yaml", text.replacingOccurrences(
            of: "with: {time: time, event: status, covariates: [age, sex, ph.ecog], distribution: weibull}",
            with: "with: {start: inst, time: time, event: status, covariates: [age, sex, ph.ecog], distribution: weibull}"))
        // The line of the weibull stage's `with:` (the example holds other kinds' stages too).
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("distribution: weibull}") }) + 1
        let run = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(run.status == 2)
        #expect(run.stderr == """
            workflow.yaml:\(line):19: error: stage 'weibull' (survival/parametric): with.start: counting-process data (start, stop] \
            are not supported by survival/parametric, which fits right-censored data only (interval censoring neither); \
            remove 'start', or use survival/cox for (start, stop] data
            studyflow: 1 error in workflow.yaml; nothing was run

            """, "\(run.stderr)")
        #expect(!dir.exists("results"))
    }
}
