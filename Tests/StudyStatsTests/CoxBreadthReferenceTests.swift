import Foundation
import Testing
@testable import StudyStats

/// `CoxModel.fit` with counting-process rows, several strata columns, clusters and case weights
/// against `survival::coxph` (R 4.2.2, survival 3.5-3): every fit of `cox-breadth.r-survival.json`
/// (written by `Reference/cox-breadth.R`), Efron and Breslow, to 1e-6 relative.
@Suite("Cox breadth against R: start/stop, strata(a, b), cluster, weights")
struct CoxBreadthReferenceTests {
    /// One coxph call of the reference file, spelled as the data it needs.
    struct Case: CustomStringConvertible, Sendable {
        var key: String
        var csv: String
        var time: String
        var event: String
        var start: String? = nil
        var weights: String? = nil
        var covariates: [String]
        var strata: [String] = []
        var cluster: String? = nil
        var ties: CoxTies
        var description: String { "\(key)_\(ties.rawValue)" }
    }

    static let shapes: [Case] = [
        Case(key: "heart", csv: "cox-breadth-heart", time: "stop", event: "event", start: "start",
             covariates: ["age", "surgery", "transplant"], ties: .efron),
        Case(key: "heart_cluster", csv: "cox-breadth-heart", time: "stop", event: "event", start: "start",
             covariates: ["age", "surgery", "transplant"], cluster: "id", ties: .efron),
        Case(key: "heart_weighted", csv: "cox-breadth-heart", time: "stop", event: "event", start: "start", weights: "w_frac",
             covariates: ["age", "surgery", "transplant"], ties: .efron),
        Case(key: "heart_weighted_cluster", csv: "cox-breadth-heart", time: "stop", event: "event", start: "start",
             weights: "w_int", covariates: ["age", "surgery", "transplant"], cluster: "id", ties: .efron),
        Case(key: "heart_strata_all", csv: "cox-breadth-heart", time: "stop", event: "event", start: "start", weights: "w_frac",
             covariates: ["age", "transplant"], strata: ["surgery"], cluster: "id", ties: .efron),
        Case(key: "lung_strata2", csv: "lung", time: "time", event: "status", covariates: ["age", "wt.loss"],
             strata: ["sex", "ph.ecog"], ties: .efron),
        Case(key: "colon_strata2", csv: "colon", time: "time", event: "status", covariates: ["age", "nodes"],
             strata: ["sex", "rx"], ties: .efron),
        Case(key: "lung_cluster", csv: "lung", time: "time", event: "status", covariates: ["age", "sex", "ph.ecog"],
             cluster: "inst", ties: .efron),
        Case(key: "lung_cluster_strata", csv: "lung", time: "time", event: "status", covariates: ["age", "ph.ecog"],
             strata: ["sex"], cluster: "inst", ties: .efron),
        Case(key: "rossi_w_int", csv: "cox-breadth-rossi", time: "week", event: "arrest", weights: "w_int",
             covariates: ["fin", "age", "prio"], ties: .efron),
        Case(key: "rossi_w_frac", csv: "cox-breadth-rossi", time: "week", event: "arrest", weights: "w_frac",
             covariates: ["fin", "age", "prio"], ties: .efron),
    ]
    static let cases: [Case] = shapes.flatMap { shape in
        CoxTies.allCases.map { ties in
            var c = shape
            c.ties = ties
            return c
        }
    }

    /// Codes for the combinations of several text columns, in first-seen order.
    static func codes(_ columns: [[String?]], rows: [Int]) -> [Int] {
        var index = [[String]: Int]()
        return rows.map { r in
            let key = columns.map { $0[r]! }
            if let known = index[key] { return known }
            index[key] = index.count
            return index[key]!
        }
    }

