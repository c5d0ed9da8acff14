import Foundation
import StudyCore
import StudyEngine
@testable import StudyStages
import Testing
import _StudyTestSupport

extension ResultModelSamples {
    /// Every member written: a Weibull fit with one covariate whose hazard ratio overflowed.
    static let parametric = ParametricOutput(
        distribution: "weibull", n: 227, events: 164, nDropped: 1, confLevel: 0.95,
        terms: [.init(term: "(Intercept)", coef: 6.27, se: 0.45, z: 13.9, p: 0, hazardRatio: nil),
                .init(term: "sex", coef: 0.40, se: 0.12, z: 3.2, p: 0.0013, hazardRatio: .init(hr: 0.58, lower: 0.43, upper: 0.77)),
                .init(term: "ph.ecog=3", coef: -800, se: nil, z: nil, p: nil, hazardRatio: .init(hr: nil, lower: 0, upper: nil))],
        scale: 0.73, logScale: .init(estimate: -0.31, se: 0.06, z: -5.1, p: 3.1e-7), loglikNull: -1147.4, loglikFit: -1132.4,
        likelihoodRatio: .init(statistic: 29.98, df: 3, p: 1.4e-6), vcov: [[0.2, nil], [nil, 0.01]], iterations: 5, converged: true)
}

/// `survival/parametric`: its settings at load, its result model, and its numbers on lung against
/// survreg (Reference/parametric.r-survival.json, from parametric.R).
@Suite struct ParametricStageTests {
    static func reference(_ model: String) throws -> [String: Any] {
        let url = SurvivalStageTests.reference.appendingPathComponent("parametric.r-survival.json")
        let all = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (all["lung"] as! [String: Any])[model] as! [String: Any]
    }

    static func declaration(_ with: [String: JSONValue]) -> StageDeclaration {
        StageSettingsCheckTests.declaration(with)
    }

    @Test("the result model decodes what it encodes: hazard ratios present or absent, null numbers, no log scale")
    func roundTrip() throws {
        #expect(try ResultModelTests.roundTrip(ResultModelSamples.parametric) == ResultModelSamples.parametric)
        var exponential = ResultModelSamples.parametric
        exponential.distribution = "exponential"
        exponential.logScale = nil
        exponential.scale = 1
        #expect(try ResultModelTests.roundTrip(exponential) == exponential)
        let text = String(decoding: exponential.fileBytes, as: UTF8.self)
        #expect(text.contains(#""scale":1,"log_scale":null,"#))
        #expect(text.contains(#"{"term":"(Intercept)","coef":6.27,"se":0.45,"z":13.9,"p":0},"#))
        #expect(text.contains(#"{"term":"ph.ecog=3","coef":-800,"se":null,"z":null,"p":null,"hr":null,"hr_lower":0,"hr_upper":null}"#))
    }

