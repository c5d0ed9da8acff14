import Testing
@testable import StudyReport

/// The HTML page and Markdown summary against golden files, and the rules of a self-contained page.
@Suite struct DocumentTests {
    static var document: ReportDocument {
        let km = KaplanMeierChart(result: Fixtures.kaplanMeier, logRank: Fixtures.logRank, title: "Overall survival",
                                  xLabel: "Time (months)")
        let forest = ForestChart(models: [.init(label: "", result: Fixtures.cox)], title: "Hazard ratios")
        return ReportDocument(
            title: "Liver metastasis & immunotherapy <a reproduction>",
            authors: ["A. Author", "B. Author"],
            sections: [
                .init(title: "Methods", text: """
                    We reproduce *Yu et al.* (2021), **Nature Medicine** 27:152, with `survival/cox`.

                    - Kaplan-Meier with log-rank
                    - Cox model, see [the paper](https://doi.org/10.1038/s41591-020-1131-x)

                    <script>alert(1)</script>
                    """, blocks: [.table(ReportTable.cohort(Fixtures.cohort))]),
                .init(title: "Results", text: "", blocks: [
                    .figure(.init(title: km.title, caption: "Shaded: 95 % confidence bands.", svg: km.svg(id: "figure1"),
                                  description: km.description)),
                    .figure(.init(title: forest.title, caption: nil, svg: forest.svg(id: "figure2"), description: forest.description)),
                    .table(ReportTable.cox(Fixtures.cox)), .table(ReportTable.logRank(Fixtures.logRank)),
                    .table(ReportTable.power(Fixtures.power)),
                    .table(ReportTable.published([
                        PublishedComparison(quantity: "HR for sex", published: "0.59", publishedValue: 0.59, unit: nil,
                                            citation: "Loprinzi 1994", reproduced: 0.575, source: "cox: terms[term=sex].hr"),
                        PublishedComparison(quantity: "Median OS, men", published: "about 9 months", publishedValue: nil,
                                            unit: "days", citation: "Loprinzi 1994", reproduced: 270, source: "km: curves[group=1].median.estimate"),
                    ])),
                ]),
            ],
            provenance: [
                .init(item: "Figure 1", input: "km", path: "results/km.json", stage: "km", sha256: String(repeating: "ab", count: 32)),
                .init(item: "Table 1", input: "summary", path: "data/summary.json", stage: nil, sha256: String(repeating: "0f", count: 32)),
            ])
    }

    @Test("the HTML report matches its golden file")
    func htmlGolden() { Golden.check(Self.document.html, "report.html") }

    @Test("the Markdown summary matches its golden file")
    func markdownGolden() { Golden.check(Self.document.markdown, "report.md") }

    @Test("the page needs no network and runs no script: no src, no external links in head, CSP forbids fetches")
    func selfContained() {
        let html = Self.document.html
        #expect(!html.contains("<script"))
        #expect(!html.contains(" src="))
        #expect(!html.contains("<link"))
        #expect(!html.contains("@import"))
        #expect(!html.contains("url("))
        #expect(html.contains("default-src 'none'"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("<title>Liver metastasis &amp; immunotherapy &lt;a reproduction&gt;</title>"))
        #expect(html.contains("@media print"))
        #expect(html.contains("name=\"viewport\""))
    }

    @Test("figures and tables are numbered in order across sections")
    func numbering() {
        let html = Self.document.html
        #expect(html.contains("<span class=\"label\">Table 1.</span> Cohort: data/lung.csv"))
        #expect(html.contains("<span class=\"label\">Figure 2.</span>"))
        #expect(html.contains("<span class=\"label\">Table 5.</span> Published versus reproduced"))
    }

    @Test("published versus reproduced shows the relative difference only for numeric published values")
    func publishedDifference() {
        let table = ReportTable.published([
            PublishedComparison(quantity: "q", published: "0.590", publishedValue: 0.59, unit: nil, citation: "c",
                                reproduced: 0.575, source: "s"),
            PublishedComparison(quantity: "r", published: "n/a", publishedValue: nil, unit: nil, citation: "c",
                                reproduced: nil, source: "s"),
        ])
        #expect(table.rows[0][2] == "0.575", "to the published precision")
        #expect(table.rows[0][3] == "-2.5 %")
        #expect(table.rows[1][2] == "NA" && table.rows[1][3] == "")
    }
}