    /// The fit of `c` on its complete rows, and R's numbers for it.
    static func fit(_ c: Case) throws -> (CoxModel, [String: Any]) {
        let data = try ReferenceData.load(c.csv, results: "cox-breadth")
        let r = try #require(data.value([c.description]) as? [String: Any])
        let numeric = [c.time, c.event] + c.covariates + [c.start, c.weights].compactMap { $0 }
        let labels = c.strata + [c.cluster].compactMap { $0 }
        let n = data.columns[c.time]!.count
        let rows = (0..<n).filter { r in
            numeric.allSatisfy { data.columns[$0]![r] != nil } && labels.allSatisfy { data.text[$0]![r] != nil }
        }
        let survival = SurvivalData(
            time: rows.map { data.columns[c.time]![$0]! }, event: rows.map { data.columns[c.event]![$0]! != 0 },
            start: c.start.map { s in rows.map { data.columns[s]![$0]! } },
            weights: c.weights.map { w in rows.map { data.columns[w]![$0]! } })
        let design = try CoxDesign.build(c.covariates.map { name in CoxVariable(name, .numeric(rows.map { data.columns[name]![$0] })) })
        let strata = c.strata.isEmpty ? nil : codes(c.strata.map { data.text[$0]! }, rows: rows)
        let cluster = c.cluster.map { codes([data.text[$0]!], rows: rows) }
        let model = try CoxModel.fit(survival, design: design, strata: strata, cluster: cluster, ties: c.ties)
        return (model, r)
    }

    @Test("coef, se, robust se, z, p, interval, variance, log-likelihoods and tests match coxph within 1e-6", arguments: cases)
    func coefficients(_ c: Case) throws {
        let (model, r) = try Self.fit(c)
        #expect(model.count == r["n"] as? Int)
        #expect(model.eventCount == r["nevent"] as? Int)
        #expect(model.iterations == r["iter"] as? Int)
        #expect(model.warnings.isEmpty)
        #expect(model.coefficients.map(\.term) == r["term"] as? [String])
        let robust = r["robust_se"] as? [Double]
        for (j, row) in model.coefficients.enumerated() {
            let columns: [(String, Double?)] = [
                ("coef", row.coefficient), ("se", row.standardError), ("robust_se", row.robustStandardError), ("z", row.z),
                ("p", row.p), ("hr_lower", row.lowerHazardRatio95), ("hr_upper", row.upperHazardRatio95),
            ]
            for (name, value) in columns {
                let expected = (r[name] as? [Double])?[j]
                #expect(close(value, expected, relative: 1e-6, absolute: name == "p" ? 1e-12 : 0),
                        "\(c) \(row.term) \(name): \(String(describing: value)) vs R \(String(describing: expected))")
            }
        }
        #expect((robust == nil) == (model.robustScoreTest == nil), "\(c): robust fit exactly when R's is")
        let p = model.terms.count
        let variance = try #require(r["var"] as? [Double])
        let naive = try #require(r["naive_var"] as? [Double])
        for i in 0..<p {
            for j in 0..<p {
                #expect(close(model.variance[i][j], variance[j * p + i], relative: 1e-6, absolute: 1e-15), "\(c) var[\(i)][\(j)]")
                let own = (model.naiveVariance ?? model.variance)[i][j]
                #expect(close(own, naive[j * p + i], relative: 1e-6, absolute: 1e-15), "\(c) naive var[\(i)][\(j)]")
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

    @Test("concordance matches coxph (clustered standard error too); weighted and counting-process fits report none", arguments: cases)
    func concordance(_ c: Case) throws {
        let (model, r) = try Self.fit(c)
        guard c.start == nil && c.weights == nil else {
            #expect(model.concordance == nil)
            return
        }
        let concordance = try #require(model.concordance)
        #expect(close(concordance.concordance, r["concordance"] as? Double, absolute: 1e-9), "\(c) C")
        #expect(close(concordance.standardError, r["concordance_se"] as? Double, relative: 1e-6),
                "\(c) C se \(concordance.standardError) vs R \(String(describing: r["concordance_se"]))")
    }

    @Test("robust: false keeps the model-based variance even with a cluster; robust: true without cluster takes each row alone")
    func robustOverride() throws {
        let c = Self.cases.first { $0.key == "rossi_w_frac" }!
        let (fitted, _) = try Self.fit(c)
        let data = try ReferenceData.load(c.csv, results: "cox-breadth")
        let survival = SurvivalData(time: data.columns["week"]!.map { $0! }, event: data.columns["arrest"]!.map { $0! != 0 })
        let design = try CoxDesign.build(c.covariates.map { CoxVariable($0, .numeric(data.columns[$0]!)) })
        let plain = try CoxModel.fit(survival, design: design, cluster: Array(0..<survival.count), robust: false)
        #expect(plain.naiveVariance == nil && plain.robustScoreTest == nil && plain.coefficients.allSatisfy { $0.robustStandardError == nil })
        let alone = try CoxModel.fit(survival, design: design, robust: true)
        let byRow = try CoxModel.fit(survival, design: design, cluster: Array(0..<survival.count))
        #expect(alone.variance == byRow.variance)
        #expect(fitted.robustScoreTest != nil)
    }
}

@Suite("Cox weights and robust variance edge cases")
struct CoxWeightEdgeTests {
    static let survival = SurvivalData(time: [1, 2, 3, 4, 5, 6], event: [true, false, true, true, false, true])
    static let design = CoxDesign(terms: ["x"], columns: [[0.5, 1, 0, 2, 1.5, 3]])

