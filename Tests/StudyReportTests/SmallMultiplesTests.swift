import Testing
@testable import StudyReport

/// Small multiples (`layout: grid`, issue 18 items 2 and 4): compact panels on shared axes with one
/// legend and one pair of axis titles, columns chosen from the panel count, and text that stays at
/// 9 CSS px or more in every layout the page takes (a 760 px column, a 400 px phone, A4 paper).
@Suite struct SmallMultiplesTests {
    /// Three panels: the full fixture, one cut at 9 months, and one with only the second group.
    static var charts: [KaplanMeierChart] {
        var short = Fixtures.kaplanMeier
        short.curves = short.curves.map { curve in
            var c = curve
            c.steps = c.steps.filter { $0.time <= 9 }
            return c
        }
        var single = Fixtures.kaplanMeier
        single.curves = [single.curves[1]]
        return [KaplanMeierChart(result: Fixtures.kaplanMeier, title: "Cohort A", xLabel: "Months"),
                KaplanMeierChart(result: short, title: "Cohort B", xLabel: "Months"),
                KaplanMeierChart(result: single, title: "Cohort <C>", xLabel: "Months")]
    }

    static var figure: SmallMultiples { SmallMultiples.kaplanMeier(charts, id: "figure2") }

    /// The `<svg>` elements of `html`.
    static func svgs(_ html: String) -> [String] {
        html.components(separatedBy: "<svg ").dropFirst().map { "<svg " + $0.components(separatedBy: "</svg>")[0] }
    }

    @Test("a grid figure's HTML (legend, y title, columns, strips, compact panels, x title) matches its golden file")
    func golden() {
        let document = ReportDocument(title: "Small multiples", authors: [], sections: [
            .init(title: "Results", text: "", blocks: [
                .figure(.init(title: "Survival per cohort", caption: "Shared axes.", svg: Self.figure.html,
                              description: "three cohorts", markdownBody: Self.figure.markdown)),
            ]),
        ], provenance: [])
        let html = document.html
        let body = String(html[html.range(of: "<main>")!.lowerBound...])
        Golden.check(body, "small-multiples.html")
        Golden.check(document.markdown, "small-multiples.md")
    }

    @Test("columns from the panel count: one to three in a row, 2 x 2 for four, three from five on, never four",
          arguments: [(1, 1), (2, 2), (3, 3), (4, 2), (5, 3), (6, 3), (9, 3), (10, 3), (40, 3)])
    func columns(panels: Int, expected: Int) {
        #expect(SmallMultiples.columns(panels: panels) == expected)
        #expect(Self.figure.html.contains("<div class=\"facet-grid\" style=\"--cols:3\">"))
    }

    @Test("each panel is compact: a 224-unit viewBox, 10-unit text, no axis titles or group names (drawn once outside)")
    func compactPanels() throws {
        let svgs = Self.svgs(Self.figure.html)
        #expect(svgs.count == 3)
        for svg in svgs {
            #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart compact\" viewBox=\"0 0 224 "))
            #expect(ReadabilityTests.fontSizes(svg).min() == SVGCanvas.smallestFontSize)
            #expect(!svg.contains(">Months</text>") && !svg.contains(">Survival probability</text>"))
            #expect(!svg.contains(">Liver metastasis") && !svg.contains(">No liver metastasis"))
            #expect(svg.contains("<title id=\"figure2-") && svg.contains("<desc id=\"figure2-"))
        }
        // The legend, the axis titles and the strips are HTML, once each.
        let html = Self.figure.html
        #expect(html.components(separatedBy: ">Liver metastasis</span>").count == 2)
        #expect(html.components(separatedBy: "<p class=\"facet-x\">Months</p>").count == 2)
        #expect(html.components(separatedBy: "<p class=\"facet-y\">Survival probability</p>").count == 2)
        #expect(html.contains("<p class=\"strip\">Cohort &lt;C&gt;</p>"))
    }

    @Test("panels share both axes, and a group keeps its legend colour in a panel that lacks the first group")
    func sharedAxesAndColours() {
        let svgs = Self.svgs(Self.figure.html)
        // Every x axis ends at the longest follow-up's round tick (17 months → 20), the y axis at 1.0.
        for svg in svgs { #expect(svg.contains(">20</text>") && svg.contains(">1.0</text>")) }
        #expect(Self.figure.legend == [.init(label: "Liver metastasis", color: Palette.color(0)),
                                       .init(label: "No liver metastasis", color: Palette.color(1))])
        // Cohort C draws only "No liver metastasis": in the second colour, never the first.
        #expect(svgs[2].contains("stroke:\(Palette.color(1))") && !svgs[2].contains(Palette.color(0)))
    }

    @Test("a single chart is drawn as before (ChartTests holds its golden): full width, its own legend and axis titles")
    func singleChartUnchanged() {
        let svg = KaplanMeierChart(result: Fixtures.kaplanMeier, logRank: Fixtures.logRank, title: "Overall survival",
                                   xLabel: "Months", showMedians: true).svg(id: "figure1")
        #expect(svg.contains("class=\"chart\" viewBox=\"0 0 720 "))
        #expect(svg.contains(">Months</text>") && svg.contains(">Liver metastasis (n = 6, 5 events, median 8)</text>"))
    }

    /// The width the grid gives each panel in a box `width` px wide, as the page's CSS computes it:
    /// `cols` columns unless that makes them narrower than the panels' minimum width, then fewer.
    static func panelWidth(box width: Double, cols: Int) -> Double {
        let gap = 12.0, minimum = SVGCanvas.minimumPanelRenderedWidth
        let track = max(minimum, (width - Double(cols - 1) * gap) / Double(cols) - 1)
        let fit = max(1, Int(((width + gap) / (track + gap)).rounded(.down)))
        return min((width - Double(fit - 1) * gap) / Double(fit), SVGCanvas.panelWidth * 1.5)
    }

    @Test("panel text stays at 9 CSS px or more in a 760 px column, on a 400 px phone and on A4, for any panel count")
    func readableEverywhere() throws {
        let css = ReportDocument.css
        #expect(css.contains("svg.compact{max-width:336px;min-width:202px}"))
        #expect(css.contains("minmax(max(202px,calc((100% - (var(--cols) - 1)*12px)/var(--cols) - 1px)),1fr)"))
        // main is 760 px wide (its padding outside); the y-axis title beside the grid takes about
        // 24 px (13 px text, line-height 1.3, 4 px padding), above it on a phone.
        let desktop = 760.0 - 24, phone = 400.0 - 2 * 12, a4 = (210.0 - 2 * 16) / 25.4 * 96 - 24
        for panels in 1...40 {
            let cols = SmallMultiples.columns(panels: panels)
            for (place, box) in [("desktop", desktop), ("phone", phone), ("A4", a4)] {
                let width = Self.panelWidth(box: box, cols: cols)
                let text = SVGCanvas.smallestFontSize * width / SVGCanvas.panelWidth
                #expect(text >= 9, "\(panels) panels, \(place): \(width) px wide panels draw \(text) px text")
            }
        }
        // Nine panels: three columns on the desktop and in print, one on a phone.
        #expect(Self.panelWidth(box: desktop, cols: 3) < desktop / 2 && Self.panelWidth(box: a4, cols: 3) < a4 / 2)
        #expect(Self.panelWidth(box: phone, cols: 3) > phone / 2)
        // A fourth column would not do on A4: its text would fall under 7 px.
        #expect(SVGCanvas.smallestFontSize * ((a4 - 36) / 4) / SVGCanvas.panelWidth < 7)
    }
}
