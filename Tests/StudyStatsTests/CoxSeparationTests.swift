import Foundation
import Testing
@testable import StudyStats

/// Cox models that R refuses or warns about: separated data (monotone likelihood) against
/// `survival::coxph` (Reference/separated.R), and a categorical covariate with one level.
@Suite("Cox on separated and degenerate data")
struct CoxSeparationTests {
    /// The `index`-th model of separated.r-survival.json, fitted by StudyFlow, with R's result.
    static func fit(_ index: Int) throws -> (CoxModel, [String: Any]) {
        let data = try ReferenceData.load("separated")
        let r = try #require((data.r["models"] as? [[String: Any]])?[index])
        let terms = try #require(r["term"] as? [String])
        let variables = try terms.map { name in CoxVariable(name, .numeric(try #require(data.columns[name]))) }
        let time = try #require(data.columns["time"]), status = try #require(data.columns["status"])
        let survival = SurvivalData(time: time.map { $0! }, event: status.map { $0 == 1 })
        let tiesName = try #require(r["ties"] as? String)
        let ties = try #require(CoxTies(rawValue: tiesName))
        return (try CoxModel.fit(survival, design: try CoxDesign.build(variables), ties: ties), r)
    }

    static func numbers(_ any: Any?) -> [Double?] { (any as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue } }

    @Test("separated data stop where coxph stops: same iterations, coefficient, se, p and interval", arguments: 0..<3)
    func matchesR(_ index: Int) throws {
        let (model, r) = try Self.fit(index)
        #expect(model.iterations == r["iter"] as? Int)
        for (j, c) in model.coefficients.enumerated() {
            // The coefficient stops on a flat likelihood: R and StudyFlow agree to ~1e-9, and se,
            // which grows like exp(coef / 2), to the same relative order.
            #expect(close(c.coefficient, Self.numbers(r["coef"])[j], relative: 1e-7), "coef \(c.term)")
            #expect(close(c.standardError, Self.numbers(r["se"])[j], relative: 1e-6), "se \(c.term)")
            #expect(close(c.z, Self.numbers(r["z"])[j], relative: 1e-6), "z \(c.term)")
            #expect(close(c.p, Self.numbers(r["p"])[j], relative: 1e-9), "p \(c.term)")
            #expect(close(c.lowerHazardRatio95, Self.numbers(r["hr_lower"])[j], relative: 1e-6, absolute: 1e-300))
            let upper = Self.numbers(r["hr_upper"])[j]
            #expect(upper == nil ? !c.upperHazardRatio95.isFinite : close(c.upperHazardRatio95, upper, relative: 1e-6))
        }
        #expect(close(model.logLikelihoodFit, (r["loglik_fit"] as? NSNumber)?.doubleValue, relative: 1e-10))
        #expect(close(model.scoreTest.statistic, (r["score"] as? NSNumber)?.doubleValue, relative: 1e-10))
        #expect(close(model.likelihoodRatioTest.statistic, (r["likelihood_ratio"] as? NSNumber)?.doubleValue, relative: 1e-8))
    }

    @Test("separated data warn, as coxph does, naming the term whose coefficient may be infinite", arguments: 0..<3)
    func warns(_ index: Int) throws {
        let (model, r) = try Self.fit(index)
        #expect((r["warnings"] as? [String])?.first?.hasPrefix("Loglik converged before variable  1 ;") == true)
        #expect(model.warnings == [.infiniteCoefficients(terms: ["x"])])
        #expect(model.warnings.map(\.description) == [
            "loglik converged before 'x'; the coefficient may be infinite (monotone likelihood), so its se, p value "
                + "and interval are not meaningful; merge or drop levels without events, or fit a penalized (Firth) Cox model",
        ])
    }

    @Test("a categorical covariate with one level is refused, as R's contrasts refuse it, with its level and a fix")
    func singleLevel() {
        let build = {
            try CoxDesign.build([
                CoxVariable("age", .numeric([50, 61, 45, 70])),
                CoxVariable("site", .categorical(["liver", "liver", nil, "liver"])),
            ])
        }
        #expect(throws: CoxError.singleLevel(column: "site", level: "liver"), performing: build)
        #expect(CoxError.singleLevel(column: "site", level: "liver").description == """
            categorical covariate 'site' has one level, 'liver', among the rows used; R's coxph refuses it \
            (contrasts can be applied only to factors with 2 or more levels); drop 'site' from the covariates, \
            or keep rows with other levels (check the filter and the rows dropped for missing values)
            """)
    }

    @Test("a categorical covariate whose given levels collapse to one among the rows used is refused too")
    func singleLevelAfterDropping() {
        #expect(throws: CoxError.singleLevel(column: "arm", level: "b")) {
            try CoxDesign.build([
                CoxVariable("age", .numeric([50, nil, 45, 70])),
                CoxVariable("arm", .categorical(["b", "a", "b", "b"], levels: ["a", "b"])),
            ])
        }
    }

    @Test("a constant numeric covariate is refused (R reports an NA coefficient) with a fix")
    func constantNumeric() {
        #expect(throws: CoxError.constantColumn("k")) {
            try CoxDesign.build([CoxVariable("age", .numeric([50, 61, 45])), CoxVariable("k", .numeric([3, 3, 3]))])
        }
        #expect(CoxError.constantColumn("k").description == """
            column 'k' is constant among the rows used, so its coefficient is not identified (R's coxph reports NA); \
            drop it from the model
            """)
    }
}
