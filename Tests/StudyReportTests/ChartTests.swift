import Testing
import _StudyTestSupport
@testable import StudyReport

/// The three figures against golden SVG files, plus the properties a reader relies on.
@Suite struct ChartTests {
    static let km = KaplanMeierChart(result: Fixtures.kaplanMeier, logRank: Fixtures.logRank,
                                     title: "Overall survival by liver metastasis", xLabel: "Time (months)", showMedians: true)

    @Test("Kaplan-Meier figure matches its golden file")
    func kaplanMeierGolden() {
        Golden.check(Self.km.svg(id: "f1"), "kaplan-meier.svg")
    }

    @Test("forest plot of two models matches its golden file")
    func forestGolden() {
        let chart = ForestChart(models: [.init(label: "All patients", result: Fixtures.cox),
                                         .init(label: "Women", result: Fixtures.coxSubgroup)],
                                title: "Hazard ratios")
        Golden.check(chart.svg(id: "f2"), "forest.svg")
    }

    @Test("power plot matches its golden file")
    func powerGolden() {
        Golden.check(PowerChart(result: Fixtures.power, title: "Power").svg(id: "f3"), "power.svg")
    }

    @Test("every SVG scales (viewBox, no fixed size), has title and desc first, and keeps text as text")
    func accessible() {
        let svgs = [Self.km.svg(id: "a"), ForestChart(models: [.init(label: "", result: Fixtures.cox)], title: "F").svg(id: "b"),
                    PowerChart(result: Fixtures.power, title: "P").svg(id: "c")]
        for svg in svgs {
            #expect(svg.contains("viewBox=\"0 0 720 "))
            #expect(!svg.contains(" width=\"720\""))
            let afterOpen = svg.split(separator: "\n")[1]
            #expect(afterOpen.hasPrefix("<title id="))
            #expect(svg.contains("<desc id="))
            #expect(svg.contains("<text"))
            #expect(!svg.contains("<script"))
        }
    }

    @Test("Kaplan-Meier curves are drawn with only horizontal and vertical moves")
    func stepsNotLines() throws {
        let svg = Self.km.svg(id: "k")
        let curves = svg.split(separator: "\n").filter { $0.hasPrefix("<path class=\"cv\"") }
        #expect(curves.count == 2 + 2, "two curves and two legend swatches")
        for line in curves {
            let d = try #require(line.split(separator: "d=\"").last)
            #expect(!d.contains("L"), "no diagonal segment in \(d)")
        }
    }

    @Test("the legend gives n per group and the log-rank p; the risk table aligns with the x ticks")
    func legendAndRiskTable() {
        let svg = Self.km.svg(id: "k")
        #expect(svg.contains(">Liver metastasis (n = 6, 5 events, median 8)</text>"))
        #expect(svg.contains(">No liver metastasis (n = 5, 2 events, median not reached)</text>"))
        #expect(svg.contains(">Log-rank p = 0.04</text>"))
        // Every tick label's x also carries a number-at-risk count for each group.
        let lines = svg.split(separator: "\n")
        let tickXs = lines.filter { $0.contains("text-anchor=\"middle\"") && $0.contains("class=\"t\"") }
            .compactMap { line -> String? in
                guard let r = line.range(of: " x=\"") else { return nil }
                return String(line[r.upperBound...].prefix { $0 != "\"" })
            }
        let xCounts = Dictionary(grouping: tickXs, by: { $0 }).mapValues(\.count)
        // Ticks 0, 5, 10, 15, 20: the tick label plus two risk counts at each x (the axis title
        // is centred too, hence at least three).
        #expect(xCounts.values.filter { $0 >= 3 }.count == 5)
        #expect(svg.contains("x=\"558.45\" y=\"311\">15</text>") && svg.contains("x=\"558.45\" y=\"382\">1</text>"))
    }

    @Test("a 100,000-step curve renders small: thinned below two points per pixel")
    func bigCurve() {
        var steps: [SurvivalCurve.Step] = []
        var s = 1.0
        var rng = SplitMix(seed: 3)
        for i in 0..<100_000 {
            let risk = 100_000 - i
            let event = rng.uniform() < 0.7
            if event { s *= 1 - 1 / Double(risk) }
            steps.append(.init(time: Double(i) * 0.01 + rng.uniform() * 0.01, nRisk: risk, nEvent: event ? 1 : 0,
                               nCensor: event ? 0 : 1, survival: s, lower: s * 0.98, upper: min(1, s * 1.02)))
        }
        let result = KaplanMeierResult(timeName: "time", confLevel: 0.95, curves: [
            SurvivalCurve(group: "all", n: 100_000, events: steps.filter { $0.nEvent > 0 }.count, median: nil, steps: steps),
        ])
        let svg = KaplanMeierChart(result: result, title: "big").svg(id: "b")
        #expect(svg.utf8.count < 150_000, "\(svg.utf8.count) bytes")
    }
}