/// The Markdown subset for section text; everything outside it is escaped.
@Suite struct MarkdownTests {
    @Test("paragraphs, emphasis, strong, code and links")
    func inline() {
        #expect(Markdown.html("A *b* **c** `d<e>` [f](https://x.org/?a=1&b=2)") ==
                "<p>A <em>b</em> <strong>c</strong> <code>d&lt;e&gt;</code> <a href=\"https://x.org/?a=1&amp;b=2\">f</a></p>\n")
    }

    @Test("lists, headings and fenced code")
    func blocks() {
        let html = Markdown.html("# Aim\n\n- one\n- two\n\n1. first\n2. second\n\n```\nx <- 1\n```")
        #expect(html == "<h3>Aim</h3>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n<pre><code>x &lt;- 1</code></pre>\n")
    }

    @Test("raw HTML and javascript links cannot inject anything")
    func escaping() {
        #expect(Markdown.html("<img src=x onerror=alert(1)>") == "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n")
        #expect(Markdown.html("[click](javascript:alert(1))") == "<p>click</p>\n")
        #expect(Markdown.html("a_b_c and 2 * 3 * 4") == "<p>a_b_c and 2 * 3 * 4</p>\n")
    }
}

/// Number formatting without Foundation.
@Suite struct TextFormatTests {
    @Test func fixed() {
        #expect(TextFormat.fixed(0.5, 2) == "0.50")
        #expect(TextFormat.fixed(-0.004, 2) == "0.00")
        #expect(TextFormat.fixed(1.005, 0) == "1")
        #expect(TextFormat.fixed(12.345, 1) == "12.3")
        #expect(TextFormat.fixed(-3.14159, 3) == "-3.142")
        #expect(TextFormat.fixed(.nan, 2) == "NA")
    }

    @Test func pValues() {
        #expect(TextFormat.pValue(0.00098) == "< 0.001")
        #expect(TextFormat.pValue(0.0429) == "0.04")
        #expect(TextFormat.pValue(0.23) == "0.23")
        #expect(TextFormat.pEquals(0.0001) == "p < 0.001")
    }

    @Test("values: whole numbers as counts, then 1, 2 or 4 decimals, an exponent below 0.0001")
    func values() {
        #expect(TextFormat.value(310) == "310")
        #expect(TextFormat.value(123.45) == "123.5")
        #expect(TextFormat.value(0.588) == "0.59")
        #expect(TextFormat.value(0.00123) == "0.0012")
        #expect(TextFormat.value(6.2056679044219564e-06) == "6.2e-6")
        #expect(TextFormat.value(-9.96e-7) == "-1.0e-6")
        #expect(TextFormat.value(0) == "0")
    }

    @Test func counts() {
        #expect(TextFormat.count(100_000) == "100,000")
        #expect(TextFormat.count(999) == "999")
        #expect(TextFormat.coordinate(12.50) == "12.5")
        #expect(TextFormat.coordinate(-0.001) == "0")
    }

    @Test("an event count takes its noun in the right number, with thousands separators")
    func events() {
        #expect(TextFormat.events(0) == "0 events")
        #expect(TextFormat.events(1) == "1 event")
        #expect(TextFormat.events(1_523) == "1,523 events")
    }

    @Test("a Kaplan-Meier chart without bands does not describe bands; its counts carry separators")
    func kaplanMeierDescriptionWithoutBands() {
        let plain = KaplanMeierChart(result: Fixtures.kaplanMeier, title: "A", showConfidence: false)
        let banded = KaplanMeierChart(result: Fixtures.kaplanMeier, title: "A")
        #expect(plain.description.hasPrefix("Kaplan-Meier survival estimates. "))
        #expect(banded.description.hasPrefix("Kaplan-Meier survival estimates with 95 % confidence bands. "))
    }
}
