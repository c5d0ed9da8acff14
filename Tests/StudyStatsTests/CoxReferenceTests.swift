import Foundation
import Testing
@testable import StudyStats

/// `CoxModel.fit` against `survival::coxph` (R 4.2.2, survival 3.5-3) on lung, ovarian, colon
/// and rossi: every number of `cox.univariable` / `cox.multivariable` in `NAME.r-survival.json`.
@Suite("Cox regression against R")
struct CoxReferenceTests {
    /// One fitted model of a reference file: data set, `univariable`/`multivariable`, ties.
    struct Case: CustomStringConvertible, Sendable {
        let dataset: String
        let model: String
        let ties: CoxTies
        var description: String { "\(dataset) \(model) \(ties.rawValue)" }
    }

    static let cases: [Case] = ReferenceData.names.flatMap { dataset in
        ["univariable", "multivariable"].flatMap { model in
            CoxTies.allCases.map { Case(dataset: dataset, model: model, ties: $0) }
        }
    }

    /// Fits the model the reference's `formula` names; returns the fit and R's result.
    static func fit(_ c: Case) throws -> (CoxModel, CoxDesign, [String: Any], CoxReferenceFixture) {
        let fixture = try CoxReferenceFixture.load(c.dataset)
        let r = try #require(fixture.reference.value(["cox", c.model, c.ties.rawValue]) as? [String: Any])
        let formula = try #require(r["formula"] as? String)
        let design = try CoxDesign.build(fixture.variables(formula: formula))
        let model = try CoxModel.fit(fixture.survival, design: design, ties: c.ties)
        return (model, design, r, fixture)
    }

    @Test("coefficient table, variance, log-likelihoods and tests match coxph within 1e-6", arguments: cases)
    func coefficients(_ c: Case) throws {
        let (model, design, r, fixture) = try Self.fit(c)
        #expect(model.count == r["n"] as? Int)
        #expect(model.eventCount == r["nevent"] as? Int)
        #expect(design.omittedCount == r["n_omitted_na"] as? Int)
        #expect(model.iterations == r["iter"] as? Int)
        #expect(model.warnings.isEmpty)

        let table = try #require(r["coefficients"] as? [String: Any])
        let terms = try #require(table["term"] as? [String])
        #expect(model.terms.map(fixture.rName) == terms)
        func column(_ key: String) -> [Double] { (table[key] as? [Any] ?? []).map { ($0 as? Double) ?? .nan } }
        let expected: [(String, KeyPath<CoxCoefficient, Double>)] = [
            ("coef", \.coefficient), ("exp.coef", \.hazardRatio), ("se.coef", \.standardError), ("z", \.z),
            ("p", \.p), ("lower.95.HR", \.lowerHazardRatio95), ("upper.95.HR", \.upperHazardRatio95),
        ]
        for (key, path) in expected {
            let values = column(key)
            try #require(values.count == model.coefficients.count)
            for (k, coefficient) in model.coefficients.enumerated() {
                #expect(close(coefficient[keyPath: path], values[k], relative: 1e-6, absolute: 1e-9),
                        "\(key) of \(terms[k]): \(coefficient[keyPath: path]) vs R \(values[k])")
            }
        }
        let variance = try #require(r["var"] as? [[Double]])
        for i in variance.indices {
            for j in variance[i].indices {
                #expect(close(model.variance[i][j], variance[i][j], relative: 1e-6, absolute: 1e-9),
                        "var[\(i)][\(j)]: \(model.variance[i][j]) vs R \(variance[i][j])")
            }
        }
        let loglik = try #require(r["loglik"] as? [String: Double])
        #expect(close(model.logLikelihoodNull, loglik["null"], relative: 1e-6, absolute: 1e-9))
        #expect(close(model.logLikelihoodFit, loglik["fit"], relative: 1e-6, absolute: 1e-9))
        let tests: [(String, CoxTest)] = [
            ("likelihood_ratio_test", model.likelihoodRatioTest), ("wald_test", model.waldTest),
            ("score_test", model.scoreTest),
        ]
        for (key, test) in tests {
            let expected = try #require(r[key] as? [String: Double])
            #expect(close(test.statistic, expected["test"], relative: 1e-6, absolute: 1e-9), "\(key) statistic")
            #expect(Double(test.degreesOfFreedom) == expected["df"], "\(key) df")
            #expect(close(test.p, expected["p"], relative: 1e-6, absolute: 1e-9), "\(key) p: \(test.p) vs R \(expected["p"]!)")
        }
    }

    @Test("concordance matches coxph within 1e-9 and its standard error within 1e-6", arguments: cases)
    func concordance(_ c: Case) throws {
        let (model, _, r, _) = try Self.fit(c)
        let expected = try #require(r["concordance"] as? [String: Double])
        let concordance = try #require(model.concordance)
        #expect(close(concordance.concordance, expected["C"], absolute: 1e-9),
                "C \(concordance.concordance) vs R \(expected["C"]!)")
        #expect(close(concordance.standardError, expected["se"], relative: 1e-6),
                "se \(concordance.standardError) vs R \(expected["se"]!)")
        #expect(Double(concordance.concordant) == expected["concordant"])
        #expect(Double(concordance.discordant) == expected["discordant"])
        #expect(Double(concordance.tiedX) == expected["tied.x"])
        #expect(Double(concordance.tiedY) == expected["tied.y"])
        #expect(Double(concordance.tiedXY) == expected["tied.xy"])
    }
}

/// A reference data set with its text columns (categories such as colon's `rx`), which
/// `ReferenceData` reads as missing numbers.
struct CoxReferenceFixture {
    let reference: ReferenceData
    /// Column name → raw cells, `nil` for empty or NA.
    let text: [String: [String?]]
    let survival: SurvivalData
    /// Categorical columns and their levels (reference first), from the JSON's `factor_levels`.
    let factorLevels: [String: [String]]

    static func load(_ name: String) throws -> CoxReferenceFixture {
        let reference = try ReferenceData.load(name)
        let text = reference.text
        let lhs = try #require(reference.value(["surv_formula_lhs"]) as? String)
        let names = lhs.dropFirst("Surv(".count).dropLast().split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let time = try #require(reference.columns[names[0]]).map { $0! }
        let event = try #require(reference.columns[names[1]]).map { $0! == 1 }
        let levels = reference.value(["factor_levels"]) as? [String: [String]] ?? [:]
        return CoxReferenceFixture(
            reference: reference, text: text, survival: SurvivalData(time: time, event: event), factorLevels: levels)
    }

    /// The main-effect variables of an R formula such as `Surv(time, status) ~ rx + age`.
    func variables(formula: String) throws -> [CoxVariable] {
        let rhs = try #require(formula.split(separator: "~").last)
        return try rhs.split(separator: "+").map { part in
            let name = part.trimmingCharacters(in: .whitespaces)
            if let levels = factorLevels[name] {
                return CoxVariable(name, .categorical(try #require(text[name]), levels: levels))
            }
            return CoxVariable(name, .numeric(try #require(reference.columns[name])))
        }
    }

    /// R's name of a term: `rx=Lev` is `rxLev` in R.
    func rName(_ term: String) -> String { term.replacingOccurrences(of: "=", with: "") }
}
