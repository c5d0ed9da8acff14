import Foundation
import StudyCore
import StudyStages
import Testing

/// The survival stages on R's `lung` data for what lung.r-survival.json does not cover: Kaplan-Meier
/// at conf_level 0.90 (log and log-log), log-rank within strata, stratified Cox and cox.zph of a
/// model with a categorical covariate. The numbers come from R 4.2.2 / survival 3.5-3 via
/// Reference/extra.R (committed with its output, so R is not needed here).
@Suite struct SurvivalStageExtraReferenceTests {
    static func reference() throws -> [String: Any] {
        let url = SurvivalStageTests.reference.appendingPathComponent("lung.extra.r-survival.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    static func numbers(_ value: Any?) -> [Double?] {
        (value as? [Any] ?? []).map { $0 is NSNull ? nil : ($0 as? NSNumber)?.doubleValue }
    }

    static func sameOrBothNull(_ a: Any?, _ b: Double?, abs tolerance: Double) -> Bool {
        let x = a is NSNull ? nil : (a as? NSNumber)?.doubleValue
        if x == nil || b == nil { return x == nil && b == nil }
        return Swift.abs(x! - b!) <= tolerance
    }

    @Test("Kaplan-Meier at conf_level 0.90, log and log-log: every step within 1e-10, medians and their CIs")
    func kaplanMeier90() throws {
        let ref = try #require(try Self.reference()["kaplan_meier_90"] as? [String: [String: Any]])
        for (confType, key) in [("log", "log"), ("log-log", "log_log")] {
            let run = SurvivalStageTests.run(KaplanMeierStage(), with: [
                "time": .string("time"), "event": .string("status"), "group": .string("sex"),
                "conf_type": .string(confType), "conf_level": .number(0.9)])
            #expect(run.outcome == .succeeded, "\(run.log)")
            let out = try SurvivalStageTests.json(run.text)
            #expect(out["conf_level"] as? Double == 0.9)
            let curves = out["curves"] as! [[String: Any]]
            let groups = ref[key]!["groups"] as! [[String: Any]]
            #expect(curves.count == groups.count)
            for (curve, group) in zip(curves, groups) {
                #expect("sex=" + (curve["group"] as! String) == group["strata"] as! String)
                let steps = curve["steps"] as! [[String: Any]]
                let times = Self.numbers(group["time"])
                #expect(steps.count == times.count)
                for (field, refField, tolerance) in [("time", "time", 0.0), ("n_risk", "n_risk", 0.0),
                                                     ("n_event", "n_event", 0.0), ("n_censor", "n_censor", 0.0),
                                                     ("survival", "surv", 1e-10), ("std_err", "std_err", 1e-10),
                                                     ("lower", "lower", 1e-10), ("upper", "upper", 1e-10)] {
                    let expected = Self.numbers(group[refField])
                    for (step, value) in zip(steps, expected) {
                        #expect(Self.sameOrBothNull(step[field], value, abs: tolerance), "\(confType) \(field) at \(step["time"]!)")
                    }
                }
                let median = curve["median"] as! [String: Any]
                for (field, refField) in [("estimate", "median"), ("lower", "median_lower"), ("upper", "median_upper")] {
                    let value = group[refField] is NSNull ? nil : (group[refField] as? NSNumber)?.doubleValue
                    #expect(Self.sameOrBothNull(median[field], value, abs: 0), "\(confType) median \(field)")
                }
            }
        }
    }

    @Test("log-rank within strata (rho 0 and Peto-Peto): statistic, p, observed and expected within 1e-9")
    func logRankWithStrata() throws {
        let ref = try #require(try Self.reference()["logrank_strata"] as? [String: [String: Any]])
        for (rho, key) in [(0, "rho0"), (1, "rho1")] {
            let run = SurvivalStageTests.run(LogRankStage(), with: [
                "time": .string("time"), "event": .string("status"), "group": .string("sex"),
                "strata": .string("ph.ecog"), "rho": .integer(rho)])
            #expect(run.outcome == .succeeded, "\(run.log)")
            let out = try SurvivalStageTests.json(run.text)
            let r = ref[key]!
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(out["statistic"]), SurvivalStageTests.num(r["chisq"]), 1e-9))
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(out["p"]), SurvivalStageTests.num(r["p"]), 1e-9))
            #expect(out["df"] as? Int == r["df"] as? Int)
            #expect(out["n_dropped"] as? Int == 1)
            let groups = out["groups"] as! [[String: Any]]
            #expect(groups.map { "sex=" + ($0["group"] as! String) } == r["groups"] as! [String])
            let observed = Self.numbers(r["observed"]), expected = Self.numbers(r["expected"]), n = Self.numbers(r["n"])
            for (i, group) in groups.enumerated() {
                #expect(Double(group["n"] as! Int) == n[i])
                #expect(SurvivalStageTests.rel(SurvivalStageTests.num(group["observed"]), observed[i], 1e-9))
                #expect(SurvivalStageTests.rel(SurvivalStageTests.num(group["expected"]), expected[i], 1e-9))
            }
        }
    }

    @Test("stratified Cox, Efron and Breslow: coefficients, variance, log-likelihoods and tests within 1e-6, concordance")
    func stratifiedCox() throws {
        let ref = try #require(try Self.reference()["cox_strata"] as? [String: [String: Any]])
        for ties in ["efron", "breslow"] {
            let run = SurvivalStageTests.run(CoxStage(), with: [
                "time": .string("time"), "event": .string("status"), "strata": .string("sex"),
                "covariates": .array([.string("age"), .string("ph.ecog")]), "ties": .string(ties)])
            #expect(run.outcome == .succeeded, "\(run.log)")
            let out = try SurvivalStageTests.json(run.text)
            let r = ref[ties]!
            #expect(out["n"] as? Int == r["n"] as? Int)
            #expect(out["events"] as? Int == r["nevent"] as? Int)
            #expect(out["n_dropped"] as? Int == r["n_omitted_na"] as? Int)
            #expect(out["iterations"] as? Int == r["iter"] as? Int)
            let terms = out["terms"] as! [[String: Any]]
            #expect(terms.map { $0["term"] as! String } == r["term"] as! [String])
            for key in ["coef", "se", "z", "p", "hr_lower", "hr_upper"] {
                for (term, value) in zip(terms, Self.numbers(r[key])) {
                    #expect(SurvivalStageTests.rel(SurvivalStageTests.num(term[key]), value, 1e-6), "\(ties) \(key)")
                }
            }
            let vcov = (out["vcov"] as! [[Any]]).flatMap { $0 }   // R's var is column-major; it is symmetric
            for (v, value) in zip(vcov, Self.numbers(r["var"])) {
                #expect(SurvivalStageTests.rel(SurvivalStageTests.num(v), value, 1e-6), "\(ties) vcov")
            }
            let loglik = out["loglik"] as! [String: Any]
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(loglik["null"]), SurvivalStageTests.num(r["loglik_null"]), 1e-6))
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(loglik["fit"]), SurvivalStageTests.num(r["loglik_fit"]), 1e-6))
            let tests = out["tests"] as! [String: [String: Any]]
            for (name, refName) in [("likelihood_ratio", "likelihood_ratio"), ("wald", "wald"), ("score", "score")] {
                #expect(SurvivalStageTests.rel(SurvivalStageTests.num(tests[name]!["statistic"]), SurvivalStageTests.num(r[refName]), 1e-6),
                        "\(ties) \(name)")
            }
            let concordance = out["concordance"] as! [String: Any]
            #expect(SurvivalStageTests.close(SurvivalStageTests.num(concordance["estimate"]), SurvivalStageTests.num(r["concordance"]), abs: 1e-9))
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(concordance["se"]), SurvivalStageTests.num(r["concordance_se"]), 1e-6))
        }
    }

    @Test("cox.zph through the Cox stage with a categorical covariate: per term and global within 1e-5")
    func zphCategorical() throws {
        let r = try #require(try Self.reference()["cox_zph_categorical"] as? [String: Any])
        let run = SurvivalStageTests.run(CoxStage(), with: [
            "time": .string("time"), "event": .string("status"),
            "covariates": .array([.string("age"), .string("sex"), .string("ph.ecog")]),
            "categorical": .object(["ph.ecog": .object([:])]), "ph_test": .bool(true)])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let ph = try SurvivalStageTests.json(run.text)["ph_test"] as! [String: Any]
        #expect(ph["transform"] as? String == "km")
        let terms = ph["terms"] as! [[String: Any]], global = ph["global"] as! [String: Any]
        let names = r["term"] as! [String], chisq = Self.numbers(r["chisq"]), df = Self.numbers(r["df"]), p = Self.numbers(r["p"])
        #expect(terms.map { $0["term"] as! String } + ["GLOBAL"] == names)
        for (i, row) in (terms + [global]).enumerated() {
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(row["chisq"]), chisq[i], 1e-5), "\(names[i]) chisq")
            #expect(Double(row["df"] as! Int) == df[i])
            #expect(SurvivalStageTests.rel(SurvivalStageTests.num(row["p"]), p[i], 1e-5), "\(names[i]) p")
        }
    }
}
