import Testing
@testable import StudyStats

/// `CoxZph.compute` against `survival::cox.zph(fit, transform = "km")` (survival 3.5-3): the
/// `cox_zph` entries of the reference files (lung, efron and breslow fits).
@Suite("Cox proportional-hazards test against R")
struct CoxZphTests {
    static let cases: [(dataset: String, ties: CoxTies)] = ReferenceData.names.flatMap { name in
        CoxTies.allCases.map { (name, $0) }
    }.filter { (try? ReferenceData.load($0.0).value(["cox_zph", $0.1.rawValue])) != nil }

    @Test("per-term and global chi-square, df and p match cox.zph within 1e-5", arguments: cases)
    func zph(dataset: String, ties: CoxTies) throws {
        let fixture = try CoxReferenceFixture.load(dataset)
        let r = try #require(fixture.reference.value(["cox_zph", ties.rawValue]) as? [String: Any])
        #expect(r["transform"] as? String == "km")
        let design = try CoxDesign.build(fixture.variables(formula: try #require(r["model"] as? String)))
        let model = try CoxModel.fit(fixture.survival, design: design, ties: ties)
        let zph = CoxZph.compute(fixture.survival, design: design, model: model)

        let names = try #require(r["term"] as? [String])
        let chisq = try #require(r["chisq"] as? [Double])
        let df = try #require(r["df"] as? [Double])
        let p = try #require(r["p"] as? [Double])
        let rows = zph.terms.map { ($0.name, $0.test) } + [("GLOBAL", zph.global)]
        try #require(rows.count == names.count)
        for (k, (name, test)) in rows.enumerated() {
            #expect(name == names[k])
            #expect(close(test.statistic, chisq[k], relative: 1e-5), "\(name) chisq \(test.statistic) vs R \(chisq[k])")
            #expect(Double(test.degreesOfFreedom) == df[k], "\(name) df")
            #expect(close(test.p, p[k], relative: 1e-5), "\(name) p \(test.p) vs R \(p[k])")
        }
    }
}
