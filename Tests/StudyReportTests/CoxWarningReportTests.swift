import Testing
@testable import StudyReport

/// A Cox term whose coefficient may be infinite (monotone likelihood) is marked wherever the
/// report shows it: the Cox table (dagger and note) and the forest plot (dagger, footnote, desc).
@Suite struct CoxWarningReportTests {
    static let warning = "loglik converged before 'liver'; the coefficient may be infinite (monotone likelihood)"
    static let separated = CoxResult(n: 12, events: 9, terms: [
        .init(term: "liver", coef: 22.2, hr: 4.4e9, se: 19360.8, p: 0.9991, hrLower: 0, hrUpper: nil, mayBeInfinite: true),
        .init(term: "age", coef: -0.0005, hr: 0.9995, se: 0.0475, p: 0.99, hrLower: 0.91, hrUpper: 1.1),
    ], warnings: [warning])

    @Test("the Cox table marks the term with a dagger and its note says why and repeats the warning")
    func table() {
        let table = ReportTable.cox(Self.separated)
        #expect(table.rows.map { $0[0] } == ["liver †", "age"])
        #expect(table.note == "n = 12, 9 events. † The coefficient may be infinite (monotone likelihood): its SE, p and "
            + "interval are not meaningful. Warning: \(Self.warning).")
    }

    @Test("the forest plot marks the term, adds a footnote and says it in its description")
    func forest() {
        let chart = ForestChart(models: [.init(label: "", result: Self.separated)], title: "F")
        let svg = chart.svg(id: "x")
        #expect(svg.contains(">liver †</text>"))
        #expect(svg.contains(">† The coefficient may be infinite (monotone likelihood): its SE, p and interval are not meaningful.</text>"))
        #expect(chart.description.contains(", coefficient may be infinite (monotone likelihood)"))
    }

    @Test("results without warnings render as before: no dagger, no footnote")
    func unchanged() {
        let svg = ForestChart(models: [.init(label: "", result: Fixtures.cox)], title: "F").svg(id: "x")
        #expect(!svg.contains("†"))
        #expect(ReportTable.cox(Fixtures.cox).note == "n = 228, 165 events. Concordance 0.637.")
    }
}
