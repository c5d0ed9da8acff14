import Testing
@testable import StudyReport

/// A report with each of the user's own elements — an inlined (sanitized) SVG, a PNG, a grid of
/// panels, a Kaplan-Meier grid with shared axes, a csv table (single and stacked per instance)
/// and a section's stage-written Markdown — against golden HTML and Markdown.
@Suite struct ArtifactDocumentTests {
    static let userSVG = ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="400" height="200"><style>rect { fill: #0072B2 }</style><rect id="bar" x="10" y="20" width="50" height="80"/><text x="10" y="15" onclick="alert(1)">Response</text><script>alert(1)</script></svg>"##

    static var document: ReportDocument {
        let svg = try! SVGSanitizer(id: "figure1").sanitize(Array(userSVG.utf8), title: "Response rate by liver status",
                                                           description: "Bars: 31 % without and 17 % with liver metastasis")
        let png = try! PNGImage(PNGImageTests.png())
        let single = FigurePanels(panels: [.init(label: nil, markup: svg,
                                                 markdown: FigurePanels.markdownImage(alt: "Response rate by liver status", path: "../figures/response (v2).svg"))],
                                  layout: .stack)
        let grid = FigurePanels(panels: [
            .init(label: "NSCLC", markup: FigurePanels.image(png, alt: "Waterfall: NSCLC"), markdown: FigurePanels.markdownImage(alt: "Waterfall: NSCLC", path: "nsclc.png")),
            .init(label: "Melanoma [skin]", markup: FigurePanels.image(png, alt: "Waterfall: Melanoma"), markdown: FigurePanels.markdownImage(alt: "Waterfall: Melanoma [skin]", path: "melanoma.png")),
        ], layout: .grid)
        var short = Fixtures.kaplanMeier
        short.curves = short.curves.map { curve in
            var c = curve
            c.steps = c.steps.filter { $0.time <= 9 }
            return c
        }
        let charts = [KaplanMeierChart(result: Fixtures.kaplanMeier, title: "Cohort A"), KaplanMeierChart(result: short, title: "Cohort B")]
        let range = charts.map(\.lastTime).max()!
        let kmPanels = FigurePanels(panels: charts.enumerated().map { k, chart in
            var c = chart
            c.timeRange = range
            return .init(label: c.title, markup: c.svg(id: "figure3-\(k + 1)"), markdown: "> \(c.description)")
        }, layout: .grid)
        let csv = ReportTable.csv(header: ["term", "estimate", "p", "note"], blocks: [
            .init(label: nil, rows: [["age", "1.0123456", "0.23", "per year"], ["sex", "0.5", "NA", "women | men"], ["ecog", "-1.25e-3", "4.35e-05", ""]]),
        ], digits: 2, title: "Estimates written by fit.R", source: "'results/estimates.csv'")
        let stacked = ReportTable.csv(header: ["arm", "n"], blocks: [
            .init(label: "NSCLC", rows: [["ICI", "120"], ["chemo", "98"]]),
            .init(label: "Melanoma", rows: [["ICI", "77"]]),
        ], digits: nil, title: "Patients per arm", source: "the files of 'counts'")
        return ReportDocument(
            title: "Own figures and tables", authors: ["A. Author"],
            sections: [
                .init(title: "Results", text: "Written in the workflow.", blocks: [
                    .figure(.init(title: "Response rate by liver status", caption: "Made by *plot.py*.", svg: single.html,
                                  description: "Response rate by liver status", markdownBody: single.markdown)),
                    .figure(.init(title: "Waterfall plots", caption: nil, svg: grid.html, description: "Waterfall", markdownBody: grid.markdown)),
                    .figure(.init(title: "Survival per cohort", caption: "Shared time axis.", svg: kmPanels.html,
                                  description: charts.map(\.description).joined(separator: " "), markdownBody: kmPanels.markdown)),
                    .table(csv), .table(stacked),
                ], inputText: "## From the stage\n\nThe model converged in **4** iterations.\n\n<script>alert(1)</script> [x](javascript:alert(1))\n"),
            ],
            provenance: [
                .init(item: "Figure 1", input: "response", path: "figures/response (v2).svg", stage: "plot", sha256: String(repeating: "ab", count: 32)),
                .init(item: "Section 1 text", input: "notes", path: "results/notes.md", stage: "fit", sha256: String(repeating: "cd", count: 32)),
            ])
    }

    @Test("the HTML report with own artifacts matches its golden file")
    func htmlGolden() { Golden.check(Self.document.html, "artifacts.html") }

    @Test("the Markdown summary with own artifacts matches its golden file")
    func markdownGolden() { Golden.check(Self.document.markdown, "artifacts.md") }

    @Test("the page stays self-contained: the only src is a data: image, no script, the CSP unchanged")
    func selfContained() {
        let html = Self.document.html
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("onclick"))
        #expect(html.components(separatedBy: " src=\"").count - 1 == html.components(separatedBy: " src=\"data:image/png;base64,").count - 1)
    }

    @Test("panels of a Kaplan-Meier grid share the x axis of the longest follow-up")
    func sharedAxis() {
        let html = Self.document.html
        let panels = html.components(separatedBy: "<div class=\"panel\">").dropFirst(3)
        #expect(panels.count == 2)
        // Both panels end their axis at the same round tick (17 months → 20).
        for panel in panels { #expect(panel.contains(">20</text>")) }
    }

    @Test("csv cells: numbers right-aligned, rounded to at most digits places, missing cells and text as written")
    func csvCells() {
        let table = ReportTable.csv(header: ["a", "b", "c"], blocks: [.init(label: nil, rows: [
            ["1.23456", "x", "3"], ["2", "NA", "-0.5"], ["", "y", "1e3"], ["0x1p3", "z", "+.5"],
        ])], digits: 3, title: "t", source: "'f.csv'")
        #expect(table.columns == [.init("a"), .init("b"), .init("c", numeric: true)])
        #expect(table.rows == [["1.23456", "x", "3"], ["2", "NA", "-0.5"], ["", "y", "1e3"], ["0x1p3", "z", "+.5"]])
        let rounded = ReportTable.csv(header: ["v"], blocks: [.init(label: nil, rows: [["1.23456"], ["2"], ["-0.0004"], ["NA"], ["2.5"]])],
                                      digits: 2, title: "t", source: "'f.csv'")
        #expect(rounded.rows == [["1.23"], ["2"], ["0.00"], ["NA"], ["2.5"]])
    }

    @Test("a csv over the row limit shows the first rows and says how many the file holds")
    func rowLimit() {
        let rows = (0..<1234).map { [String($0)] }
        let table = ReportTable.csv(header: ["i"], blocks: [.init(label: nil, rows: rows)], digits: nil, title: "t", source: "'big.csv'")
        #expect(table.rows.count == 500)
        #expect(table.note == "Showing the first 500 of 1,234 rows; the full table is in 'big.csv'.")
    }
}
