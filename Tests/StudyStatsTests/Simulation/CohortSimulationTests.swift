import Foundation
import Testing
@testable import StudyStats

/// Virtual cohorts: the project's Cox fit recovers the true log hazard ratios, the censoring
/// fraction matches its numerically integrated expectation, and patients do not depend on chunking.
@Suite("Cohort simulation")
struct CohortSimulationTests {
    /// The flagship's negative-control cohort: liver metastasis hurts under immunotherapy only.
    static let model: CohortModel = {
        let strata = CohortFactor(name: "cancer", levels: ["NSCLC", "melanoma", "urothelial", "RCC"],
                                  proportions: [0.4, 0.3, 0.15, 0.15])
        let arms = CohortFactor(name: "treatment", levels: ["chemotherapy", "immunotherapy"], proportions: [0.45, 0.55])
        let ecog = CohortFactor(name: "ecog", levels: ["0", "1", "2"], proportions: [0.45, 0.45, 0.1])
        var model = CohortModel(
            strata: strata,
            baselines: [WeibullBaseline(shape: 1.1, median: 12), WeibullBaseline(shape: 0.8, median: 30),
                        WeibullBaseline(shape: 1.3, median: 10), WeibullBaseline(shape: 1.0, median: 24)],
            arms: arms,
            covariates: [.binary(name: "liver", prevalence: [0.25, 0.15, 0.3, 0.2]),
                         .normal(name: "age", mean: 64, sd: 10), .categorical(ecog)],
            effects: [], censoring: CohortCensoring(accrual: 24, followUp: 18, dropout: 0.01))
        let truth: [(String, Double)] = [
            ("treatment=immunotherapy", -0.3), ("liver", 0.05), ("age", 0.015), ("ecog=1", 0.3), ("ecog=2", 0.7),
            ("liver:treatment=immunotherapy", 0.45),
        ]
        model.effects = truth.map { name, value in
            CohortEffect(term: name, factors: try! model.term(named: name).get(), logHazardRatio: value)
        }
        return model
    }()

    @Test("term names follow CoxDesign and wrong ones say why")
    func termNames() throws {
        let m = Self.model
        #expect(try m.term(named: "liver:treatment=immunotherapy").get() == [.value(variable: 2, centre: 0), .indicator(variable: 1, level: 1)])
        #expect(try m.term(named: "age").get() == [.value(variable: 3, centre: 64)])
        #expect(m.term(named: "treatment=chemotherapy") == .failure(.referenceLevel(term: "treatment=chemotherapy", variable: "treatment", level: "chemotherapy")))
        #expect(m.term(named: "cancer=RCC") == .failure(.strataMainEffect(term: "cancer=RCC")))
        #expect(m.term(named: "ecog").map { _ in 0 } == .failure(.factorWithoutLevel(term: "ecog", variable: "ecog", example: "1")))
        #expect(m.term(named: "livr").map { _ in 0 } == .failure(.unknownVariable(term: "livr", variable: "livr", known: m.variableNames)))
    }

    @Test("200,000 patients: stratified Cox recovers every true log HR within 3 SE; censoring matches its integral")
    func coxRecoversTruth() throws {
        let n = 200_000
        // Six terms checked at 3 SE each fail together by chance about 1.6 % of the time; seed 1 is
        // the first tried. (Seed 2 passes too; seed 20260527 puts ecog=2 at 3.8 SE, 0.665 vs 0.7.)
        let sample = CohortSimulation.simulate(Self.model, count: n, seed: 1, threads: 2)
        let levels = { (v: Int, names: [String]) in sample.values[v].map { Optional(names[Int($0)]) } }
        let design = try CoxDesign.build([
            CoxVariable("treatment", .categorical(levels(1, Self.model.arms.levels), levels: Self.model.arms.levels)),
            CoxVariable("liver", .boolean(sample.values[2].map { $0 == 1 })),
            CoxVariable("age", .numeric(sample.values[3])),
            CoxVariable("ecog", .categorical(levels(4, ["0", "1", "2"]), levels: ["0", "1", "2"])),
        ], interactions: [["liver", "treatment"]])
        let fit = try CoxModel.fit(SurvivalData(time: sample.time, event: sample.event), design: design,
                                   strata: sample.values[0].map { Int($0) })
        for effect in Self.model.effects {
            let c = try #require(fit.coefficients.first { $0.term == effect.term }, "term \(effect.term)")
            #expect(abs(c.coefficient - effect.logHazardRatio) <= 3 * c.standardError,
                    "\(effect.term): \(c.coefficient) ± \(c.standardError) vs \(effect.logHazardRatio)")
        }