    @Test("a zero or non-finite weight is refused as R's coxph refuses it")
    func invalidWeights() {
        for bad in [0.0, -1, .nan, .infinity] {
            var data = Self.survival
            data.weights = [1, 1, bad, 1, 1, 1]
            do {
                _ = try CoxModel.fit(data, design: Self.design)
                Issue.record("weight \(bad) was accepted")
            } catch let error as CoxError {
                #expect(error.description == "weight \(bad) of row 3 is not a positive number (R's coxph refuses it); drop the row or give it a positive weight")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    /// Breslow only: under Efron copies of a death are tied deaths, which a weighted death is not (R alike).
    @Test("integer weights equal repeated rows under Breslow: same coefficients, loglik and model-based variance")
    func integerWeightsAreCopies() throws {
        var weighted = Self.survival
        weighted.weights = [1, 2, 1, 3, 1, 2]
        let copies = [0, 1, 1, 2, 3, 3, 3, 4, 5, 5]
        let repeated = SurvivalData(time: copies.map { Self.survival.time[$0] }, event: copies.map { Self.survival.event[$0] })
        let repeatedDesign = CoxDesign(terms: ["x"], columns: [copies.map { Self.design.columns[0][$0] }])
        do {
            let a = try CoxModel.fit(weighted, design: Self.design, ties: .breslow)
            let b = try CoxModel.fit(repeated, design: repeatedDesign, ties: .breslow)
            #expect(close(a.coefficients[0].coefficient, b.coefficients[0].coefficient, relative: 1e-10))
            #expect(close(a.logLikelihoodFit, b.logLikelihoodFit, relative: 1e-10))
            #expect(close(a.variance[0][0], b.variance[0][0], relative: 1e-9))
            #expect(a.naiveVariance == nil)
        }
    }

    @Test("a start at or after every event time leaves the row out of every risk set: the same fit as dropping it")
    func lateEntryOnlyCensored() throws {
        var data = Self.survival
        data.start = [0, 0, 0, 0, 0, 6.5]
        data.time[5] = 7
        data.event[5] = false
        let kept = [0, 1, 2, 3, 4]
        let dropped = SurvivalData(time: kept.map { Self.survival.time[$0] }, event: kept.map { Self.survival.event[$0] })
        let a = try CoxModel.fit(data, design: Self.design)
        let b = try CoxModel.fit(dropped, design: CoxDesign(terms: ["x"], columns: [kept.map { Self.design.columns[0][$0] }]))
        #expect(close(a.coefficients[0].coefficient, b.coefficients[0].coefficient, relative: 1e-10))
        #expect(close(a.coefficients[0].standardError, b.coefficients[0].standardError, relative: 1e-10))
    }
}
