import Foundation
import StudyCore
import StudyEngine
import StudyStages
import Testing
import _StudyTestSupport

/// `survival/cox` refuses what R refuses and carries R's warnings into its result and log.
@Suite struct CoxStageRefusalTests {
    static let separated = SurvivalStageTests.reference.appendingPathComponent("separated.csv").path

    @Test("separated data: R's se and p, the warning in the JSON, a may_be_infinite mark and a log warning")
    func separatedData() throws {
        let run = SurvivalStageTests.run(CoxStage(), table: Self.separated, with: [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("x"), .string("age")]),
        ])
        #expect(run.outcome == .succeeded)
        let out = try SurvivalStageTests.json(run.text)
        let terms = try #require(out["terms"] as? [[String: Any]])
        let data = try Data(contentsOf: SurvivalStageTests.reference.appendingPathComponent("separated.r-survival.json"))
        let file = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let r = try #require((file?["models"] as? [[String: Any]])?[2])
        let se = try #require(r["se"] as? [Double]), p = try #require(r["p"] as? [Double])
        #expect(SurvivalStageTests.rel(SurvivalStageTests.num(terms[0]["se"]), se[0], 1e-6))
        #expect(SurvivalStageTests.rel(SurvivalStageTests.num(terms[0]["p"]), p[0], 1e-9))
        #expect(terms[0]["may_be_infinite"] as? Bool == true)
        #expect(terms[1]["may_be_infinite"] == nil)
        let warning = "loglik converged before 'x'; the coefficient may be infinite (monotone likelihood), so its se, "
            + "p value and interval are not meaningful; merge or drop levels without events, or fit a penalized (Firth) Cox model"
        #expect(out["warnings"] as? [String] == [warning])
        #expect(out["converged"] as? Bool == true)
        #expect(run.log.contains("warning: " + warning))
    }

    @Test("a categorical covariate left with one level is a failed stage with R's reason and a fix")
    func singleLevelCategorical() {
        let dir = TemporaryDirectory()
        dir.write("t.csv", "time,status,site,age\n1,1,liver,50\n2,0,liver,61\n3,1,liver,45\n4,1,liver,70\n")
        let run = SurvivalStageTests.run(CoxStage(), table: dir.path + "/t.csv", with: [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("age"), .string("site")]),
        ])
        #expect(run.outcome == .failed(status: 1, message: """
            categorical covariate 'site' has one level, 'liver', among the rows used; R's coxph refuses it \
            (contrasts can be applied only to factors with 2 or more levels); drop 'site' from the covariates, \
            or keep rows with other levels (check the filter and the rows dropped for missing values)
            """))
        #expect(run.text == nil)
    }

    @Test("a declared categorical with a numeric-looking single level is refused the same way")
    func singleLevelDeclared() {
        let dir = TemporaryDirectory()
        dir.write("t.csv", "time,status,ecog,age\n1,1,0,50\n2,0,0,61\n3,1,0,45\n4,1,0,70\n")
        let run = SurvivalStageTests.run(CoxStage(), table: dir.path + "/t.csv", with: [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("age"), .string("ecog")]),
            "categorical": .object(["ecog": .null]),
        ])
        #expect(run.outcome == .failed(status: 1, message: """
            categorical covariate 'ecog' has one level, '0', among the rows used; R's coxph refuses it \
            (contrasts can be applied only to factors with 2 or more levels); drop 'ecog' from the covariates, \
            or keep rows with other levels (check the filter and the rows dropped for missing values)
            """))
    }
}
