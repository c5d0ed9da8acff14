import Foundation
import Testing
@testable import StudyStats

/// `FineGray` against R: `finegray()` + `coxph(Surv(fgstart, fgstop, fgstatus) ~ age + sex + hgb,
/// weights = fgwt)` on mgus2 (complete rows), causes 1 and 2, Efron and Breslow
/// (`cox-breadth.r-survival.json`, written by `Reference/cox-breadth.R`).
@Suite("Fine-Gray against R finegray + weighted coxph")
struct FineGrayReferenceTests {
    struct Case: CustomStringConvertible, Sendable {
        var cause: Int
        var ties: CoxTies
        /// Clustered by patient (`cluster = id`) instead of R's default of each expanded row alone.
        var cluster = false
        var description: String { "finegray_cause\(cause)_\(cluster ? "cluster_" : "")\(ties.rawValue)" }
    }

    static let cases = [1, 2].flatMap { cause in CoxTies.allCases.map { Case(cause: cause, ties: $0) } }
    static let clustered = CoxTies.allCases.map { Case(cause: 1, ties: $0, cluster: true) }

    static func fit(_ c: Case) throws -> (CoxModel, FineGray, [String: Any]) {
        let data = try ReferenceData.load("mgus2", results: "cox-breadth")
        let r = try #require(data.value([c.description]) as? [String: Any])
        let n = data.columns["etime"]!.count
        let rows = (0..<n).filter { r in
            ["etime", "event", "age", "hgb"].allSatisfy { data.columns[$0]![r] != nil } && data.text["sex"]![r] != nil
        }
        let design = try CoxDesign.build([
            CoxVariable("age", .numeric(rows.map { data.columns["age"]![$0] })),
            CoxVariable("sex", .categorical(rows.map { data.text["sex"]![$0] }, levels: ["F", "M"])),
            CoxVariable("hgb", .numeric(rows.map { data.columns["hgb"]![$0] })),
        ])
        let (model, expansion) = try FineGray.fit(
            time: rows.map { data.columns["etime"]![$0]! }, status: rows.map { Int(data.columns["event"]![$0]!) },
            cause: c.cause, design: design, cluster: c.cluster ? rows.map { Int(data.columns["id"]![$0]!) } : nil, ties: c.ties)
        return (model, expansion, r)
    }

    @Test("the expanded data have R's rows, weights and events", arguments: cases)
    func expansion(_ c: Case) throws {
        let (_, expansion, r) = try Self.fit(c)
        let data = expansion.data
        #expect(data.count == r["rows"] as? Int)
        #expect(data.event.filter { $0 }.count == r["fgstatus_sum"] as? Int)
        let weights = try #require(data.weights)
        #expect(close(weights.reduce(0, +), r["fgwt_sum"] as? Double, relative: 1e-12))
        #expect(close(zip(weights, data.time).reduce(0) { $0 + $1.0 * $1.1 }, r["fgwt_stop_sum"] as? Double, relative: 1e-12))
    }

    @Test("coef, se, robust se, z, p, interval and tests match R within 1e-6, clustered by patient too", arguments: cases + clustered)
    func coefficients(_ c: Case) throws {
        let (model, _, r) = try Self.fit(c)
        #expect(model.eventCount == r["nevent"] as? Int)
        #expect(model.iterations == r["iter"] as? Int)
        for (j, row) in model.coefficients.enumerated() {
            let columns: [(String, Double?)] = [
                ("coef", row.coefficient), ("se", row.standardError), ("robust_se", row.robustStandardError), ("z", row.z),
                ("p", row.p), ("hr_lower", row.lowerHazardRatio95), ("hr_upper", row.upperHazardRatio95),
            ]
            for (name, value) in columns {
                let expected = (r[name] as? [Double])?[j]
                #expect(close(value, expected, relative: 1e-6), "\(c) \(row.term) \(name): \(String(describing: value)) vs R \(String(describing: expected))")
            }
        }
        let tests: [(String, Double?)] = [
            ("loglik_null", model.logLikelihoodNull), ("loglik_fit", model.logLikelihoodFit),
            ("likelihood_ratio", model.likelihoodRatioTest.statistic), ("wald", model.waldTest.statistic),
            ("score", model.scoreTest.statistic), ("robust_score", model.robustScoreTest?.statistic),
        ]
        for (name, value) in tests {
            #expect(close(value, r[name] as? Double, relative: 1e-6), "\(c) \(name): \(String(describing: value)) vs R \(String(describing: r[name]))")
        }
    }

    @Test("censoring distribution: failures at a censoring time leave its risk set first")
    func censoringTies() {
        // Times 1 (event), 2 (censored, event), 3 (censored): G(2) = 1 - 1/2 (the event at 2 is not
        // exposed to censoring at 2); G(3) = 0.
        let cuts = FineGray.censoringCuts(time: [1, 2, 2, 3], status: [1, 0, 2, 0])
        #expect(cuts.times == [2, 3])
        #expect(cuts.survival == [0.5, 0])
    }

    @Test("a competing event is carried past its time with weight G(t)/G(its time) over intervals holding a cause event")
    func expandsCompetingEvent() {
        // Subject 1 fails of cause 2 at 1; censorings at 2 and 4; cause 1 events at 3 and 5.
        let fg = FineGray.expand(time: [1, 2, 3, 4, 5, 6], status: [2, 0, 1, 0, 1, 0], cause: 1)
        // G: after 2, 1 - 1/5 = 0.8; after 4, 0.8 · (1 - 1/3); after 6, 0.
        #expect(fg.source == [0, 0, 0, 1, 2, 3, 4, 5])
        #expect(fg.data.start == [0, 2, 4, 0, 0, 0, 0, 0])
        #expect(fg.data.time == [2, 4, 6, 2, 3, 4, 5, 6])
        #expect(fg.data.event == [false, false, false, false, true, false, true, false])
        let w = fg.data.weights!
        #expect(w[0] == 1 && w[1] == 0.8 && abs(w[2] - 0.8 * 2 / 3) < 1e-15)
    }
}