        let expected = Self.expectedEventFraction(Self.model)
        let observed = Double(sample.event.filter { $0 }.count) / Double(n)
        let se = (expected * (1 - expected) / Double(n)).squareRoot()
        #expect(abs(observed - expected) <= 3 * se, "event fraction \(observed) vs integral \(expected)")
    }

    /// E[P(event)] over the covariate distribution: a sum over strata, arms, liver and ECOG, and
    /// Simpson's rule over the standard-normal age score, of the integral in `EventProbability`.
    static func expectedEventFraction(_ model: CohortModel) -> Double {
        guard case let .binary(_, prevalence) = model.covariates[0], case let .normal(_, _, sd) = model.covariates[1],
              case let .categorical(ecog) = model.covariates[2] else { return .nan }
        let effect = Dictionary(uniqueKeysWithValues: model.effects.map { ($0.term, $0.logHazardRatio) })
        var total = 0.0
        for (s, ps) in model.strata.proportions.enumerated() {
            let baseline = model.baselines[s]
            for (a, pa) in model.arms.proportions.enumerated() {
                for liver in 0...1 {
                    let pl = liver == 1 ? prevalence[s] : 1 - prevalence[s]
                    for (e, pe) in ecog.proportions.enumerated() {
                        var eta = Double(a) * effect["treatment=immunotherapy"]! + Double(liver) * effect["liver"]!
                            + Double(liver * a) * effect["liver:treatment=immunotherapy"]!
                        if e > 0 { eta += effect["ecog=\(e)"]! }
                        let overAge = EventProbability.simpson(-8, 8, intervals: 64) { z in
                            let risk = exp(eta + effect["age"]! * sd * z)
                            let p = EventProbability.observed(
                                cdf: { 1 - exp(-pow($0 / baseline.scale, baseline.shape) * risk) },
                                accrual: model.censoring.accrual, followUp: model.censoring.followUp,
                                dropout: model.censoring.dropout, intervals: 400)
                            return p * exp(-z * z / 2) / (2 * Double.pi).squareRoot()
                        }
                        total += ps * pa * pl * pe * overAge
                    }
                }
            }
        }
        return total
    }

    @Test("a patient is the same in any chunk size, thread count or cohort size; the seed changes it")
    func deterministic() {
        let reference = CohortSimulation.simulate(Self.model, count: 1000, seed: 4)
        for (chunk, threads) in [(1, 2), (7, 3), (333, 2), (5000, 1)] {
            #expect(CohortSimulation.simulate(Self.model, count: 1000, seed: 4, threads: threads, chunkSize: chunk) == reference)
        }
        let prefix = CohortSimulation.simulate(Self.model, count: 400, seed: 4)
        #expect(prefix.time == Array(reference.time.prefix(400)))
        #expect(prefix.values.map { Array($0) } == reference.values.map { Array($0.prefix(400)) })
        #expect(CohortSimulation.simulate(Self.model, count: 1000, seed: 5).time != reference.time)
    }

    @Test("proportions and prevalences are realised: strata and per-stratum liver rates fit by chi-square")
    func proportions() {
        let sample = CohortSimulation.simulate(Self.model, count: 40_000, seed: 6, threads: 2)
        var counts = [Int](repeating: 0, count: 4)
        var liver = [Int](repeating: 0, count: 4)
        for i in 0..<sample.count {
            let s = Int(sample.values[0][i])
            counts[s] += 1
            if sample.values[2][i] == 1 { liver[s] += 1 }
        }
        #expect(RandomStreamTests.chiSquareP(counts, Self.model.strata.proportions) > 0.001)
        for s in 0..<4 {
            let p = [0.25, 0.15, 0.3, 0.2][s]
            #expect(RandomStreamTests.chiSquareP([counts[s] - liver[s], liver[s]], [1 - p, p]) > 0.001, "stratum \(s)")
        }
    }
}
