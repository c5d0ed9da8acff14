import Foundation
import StudyCore
import StudyEngine
import StudyStages
import Testing
import _StudyTestSupport

/// `generated: methods`: a section StudyFlow writes from the results the report reads, with only
/// what enters the report's key (inputs' bytes and paths, settings, the kind's version).
@Suite struct ReportMethodsTests {
    static let layout: JSONValue = .object([
        "title": .string("Lung cancer survival"),
        "sections": .array([
            .object(["title": .string("Methods"), "text": .string("Data: NCCTG *lung*."), "generated": .string("methods")]),
            .object(["title": .string("Results"), "text": .string("See [@fig:km]."),
                     "figures": .array([.object(["type": .string("kaplan-meier"), "inputs": .array([.string("km"), .string("logrank")]),
                                                 "id": .string("km")])])]),
        ]),
    ])

    static func sha(_ results: ReportStageTests.Results, _ path: String) -> String {
        Digest.of(FileIO.read(results.dir.path + "/" + path)!).hex
    }

    @Test("the methods section states each estimator, every file read with its digest and maker, and how to verify")
    func methodsText() throws {
        let results = ReportStageTests.Results()
        #expect(ReportStageTests.check(results, with: Self.layout).isEmpty)
        let run = ReportStageTests.run(results, with: Self.layout)
        #expect(run.outcome == .succeeded)
        let summary = try #require(run.summary)
        let expected = """
            ## Methods

            Data: NCCTG *lung*.

            StudyFlow wrote this section from the results this report reads; each statement below follows from those files and the report's settings, so the same inputs give the same text.

            **Estimators.**

            - Cox proportional hazards model, Efron ties, Wald confidence intervals, as R survival 3.5 `coxph` (inputs `cox`, `cox_multi`).
            - Kaplan-Meier estimator with Greenwood standard errors and 95 % pointwise confidence intervals (conf.type = "log"), as R survival 3.5 `survfit` (input `km`).
            - Log-rank test of equal survival, as R survival 3.5 `survdiff` (input `logrank`).

            **Data.** The report read these files (SHA-256):

            - `cox`: `results/cox.json`, written by stage `cox`, `\(Self.sha(results, "results/cox.json"))`
            - `cox_multi`: `results/cox-multi.json`, written by stage `cox_multi`, `\(Self.sha(results, "results/cox-multi.json"))`
            - `km`: `results/km.json`, written by stage `km`, `\(Self.sha(results, "results/km.json"))`
            - `logrank`: `results/logrank.json`, written by stage `logrank`, `\(Self.sha(results, "results/logrank.json"))`
            - `published`: `published.yaml`, a source file, `\(Self.sha(results, "published.yaml"))`

            **Verification.** `studyflow audit out/report.html --verify` walks this report's lineage back to the source data, with each stage's key, parameters and environment, and re-hashes every file on disk; any mismatch is reported. `studyflow reproduce` reruns the lineage without the cache and compares every output byte for byte. This report was made by `report/html@7`.

            ## Results

            See [Figure 1](#figure-1).
            """
        #expect(summary.contains(expected))
        let html = try #require(run.html)
        #expect(html.contains("<li>Cox proportional hazards model, Efron ties, Wald confidence intervals, as R survival 3.5 <code>coxph</code> (inputs <code>cox</code>, <code>cox_multi</code>).</li>"))
        #expect(html.contains("<li><a href=\"#s1\">Methods</a></li>"))
        // No clock, host or run id: a second run writes the same bytes.
        let again = ReportStageTests.run(results, with: Self.layout)
        #expect(again.html == run.html)
        #expect(again.summary == run.summary)
    }

    @Test("a result computed another way changes the methods text: Breslow ties")
    func followsTheResults() throws {
        let results = ReportStageTests.Results()
        results.run(CoxStage(), "cox.json", ["time": .string("time"), "event": .string("status"),
                                             "covariates": .array([.string("sex")]), "ties": .string("breslow")])
        let summary = try #require(ReportStageTests.run(results, with: Self.layout).summary)
        #expect(summary.contains("- Cox proportional hazards model, Breslow ties, Wald confidence intervals, as R survival 3.5 `coxph` (input `cox`)."))
        #expect(summary.contains("- Cox proportional hazards model, Efron ties, Wald confidence intervals, as R survival 3.5 `coxph` (input `cox_multi`)."))
    }

    @Test("generated takes only methods")
    func badGenerated() {
        let results = ReportStageTests.Results()
        let with: JSONValue = .object(["title": .string("T"), "sections": .array([
            .object(["title": .string("M"), "generated": .string("discussion")])])])
        #expect(ReportStageTests.check(results, with: with) == [
            "with.sections[0].generated: must be methods, not 'discussion'; StudyFlow writes a methods section from the report's inputs"])
    }
}
