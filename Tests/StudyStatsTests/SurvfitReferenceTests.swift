import Foundation
import Testing
@testable import StudyStats

/// `survfit.r-survival.json` (written by Reference/survfit.R) and the data sets it was computed on.
struct SurvfitReference {
    let r: [String: Any]

    static func load() throws -> SurvfitReference {
        let data = try Data(contentsOf: directory.appendingPathComponent("survfit.r-survival.json"))
        return SurvfitReference(r: try JSONSerialization.jsonObject(with: data) as! [String: Any])
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference")

    /// Columns of `NAME.csv` as text, quotes removed (none of these files quotes a comma).
    static func table(_ name: String) throws -> [String: [String]] {
        let csv = try String(contentsOf: directory.appendingPathComponent(name + ".csv"), encoding: .utf8)
        var lines = csv.split(whereSeparator: \.isNewline).map(String.init)
        let unquote = { (s: Substring) in s.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(unquote)
        var columns = [String: [String]]()
        for line in lines {
            for (name, cell) in zip(header, line.split(separator: ",", omittingEmptySubsequences: false)) {
                columns[name, default: []].append(unquote(cell))
            }
        }
        return columns
    }

    /// survfit.R's case weights as functions of the 1-based row number.
    static func wholeWeights(_ n: Int) -> [Double] { (1...n).map { Double(1 + $0 % 3) } }
    static func fractionalWeights(_ n: Int) -> [Double] { (1...n).map { 0.25 + Double($0 % 5) * 0.375 } }

    /// lung's `Surv(time, status)` and `sex`, every row (none has a missing time, status or sex).
    static func lung(weights: [Double]?) throws -> (SurvivalData, [String]) {
        let t = try table("lung")
        return (SurvivalData(time: t["time"]!.map { Double($0)! }, event: t["status"]!.map { $0 == "1" }, weights: weights),
                t["sex"]!)
    }

    /// heart's `Surv(start, stop, event)` and `transplant`.
    static func heart(weights: [Double]? = nil) throws -> (SurvivalData, [String]) {
        let t = try table("heart")
        return (SurvivalData(time: t["stop"]!.map { Double($0)! }, event: t["event"]!.map { $0 == "1" },
                             start: t["start"]!.map { Double($0)! }, weights: weights), t["transplant"]!)
    }
}

func numbers(_ value: Any?) -> [Double?] {
    (value as! [Any]).map { ($0 as? NSNumber)?.doubleValue }
}

@Suite("Kaplan-Meier with start and weights, RMST difference, against survival::survfit")
struct KaplanMeierBreadthTests {
    /// Compares every curve of `fit` with R's curves at `path` (table, std err, limits, median, rmean).
    func expectCurves(_ fit: KaplanMeierResult, _ r: [String: Any], variable: String) {
        let curves = r["curves"] as! [[String: Any]]
        let tau = jsonNumber(r["tau"])!
        #expect(fit.curves.count == curves.count)
        for (curve, expected) in zip(fit.curves, curves) {
            let name = curve.group.map { "\(variable)=\($0)" } ?? "all"
            #expect(name == expected["strata"] as? String)
            let columns: [(String, [Double?])] = [
                ("time", curve.steps.map(\.time)), ("n_risk", curve.steps.map(\.nRisk)), ("n_event", curve.steps.map(\.nEvent)),
                ("n_censor", curve.steps.map(\.nCensor)), ("surv", curve.steps.map(\.survival)),
                ("std_err", curve.steps.map { $0.stdErr.isFinite ? $0.stdErr : nil }),
                ("lower", curve.steps.map(\.lower)), ("upper", curve.steps.map(\.upper)),
            ]
            for (key, mine) in columns {
                let theirs = numbers(expected[key])
                #expect(mine.count == theirs.count, "\(name) \(key) length")
                for (i, (a, b)) in zip(mine, theirs).enumerated() {
                    #expect(close(a, b, relative: 1e-9, absolute: 1e-13), "\(name) \(key)[\(i)]: \(String(describing: a)) vs R \(String(describing: b))")
                }
            }
            #expect(close(Double(curve.n), jsonNumber(expected["records"])))
            #expect(close(curve.events, jsonNumber(expected["events"]), relative: 1e-12))
            #expect(close(curve.median.estimate, jsonNumber(expected["median"])))
            #expect(close(curve.median.lower, jsonNumber(expected["median_lower"])))
            #expect(close(curve.median.upper, jsonNumber(expected["median_upper"])))
            let mean = curve.restrictedMean(tau: tau)
            #expect(close(mean.estimate, jsonNumber(expected["rmean"]), relative: 1e-10), "\(name) rmean")
            #expect(close(mean.standardError, jsonNumber(expected["rmean_se"]), relative: 1e-8), "\(name) se(rmean)")
        }
    }

    @Test("counting-process (start, stop] curves match survfit(Surv(start, stop, event) ~ transplant) on heart")
    func countingProcess() throws {
        let (data, groups) = try SurvfitReference.heart()
        let fit = KaplanMeier.fit(data, groups: groups)
        #expect(!fit.robust)
        expectCurves(fit, try SurvfitReference.load().r["km_counting"] as! [String: Any], variable: "transplant")
    }

    @Test("whole-number weights keep Greenwood's error on weighted counts, as survfit(weights =) on lung")
    func wholeWeights() throws {
        let (data, groups) = try SurvfitReference.lung(weights: SurvfitReference.wholeWeights(228))
        let fit = KaplanMeier.fit(data, groups: groups)
        #expect(!fit.robust)
        expectCurves(fit, try SurvfitReference.load().r["km_whole_weights"] as! [String: Any], variable: "sex")
    }

    @Test("fractional weights switch to the infinitesimal jackknife error, as survfit's robust default on lung")
    func fractionalWeights() throws {
        let (data, groups) = try SurvfitReference.lung(weights: SurvfitReference.fractionalWeights(228))
        let fit = KaplanMeier.fit(data, groups: groups)
        #expect(fit.robust)
        expectCurves(fit, try SurvfitReference.load().r["km_fractional_weights"] as! [String: Any], variable: "sex")
    }

    @Test("start and fractional weights together match survfit on heart (jackknife with delayed entry)")
    func countingFractional() throws {
        let (data, _) = try SurvfitReference.heart(weights: SurvfitReference.fractionalWeights(172))
        let fit = KaplanMeier.fit(data)
        expectCurves(fit, try SurvfitReference.load().r["km_counting_fractional_weights"] as! [String: Any], variable: "")
    }

    @Test("zero weights still give time points, as survfit keeps them (n.risk may reach 0, the curve stays put)")
    func zeroWeights() throws {
        let data = SurvivalData(time: [1, 2, 3, 4, 5], event: [true, true, false, true, true], weights: [1, 0, 1, 0, 1])
        let fit = KaplanMeier.fit(data)
        expectCurves(fit, try SurvfitReference.load().r["km_zero_weights"] as! [String: Any], variable: "")
    }

    @Test("the RMST difference is second minus first with the normal interval from summary(fit, rmean = tau)",
          arguments: ["lung_sex_365", "lung_sex_500_90", "heart_transplant_365"])
    func rmstDifference(name: String) throws {
        let r = (try SurvfitReference.load().r["rmst_difference"] as! [String: Any])[name] as! [String: Any]
        let (data, groups) = name.hasPrefix("lung") ? try SurvfitReference.lung(weights: nil) : try SurvfitReference.heart()
        let confLevel = jsonNumber(r["conf_level"])!
        let fit = KaplanMeier.fit(data, groups: groups, confLevel: confLevel)
        let difference = KaplanMeierMeanDifference(first: fit.curves[0], second: fit.curves[1], tau: jsonNumber(r["tau"])!,
                                                   confLevel: confLevel)
        #expect(close(difference.estimate, jsonNumber(r["estimate"]), relative: 1e-10))
        #expect(close(difference.standardError, jsonNumber(r["se"]), relative: 1e-8))
        #expect(close(difference.lower, jsonNumber(r["lower"]), relative: 1e-8))
        #expect(close(difference.upper, jsonNumber(r["upper"]), relative: 1e-8))
        #expect(close(difference.p, jsonNumber(r["p"]), relative: 1e-6))
    }
}

@Suite("Cumulative incidence and Gray's test against survfit and cmprsk::cuminc")
struct CumulativeIncidenceTests {
    /// mgus2's `etime`, `event` (0 censored, 1 progression, 2 death) and `sex`.
    static func mgus2() throws -> (time: [Double], cause: [Int], sex: [String], age: [Double]) {
        let t = try SurvfitReference.table("mgus2")
        return (t["etime"]!.map { Double($0)! }, t["event"]!.map { Int($0)! }, t["sex"]!, t["age"]!.map { Double($0)! })
    }

    @Test("Aalen-Johansen estimates, jackknife std err and log limits match survfit(Surv(etime, factor(event)))",
          arguments: ["sex", "all", "sex_90"])
    func estimates(name: String) throws {
        let r = ((try SurvfitReference.load().r["cumulative_incidence"] as! [String: Any])[name] as! [String: Any])
        let m = try Self.mgus2()
        let fit = CumulativeIncidence.fit(time: m.time, cause: m.cause, causes: 2, groups: name == "all" ? nil : m.sex,
                                          confLevel: name == "sex_90" ? 0.9 : 0.95)
        let curves = r["curves"] as! [[String: Any]]
        #expect(fit.curves.count == curves.count)
        for (curve, expected) in zip(fit.curves, curves) {
            let label = curve.group.map { "sex=\($0)" } ?? "all"
            #expect(label == expected["strata"] as? String)
            #expect("\(curve.cause)" == expected["event"] as? String)
            let columns: [(String, [Double?], Double)] = [
                ("time", curve.steps.map(\.time), 0), ("n_risk", curve.steps.map(\.nRisk), 0),
                ("estimate", curve.steps.map(\.estimate), 1e-8), ("std_err", curve.steps.map(\.stdErr), 1e-8),
                ("lower", curve.steps.map(\.lower), 1e-8), ("upper", curve.steps.map(\.upper), 1e-8),
            ]
            for (key, mine, tolerance) in columns {
                let theirs = numbers(expected[key])
                #expect(mine.count == theirs.count, "\(label) \(curve.cause) \(key) length")
                for (i, (a, b)) in zip(mine, theirs).enumerated() {
                    #expect(close(a, b, relative: tolerance, absolute: 1e-15),
                            "\(label) event \(curve.cause) \(key)[\(i)]: \(String(describing: a)) vs R \(String(describing: b))")
                }
            }
        }
    }

    @Test("Gray's test per event type matches cuminc(etime, event, group)$Tests", arguments: ["gray_sex", "gray_ageband"])
    func gray(name: String) throws {
        let r = ((try SurvfitReference.load().r["cumulative_incidence"] as! [String: Any])[name] as! [String: Any])
        let m = try Self.mgus2()
        let labels = name == "gray_sex" ? m.sex : m.age.map { $0 < 65 ? "a" : $0 < 75 ? "b" : "c" }
        let levels = KaplanMeier.factorLevels(labels)
        let group = labels.map { levels.firstIndex(of: $0)! }
        let stat = numbers(r["stat"]), pv = numbers(r["pv"]), df = numbers(r["df"])
        for cause in 1...2 {
            let test = GrayTest.test(time: m.time, cause: m.cause, of: cause, group: group, groups: levels.count)
            #expect(close(test.statistic, stat[cause - 1], relative: 1e-6), "event \(cause) stat")
            #expect(Double(test.df) == df[cause - 1])
            // cuminc's 1 - pchisq() is 0 below 1e-16; the upper tail computed directly is not.
            #expect(close(test.p, pv[cause - 1], relative: 1e-6, absolute: 1e-15), "event \(cause) p")
        }
    }

    @Test("a singular variance (one group with all the events) gives no statistic instead of a number")
    func singular() {
        let test = GrayTest.test(time: [1, 2, 3, 4], cause: [0, 0, 0, 0], of: 1, group: [0, 0, 1, 1], groups: 2)
        #expect(test.statistic == nil && test.p == nil && test.df == 1)
    }
}
