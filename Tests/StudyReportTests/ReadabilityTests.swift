import Foundation
import Testing
@testable import StudyReport

/// The page a phone or a printer shows: no chart text under 9 CSS px at a 400 px wide page or on
/// A4, figures never split across pages, a table of contents, and `<title>`/`<desc>` on every chart.
@Suite struct ReadabilityTests {
    static let charts: [(kind: String, svg: String)] = [
        ("kaplan-meier", KaplanMeierChart(result: Fixtures.kaplanMeier, logRank: Fixtures.logRank, title: "OS",
                                          showMedians: true).svg(id: "f1")),
        ("forest", ForestChart(models: [.init(label: "", result: Fixtures.cox)], title: "HR").svg(id: "f2")),
        ("power", PowerChart(result: Fixtures.power, title: "Power").svg(id: "f3")),
    ]

    /// The first number after `prefix` in `text` (digits and a point).
    static func number(after prefix: String, in text: String) -> Double? {
        guard let range = text.range(of: prefix) else { return nil }
        return Double(String(text[range.upperBound...].prefix { $0.isNumber || $0 == "." }))
    }

    /// Every `font-size` a chart sets, in its style sheet, `style` attributes or attributes.
    static func fontSizes(_ svg: String) -> [Double] {
        var sizes: [Double] = []
        var rest = Substring(svg)
        while let range = rest.range(of: "font-size") {
            rest = rest[range.upperBound...]
            let value = rest.drop { $0 == ":" || $0 == "=" || $0 == "\"" || $0 == " " }.prefix { $0.isNumber || $0 == "." }
            if let size = Double(value) { sizes.append(size) }
        }
        return sizes
    }

    @Test("every chart's smallest text renders at 9 CSS px or more on a 400 px phone and on A4 paper")
    func phoneAndPrintTextSize() throws {
        let css = ReportDocument.css
        // The chart's CSS box: width 100 % of the column, never below min-width, never above max-width.
        let start = try #require(css.range(of: "svg.chart{display:block;width:100%"))
        let rule = String(css[start.lowerBound...].prefix { $0 != "}" })
        let minWidth = try #require(Self.number(after: "min-width:", in: rule))
        let maxWidth = try #require(Self.number(after: "max-width:", in: rule))
        // On a phone the column is the page less main's side padding (12 px each side below 600 px).
        #expect(css.contains("@media (max-width:600px){body{font-size:15px}main{padding:16px 12px 32px}"))
        let phoneColumn = 400.0 - 2 * 12
        // On A4 (210 mm) less 16 mm margins each side, at 96 CSS px per inch; print drops min-width.
        #expect(css.contains("@page{size:A4;margin:18mm 16mm}"))
        #expect(css.contains("svg.chart{min-width:0}"))
        let a4Column = (210.0 - 2 * 16) / 25.4 * 96
        for chart in Self.charts {
            let viewBoxWidth = try #require(Self.number(after: "viewBox=\"0 0 ", in: chart.svg), "\(chart.kind)")
            let smallest = try #require(Self.fontSizes(chart.svg).min(), "\(chart.kind) sets no font-size")
            let phone = min(maxWidth, max(phoneColumn, minWidth))
            #expect(smallest * phone / viewBoxWidth >= 9, "\(chart.kind): \(smallest) px text in a \(viewBoxWidth) wide viewBox drawn \(phone) px wide")
            let paper = min(maxWidth, a4Column)
            #expect(smallest * paper / viewBoxWidth >= 9, "\(chart.kind): \(smallest) px text drawn \(paper) px wide on A4")
            #expect(chart.svg.contains("<title id=\"f"), "\(chart.kind) has no <title>")
            #expect(chart.svg.contains("<desc id=\"f"), "\(chart.kind) has no <desc>")
        }
        // Without the min-width the same charts would shrink to about 5 px text on a phone.
        #expect(SVGCanvas.smallestFontSize * phoneColumn / SVGCanvas.chartWidth < 9)
    }

    @Test("a figure or table never splits across printed pages, and a chart scrolls sideways rather than shrink")
    func printLayout() {
        let css = ReportDocument.css
        #expect(css.contains("figure{margin:22px 0;break-inside:avoid;page-break-inside:avoid;overflow-x:auto}"))
        #expect(css.contains(".table{margin:22px 0;overflow-x:auto;break-inside:avoid;page-break-inside:avoid}"))
        #expect(css.contains("svg.chart,figure img{max-height:230mm;object-fit:contain}"))
        // A grid of SVG images keeps one column (their text size is unknown); built-in charts are small multiples.
        #expect(css.contains(".panels:has(svg.chart){grid-template-columns:1fr!important}"))
        // Small multiples too many for a page break between rows of panels only.
        #expect(css.contains("@media print{") && css.contains(".panel{break-inside:avoid;page-break-inside:avoid}"))
    }

    @Test("the provenance appendix, wider than a phone, scrolls inside its own box rather than widening the page")
    func provenanceScrolls() {
        // Its paths and first column do not wrap: about 660 px wide, found by scripts/check-report-browser.py at 400 px.
        #expect(ReportDocument.css.contains(".provenance td:first-child{white-space:nowrap}"))
        #expect(ReportDocument.css.contains(".appendix details{overflow-x:auto}"))
        #expect(DocumentTests.document.html.contains("<section id=\"provenance\" class=\"appendix\">\n<details>\n"))
    }

    @Test("a long digest or path in the text wraps on a phone rather than widening the page")
    func longCodeWraps() {
        // The generated methods list 64-character SHA-256 digests in <code>: about 500 px unbroken.
        #expect(ReportDocument.css.contains("code{overflow-wrap:anywhere}"))
    }

    @Test("the table of contents links every section and the provenance; one section has none")
    func tableOfContents() {
        let html = DocumentTests.document.html
        #expect(html.contains("""
            <nav class="toc" aria-label="Contents">
            <h2>Contents</h2>
            <ol>
            <li><a href="#s1">Methods</a></li>
            <li><a href="#s2">Results</a></li>
            <li><a href="#provenance">Provenance</a></li>
            </ol>
            </nav>
            """))
        let single = ReportDocument(title: "T", authors: [], sections: [.init(title: "Only", text: "x", blocks: [])], provenance: [])
        #expect(!single.html.contains("<nav"))
        let escaped = ReportDocument(title: "T", authors: [], sections: [.init(title: "A <b>", text: "", blocks: []),
                                                                         .init(title: "B", text: "", blocks: [])], provenance: [])
        #expect(escaped.html.contains("<li><a href=\"#s1\">A &lt;b&gt;</a></li>"))
    }

    @Test("the series palette is Okabe-Ito, in the order journals use it")
    func palette() {
        #expect(Palette.series == ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442"])
    }
}