    @Test("valid settings give no problems, covariates and distribution optional")
    func valid() {
        #expect(ParametricStage().check(Self.declaration([
            "time": .string("t"), "event": .string("e"), "covariates": .array([.string("a"), .string("b")]),
            "categorical": .object(["a": .object(["reference": .string("x")])]),
            "interactions": .array([.array([.string("a"), .string("b")])]), "distribution": .string("loglogistic"),
            "conf_level": .number(0.9)])) == [])
        #expect(ParametricStage().check(Self.declaration(["time": .string("t"), "event": .string("e")])) == [])
    }

    @Test("every settings mistake at once: start (not supported), a misspelt distribution, unknown setting, categorical outside covariates")
    func mistakes() {
        #expect(ParametricStage().check(Self.declaration([
            "time": .string("t"), "event": .string("e"), "start": .string("entry"), "distribution": .string("weibul"),
            "covariates": .array([.string("a"), .string("a")]), "categorical": .object(["b": .null]), "dist": .string("x"),
            "conf_level": .integer(95)])) == [
            "with: unknown setting 'dist' (settings: time, event, covariates, categorical, interactions, distribution, conf_level, start)",
            "with.start: counting-process data (start, stop] are not supported by survival/parametric, which fits right-censored data only (interval censoring neither); remove 'start', or use survival/cox for (start, stop] data",
            "with.covariates[1]: covariate 'a' appears twice; names must be distinct",
            "with.distribution: must be one of weibull, exponential, lognormal, loglogistic, not 'weibul'; did you mean 'weibull'?",
            "with.conf_level: must lie strictly between 0 and 1, not 95",
            "with.categorical.b: 'b' is not among with.covariates; add it there",
        ])
    }

    @Test("categorical or interactions without covariates are refused, naming the field")
    func nothingToCode() {
        #expect(ParametricStage().check(Self.declaration([
            "time": .string("t"), "event": .string("e"), "categorical": .object(["b": .null]),
            "interactions": .array([.array([.string("a"), .string("b")])])])) == [
            "with.categorical.b: 'b' is not among with.covariates; add it there",
            "with.interactions: names columns but with.covariates is empty; list the columns there",
        ])
    }

    @Test("lung, each distribution: the stage's terms, scale, Log(scale), log-likelihoods and Weibull hazard ratios equal survreg's to 1e-5",
          arguments: ["weibull", "exponential", "lognormal", "loglogistic"])
    func lung(_ distribution: String) throws {
        let run = SurvivalStageTests.run(ParametricStage(), with: [
            "time": .string("time"), "event": .string("status"), "distribution": .string(distribution),
            "covariates": .array([.string("age"), .string("sex"), .string("ph.ecog")])])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let out = try SurvivalStageTests.json(run.text), r = try Self.reference(distribution)
        #expect(out["kind"] as? String == "survival/parametric")
        #expect(out["distribution"] as? String == distribution)
        #expect(out["n"] as? Int == 227 && out["events"] as? Int == 164 && out["n_dropped"] as? Int == 1)
        let terms = out["terms"] as! [[String: Any]]
        #expect(terms.map { $0["term"] as! String } == (r["term"] as! [String]))
        for (field, key) in [("coef", "coef"), ("se", "se"), ("z", "z"), ("p", "p")] {
            for (term, value) in zip(terms, SurvivalStageExtraReferenceTests.numbers(r[key])) {
                #expect(SurvivalStageTests.rel(SurvivalStageTests.num(term[field]), value, 1e-5), "\(distribution) \(term["term"]!) \(field)")
            }
        }
        #expect(SurvivalStageTests.rel(SurvivalStageTests.num(out["scale"]), r["scale"] as? Double, 1e-5))
        let loglik = out["loglik"] as! [String: Any]
        #expect(SurvivalStageTests.rel(SurvivalStageTests.num(loglik["null"]), r["loglik_null"] as? Double, 1e-8))
        #expect(SurvivalStageTests.rel(SurvivalStageTests.num(loglik["fit"]), r["loglik_fit"] as? Double, 1e-8))
        #expect(out["iterations"] as? Int == r["iter"] as? Int)
        #expect(out["converged"] as? Bool == true)
        if let logScale = out["log_scale"] as? [String: Any] {
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(logScale["estimate"]), r["log_scale"] as? Double, 1e-5))
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(logScale["se"]), r["log_scale_se"] as? Double, 1e-5))
        } else {
            #expect(distribution == "exponential" && r["log_scale"] is NSNull)
        }
        guard let ratios = r["hazard_ratios"] as? [String: Any] else {
            #expect(terms.allSatisfy { $0["hr"] == nil }, "no hazard ratios for \(distribution)")
            return
        }
        #expect(terms[0]["hr"] == nil, "the intercept has no hazard ratio")
        for (field, key) in [("hr", "hr"), ("hr_lower", "lower"), ("hr_upper", "upper")] {
            for (term, value) in zip(terms.dropFirst(), SurvivalStageExtraReferenceTests.numbers(ratios[key])) {
                #expect(SurvivalStageTests.rel(SurvivalStageTests.num(term[field]), value, 1e-5), "\(term["term"]!) \(field)")
            }
        }
    }

    @Test("a categorical covariate is coded as survival/cox codes it: 'ph.ecog=1'… after the intercept, as survreg's factor(ph.ecog)")
    func categorical() throws {
        let run = SurvivalStageTests.run(ParametricStage(), with: [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("age"), .string("ph.ecog")]),
            "categorical": .object(["ph.ecog": .null])])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let out = try SurvivalStageTests.json(run.text), r = try Self.reference("weibull_categorical")
        let terms = out["terms"] as! [[String: Any]]
        #expect(terms.map { $0["term"] as! String } == ["(Intercept)", "age", "ph.ecog=1", "ph.ecog=2", "ph.ecog=3"])
        for (term, value) in zip(terms, SurvivalStageExtraReferenceTests.numbers(r["coef"])) {
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(term["coef"]), value, 1e-5))
        }
    }

    @Test("a time of zero fails the stage naming the column, the file's line and the cell")
    func zeroTime() {
        let dir = TemporaryDirectory()
        dir.write("t.csv", "time,status,age\n5,1,60\n7,0,61\n0,1,62\n9,1,70\n")
        let run = SurvivalStageTests.run(ParametricStage(), table: dir.path + "/t.csv", with: [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("age")])])
        #expect(run.outcome == .failed(status: 1, message: "column 'time' (time) must hold positive, finite times for a parametric model: line 4 has '0'; the weibull model is on log time (R's survreg: invalid survival times for this distribution); drop or correct such rows"))
        // The line is the file's, also after rows dropped for a missing value.
        dir.write("u.csv", "time,status,age\n5,1,60\n7,0,\n8,1,\n0.0,1,62\n9,1,70\n")
        let later = SurvivalStageTests.run(ParametricStage(), table: dir.path + "/u.csv", with: [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("age")]),
            "distribution": .string("lognormal")])
        #expect(later.outcome == .failed(status: 1, message: "column 'time' (time) must hold positive, finite times for a parametric model: line 5 has '0.0'; the lognormal model is on log time (R's survreg: invalid survival times for this distribution); drop or correct such rows"))
    }

    @Test("more parameters than events fail the stage with the counts")
    func tooFewEvents() {
        let dir = TemporaryDirectory()
        dir.write("t.csv", "time,status,age,sex\n5,1,60,1\n7,0,61,2\n8,0,62,1\n9,1,70,2\n")
        let run = SurvivalStageTests.run(ParametricStage(), table: dir.path + "/t.csv", with: [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("age"), .string("sex")])])
        #expect(run.outcome == .failed(status: 1, message: "the model has 4 parameters but only 2 events; use fewer covariates"))
    }

    @Test("a constant covariate is refused in survreg's words")
    func constantCovariate() {
        let dir = TemporaryDirectory()
        dir.write("t.csv", "time,status,age,site\n5,1,60,1\n7,0,61,1\n8,1,62,1\n9,1,70,1\n12,1,50,1\n")
        let run = SurvivalStageTests.run(ParametricStage(), table: dir.path + "/t.csv", with: [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("age"), .string("site")])])
        #expect(run.outcome == .failed(status: 1, message: "column 'site' is constant among the rows used, so its coefficient is not identified (R's survreg reports NA); drop it from the model"))
    }
}
