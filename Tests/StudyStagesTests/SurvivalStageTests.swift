import Foundation
import StudyCore
import StudyEngine
import StudyStages
import Testing
import _StudyTestSupport

/// The survival stage kinds on R's `lung` data, against `survival` 3.5's numbers.
@Suite struct SurvivalStageTests {
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("StudyStatsTests/Reference")
    static let lungPath = reference.appendingPathComponent("lung.csv").path

    static func r() throws -> [String: Any] {
        let data = try Data(contentsOf: reference.appendingPathComponent("lung.r-survival.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// Runs `kind` on `table` with `with`, returning the outcome, the result text (if any) and the log.
    static func run(_ kind: any StageKind, table: String = lungPath, with: [String: JSONValue])
        -> (outcome: StageOutcome, text: String?, log: [String]) {
        let dir = TemporaryDirectory()
        let log = LogLines()
        let context = StageKindContext(
            stage: "s", root: dir.path, inputs: ["table": table], outputs: ["result": dir.path + "/result.json"],
            with: .object(with), params: [:], log: { log.append($0) })
        let outcome = kind.run(context)
        return (outcome, dir.read("result.json"), log.lines)
    }

    static func json(_ text: String?) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try #require(text).utf8)) as! [String: Any]
    }

    static func close(_ a: Double?, _ b: Double?, abs tolerance: Double) -> Bool {
        guard let a, let b else { return false }
        return Swift.abs(a - b) <= tolerance
    }

    static func rel(_ a: Double?, _ b: Double?, _ tolerance: Double) -> Bool {
        guard let a, let b else { return false }
        return Swift.abs(a - b) <= tolerance * Swift.max(Swift.abs(b), 1e-300)
    }

    static func num(_ any: Any?) -> Double? { (any as? NSNumber)?.doubleValue }

    @Test func kaplanMeierMediansBySex() throws {
        let run = Self.run(KaplanMeierStage(), with: [
            "time": .string("time"), "event": .string("status"), "group": .string("sex"), "rmst_tau": .integer(965),
        ])
        #expect(run.outcome == .succeeded)
        let out = try Self.json(run.text)
        let r = try Self.r()
        let km = r["kaplan_meier"] as! [String: Any]
        let groups = km["by_group"] as! [[String: Any]]
        let curves = out["curves"] as! [[String: Any]]
        #expect(out["n"] as? Int == 228)
        #expect(out["n_dropped"] as? Int == 0)
        #expect(curves.count == 2)
        for (curve, ref) in zip(curves, groups) {
            #expect("sex=" + (curve["group"] as! String) == ref["strata"] as! String)
            #expect(curve["n"] as? Int == ref["n"] as? Int)
            #expect(curve["events"] as? Int == ref["events"] as? Int)
            let median = curve["median"] as! [String: Any]
            let ci = ref["median_ci_log"] as! [String: Any]
            #expect(Self.close(Self.num(median["estimate"]), Self.num(ref["median"]), abs: 1e-10))
            #expect(Self.close(Self.num(median["lower"]), Self.num(ci["lower"]), abs: 1e-10))
            #expect(Self.close(Self.num(median["upper"]), Self.num(ci["upper"]), abs: 1e-10))
            let rmst = curve["rmst"] as! [String: Any]
            let refRmst = ref["rmst"] as! [String: Any]
            #expect(Self.close(Self.num(rmst["estimate"]), Self.num(refRmst["rmean"]), abs: 1e-10))
            #expect(Self.close(Self.num(rmst["se"]), Self.num(refRmst["se_rmean"]), abs: 1e-10))
        }
    }

    @Test func kaplanMeierOverallLogLog() throws {
        let run = Self.run(KaplanMeierStage(), with: [
            "time": .string("time"), "event": .string("status"), "conf_type": .string("log-log"),
        ])
        #expect(run.outcome == .succeeded)
        let out = try Self.json(run.text)
        let overall = (try Self.r()["kaplan_meier"] as! [String: Any])["overall"] as! [String: Any]
        let curve = (out["curves"] as! [[String: Any]])[0]
        #expect(curve["group"] as? String == "all")
        #expect(curve["rmst"] is NSNull)
        let median = curve["median"] as! [String: Any]
        let ci = overall["median_ci_loglog"] as! [String: Any]
        #expect(Self.close(Self.num(median["estimate"]), Self.num(overall["median"]), abs: 1e-10))
        #expect(Self.close(Self.num(median["lower"]), Self.num(ci["lower"]), abs: 1e-10))
        #expect(Self.close(Self.num(median["upper"]), Self.num(ci["upper"]), abs: 1e-10))
    }

    @Test(arguments: [0, 1]) func logRankBySex(rho: Int) throws {
        let run = Self.run(LogRankStage(), with: [
            "time": .string("time"), "event": .string("status"), "group": .string("sex"), "rho": .integer(rho),
        ])
        #expect(run.outcome == .succeeded)
        let out = try Self.json(run.text)
        let ref = (try Self.r()["logrank"] as! [String: Any])["rho\(rho)"] as! [String: Any]
        #expect(Self.rel(Self.num(out["statistic"]), Self.num(ref["chisq"]), 1e-9))
        #expect(Self.rel(Self.num(out["p"]), Self.num(ref["p"]), 1e-9))
        #expect(out["df"] as? Int == 1)
        let groups = out["groups"] as! [[String: Any]]
        let expected = ref["expected"] as! [Double]
        let observed = ref["observed"] as! [Double]
        #expect(groups.count == 2)
        for (i, group) in groups.enumerated() {
            #expect(Self.rel(Self.num(group["expected"]), expected[i], 1e-9))
            #expect(Self.rel(Self.num(group["observed"]), observed[i], 1e-9))
        }
    }

    @Test(arguments: [("univariable", ["sex"]), ("multivariable", ["age", "sex", "ph.ecog"])])
    func coxMatchesR(model: String, covariates: [String]) throws {
        for ties in ["efron", "breslow"] {
            let run = Self.run(CoxStage(), with: [
                "time": .string("time"), "event": .string("status"), "ties": .string(ties),
                "covariates": .array(covariates.map { .string($0) }),
            ])
            #expect(run.outcome == .succeeded)
            let out = try Self.json(run.text)
            let ref = try #require(((try Self.r()["cox"] as! [String: Any])[model] as? [String: Any])?[ties] as? [String: Any])
            #expect(out["n"] as? Int == ref["n"] as? Int)
            #expect(out["events"] as? Int == ref["nevent"] as? Int)
            #expect(out["n_dropped"] as? Int == ref["n_omitted_na"] as? Int)
            let coefficients = ref["coefficients"] as! [String: Any]
            let terms = out["terms"] as! [[String: Any]]
            #expect(terms.map { $0["term"] as! String } == coefficients["term"] as! [String])
            for (key, rkey) in [("coef", "coef"), ("hr", "exp.coef"), ("se", "se.coef"), ("z", "z"), ("p", "p"),
                                ("hr_lower", "lower.95.HR"), ("hr_upper", "upper.95.HR")] {
                let values = coefficients[rkey] as! [Double]
                for (i, term) in terms.enumerated() {
                    #expect(Self.rel(Self.num(term[key]), values[i], 1e-6), "\(model) \(ties) \(key)")
                }
            }
            let loglik = out["loglik"] as! [String: Any]
            let refLoglik = ref["loglik"] as! [String: Any]
            #expect(Self.rel(Self.num(loglik["fit"]), Self.num(refLoglik["fit"]), 1e-6))
            #expect(Self.rel(Self.num(loglik["null"]), Self.num(refLoglik["null"]), 1e-6))
            let lr = (out["tests"] as! [String: Any])["likelihood_ratio"] as! [String: Any]
            #expect(Self.rel(Self.num(lr["statistic"]), Self.num((ref["likelihood_ratio_test"] as! [String: Any])["test"]), 1e-6))
            let concordance = out["concordance"] as! [String: Any]
            #expect(Self.rel(Self.num(concordance["estimate"]), Self.num((ref["concordance"] as! [String: Any])["C"]), 1e-6))
            #expect(out["ph_test"] is NSNull)
        }
    }

    @Test func coxCategoricalAndPhTest() throws {
        let run = Self.run(CoxStage(), with: [
            "time": .string("time"), "event": .string("status"),
            "covariates": .array([.string("sex"), .string("ph.ecog"), .string("age")]),
            "categorical": .object(["ph.ecog": .object(["reference": .string("1")])]),
            "interactions": .array([.array([.string("sex"), .string("age")])]),
            "ph_test": .bool(true),
        ])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let out = try Self.json(run.text)
        let terms = (out["terms"] as! [[String: Any]]).map { $0["term"] as! String }
        #expect(terms == ["sex", "ph.ecog=0", "ph.ecog=2", "ph.ecog=3", "age", "sex:age"])
        #expect(out["n_dropped"] as? Int == 1)
        let ph = out["ph_test"] as! [String: Any]
        #expect((ph["terms"] as! [[String: Any]]).map { $0["term"] as! String } == ["sex", "ph.ecog", "age", "sex:age"])
        #expect(ph["global"] is [String: Any])
    }

    @Test func outputIsByteIdenticalAcrossRuns() {
        let settings: [(any StageKind, [String: JSONValue])] = [
            (KaplanMeierStage(), ["time": .string("time"), "event": .string("status"), "group": .string("sex"),
                                  "rmst_tau": .integer(500)]),
            (LogRankStage(), ["time": .string("time"), "event": .string("status"), "group": .string("sex")]),
            (CoxStage(), ["time": .string("time"), "event": .string("status"),
                          "covariates": .array([.string("age"), .string("sex"), .string("ph.ecog")]), "ph_test": .bool(true)]),
        ]
        for (kind, with) in settings {
            let first = Self.run(kind, with: with)
            let second = Self.run(kind, with: with)
            #expect(first.text != nil)
            #expect(first.text == second.text)
        }
    }

    @Test func unknownColumnIsAOneLineError() {
        let run = Self.run(KaplanMeierStage(), with: ["time": .string("days"), "event": .string("status")])
        let message = "unknown column 'days' in 'time'; available columns: inst, time, status, age, sex, ph.ecog, ph.karno, pat.karno, meal.cal, wt.loss"
        #expect(run.outcome == .failed(status: 1, message: message))
        #expect(run.log == [message])
        #expect(run.text == nil)
    }

    @Test func badEventColumnIsAOneLineError() {
        let dir = TemporaryDirectory()
        dir.write("t.csv", "time,status,arm\n5,1,a\n7,2,b\n9,0,a\n")
        for kind in [KaplanMeierStage() as any StageKind, LogRankStage()] {
            let run = Self.run(kind, table: dir.path + "/t.csv",
                               with: ["time": .string("time"), "event": .string("status"), "group": .string("arm")])
            let message = "column 'status' (event) must be 0/1 or true/false: line 3 has '2'"
            #expect(run.outcome == .failed(status: 1, message: message))
            #expect(run.log == [message])
            #expect(run.text == nil)
        }
    }

    @Test func negativeTimeAndTooManyTerms() {
        let dir = TemporaryDirectory()
        dir.write("t.csv", "time,status,x,y\n5,1,1,2\n-7,0,2,1\n")
        let negative = Self.run(KaplanMeierStage(), table: dir.path + "/t.csv",
                                with: ["time": .string("time"), "event": .string("status")])
        #expect(negative.outcome == .failed(status: 1, message: "column 'time' (time) has a negative time: line 3 has '-7'"))
        dir.write("u.csv", "time,status,x,y\n5,1,1,2\n7,0,2,1\n8,false,3,5\nNA,true,3,3\n")
        let cox = Self.run(CoxStage(), table: dir.path + "/u.csv",
                           with: ["time": .string("time"), "event": .string("status"),
                                  "covariates": .array([.string("x"), .string("y")])])
        #expect(cox.outcome == .failed(status: 1, message: "the model has 2 terms but only 1 events; use fewer covariates"))
        #expect(cox.text == nil)
        dir.write("v.csv", "time,status\nNA,1\n3,\n")
        let empty = Self.run(LogRankStage(), table: dir.path + "/v.csv",
                             with: ["time": .string("time"), "event": .string("status"), "group": .string("status")])
        #expect(empty.outcome == .failed(status: 1, message: "no rows left after dropping rows with NA in 'time', 'status', 'status'"))
    }
}

/// Log lines collected from a stage, safe to append to from any thread.
final class LogLines: @unchecked Sendable {
    private var stored: [String] = []
    private let lock = NSLock()
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}
