import Foundation
import StudyCore
import StudyEngine
@testable import StudyStages
import Testing
import _StudyTestSupport

/// `report/html` with the user's own artifacts — `{type: image}` figures (PNG or sanitized SVG),
/// `{type: csv}` tables and a section's `text_input` — and their per-instance forms over a
/// gathered input (`layout: grid | stack`): load errors for every misuse, stage failures naming
/// file, column and fix, and a provenance row for every file read.
@Suite struct ReportArtifactTests {
    static let svg = ##"<?xml version="1.0" encoding="utf-8"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><rect id="r" width="5" height="5" onclick="alert(1)"/><script>alert(1)</script></svg>"##

    static func png() -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func crc(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
            }
            return c ^ 0xFFFF_FFFF
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] { be(UInt32(data.count)) + Array(type.utf8) + data + be(crc(Array(type.utf8) + data)) }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", be(3) + be(2) + [8, 6, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]) + chunk("IEND", [])
    }

    /// The lung results plus a user's SVG, PNG, CSV and Markdown.
    static func results() -> ReportStageTests.Results {
        let results = ReportStageTests.Results()
        results.dir.write("figures/plot one.svg", svg)
        try! FileIO.writeAtomically(results.dir.path + "/figures/bars.png", png(), durable: false)
        results.dir.write("results/estimates.csv", "term,estimate,p\nage,1.0123,0.23\nsex,0.5,NA\n")
        results.dir.write("results/estimates-b.csv", "term,estimate,p\nage,2.5,0.01\n")
        results.dir.write("results/notes.md", "The model converged in **4** iterations. <b>raw</b>\n")
        return results
    }

    static var inputs: [String: String] {
        var inputs = ReportStageTests.Results().inputs
        inputs["plot"] = "figures/plot one.svg"
        inputs["bars"] = "figures/bars.png"
        inputs["estimates"] = "results/estimates.csv"
        inputs["notes"] = "results/notes.md"
        return inputs
    }

    static func layout(figures: [JSONValue] = [], tables: [JSONValue] = [], textInput: String? = nil) -> JSONValue {
        var section: [String: JSONValue] = ["title": .string("Results"), "text": .string("Intro."),
                                            "figures": .array(figures), "tables": .array(tables)]
        if let textInput { section["text_input"] = .string(textInput) }
        return .object(["title": .string("Own artifacts"), "sections": .array([.object(section)])])
    }

    static func object(_ pairs: [String: Any]) -> JSONValue {
        .object(pairs.mapValues { value in
            switch value {
            case let s as String: return .string(s)
            case let i as Int: return .integer(i)
            case let list as [String]: return .array(list.map { .string($0) })
            default: fatalError("unsupported \(value)")
            }
        })
    }

    @Test("an SVG and a PNG figure, a csv table and text_input render, each file with its provenance row")
    func rendersWithProvenance() throws {
        let results = Self.results()
        let layout = Self.layout(
            figures: [Self.object(["type": "image", "input": "plot", "alt": "Response by liver status", "caption": "From plot.py."]),
                      Self.object(["type": "image", "input": "bars", "alt": "Bars", "title": "Bar chart"])],
            tables: [Self.object(["type": "csv", "input": "estimates", "columns": ["term", "estimate"], "digits": 2])],
            textInput: "notes")
        #expect(ReportStageTests.check(results, with: layout, inputs: Self.inputs) == [])
        let run = ReportStageTests.run(results, with: layout, inputs: Self.inputs)
        #expect(run.outcome == .succeeded, "\(run.log)")
        let html = try #require(run.html)
        #expect(html.contains("<figure id=\"figure-1\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"figure1\" viewBox=\"0 0 20 10\" role=\"img\" aria-labelledby=\"figure1-title figure1-desc\">\n<title id=\"figure1-title\">Response by liver status</title>\n<desc id=\"figure1-desc\">From plot.py.</desc>\n<g><rect id=\"figure1-svg-r\" width=\"5\" height=\"5\"/></g>\n</svg>\n<figcaption><span class=\"label\">Figure 1.</span> <strong>Response by liver status.</strong> From plot.py.</figcaption>"))
        #expect(html.contains("<img src=\"data:image/png;base64,"))
        #expect(html.contains("alt=\"Bars\" width=\"3\" height=\"2\""))
        #expect(html.contains("<tr><td>age</td><td class=\"num\">1.01</td></tr>"))
        #expect(html.contains("<p>Intro.</p>\n<p>The model converged in <strong>4</strong> iterations. &lt;b&gt;raw&lt;/b&gt;</p>"))
        #expect(!html.contains("<script") && !html.contains("onclick"))
        for (item, input, path) in [("Figure 1", "plot", "figures/plot one.svg"), ("Figure 2", "bars", "figures/bars.png"),
                                    ("Table 1", "estimates", "results/estimates.csv"), ("Section 1 text", "notes", "results/notes.md")] {
            let digest = Digest.of(FileIO.read(results.dir.path + "/" + path)!).hex
            #expect(html.contains("<tr><td>\(item)</td><td>\(input)</td><td><code>\(path)</code></td><td>source file</td><td class=\"digest\"><code>\(digest)</code></td></tr>"))
        }
        let summary = try #require(run.summary)
        #expect(summary.contains("**Figure 1.** Response by liver status. From plot.py.\n\n![Response by liver status](../figures/plot%20one.svg)\n\n"))
        #expect(summary.contains("![Bars](../figures/bars.png)"))
        #expect(summary.contains("| term | estimate |\n|---|---:|\n| age | 1.01 |\n| sex | 0.5 |\n"))
        #expect(summary.contains("Intro.\n\nThe model converged in **4** iterations. <b>raw</b>\n\n"))
    }

    @Test("every misuse of the new elements is a load error naming the field and the fix")
    func loadErrors() {
        let results = Self.results()
        let layout = Self.layout(
            figures: [Self.object(["type": "image", "input": "plot"]),
                      Self.object(["type": "kaplan-meier", "input": "km", "alt": "x"]),
                      Self.object(["type": "forest", "input": "cox", "layout": "grid"]),
                      Self.object(["type": "power", "input": "cox", "layout": "stack"]),
                      Self.object(["type": "image", "input": "plot", "alt": "x", "layout": "grid"]),
                      Self.object(["type": "image", "inputs": ["plot", "bars"], "alt": "x"]),
                      Self.object(["type": "image", "input": "plot", "alt": "x", "layout": "mosaic"]),
                      Self.object(["type": "image", "input": "plot", "alt": " "])],
            tables: [Self.object(["type": "cox", "input": "cox", "columns": ["hr"], "digits": 2]),
                     Self.object(["type": "csv", "input": "estimates", "digits": 20, "columns": ["a", "a"]]),
                     Self.object(["type": "log-rank", "input": "logrank", "layout": "stack"]),
                     Self.object(["type": "csv", "input": "estimates", "layout": "grid"])],
            textInput: "nope")
        #expect(ReportStageTests.check(results, with: layout, inputs: Self.inputs) == [
            "with.sections[0].text_input: 'nope' is not an input of this stage; inputs are: bars, cox, cox_multi, estimates, km, logrank, notes, plot, published",
            "with.sections[0].figures[0].alt: missing; describe the image for readers who cannot see it, e.g. alt: Bar chart of response rate by liver status",
            "with.sections[0].figures[1].alt: only an image figure takes alt; a built-in figure describes itself",
            "with.sections[0].figures[2].layout: a forest figure stacks its models as blocks of one plot; remove layout: grid",
            "with.sections[0].figures[3].layout: a power figure draws one result; layout: is for an image or kaplan-meier figure over a gathered input ({each: STAGE, output: NAME})",
            "with.sections[0].figures[4].layout: layout: arranges the instances of a gathered input ({each: STAGE, output: NAME}); this figure draws one input, so remove it",
            "with.sections[0].figures[5].inputs: an image figure takes one file (or one gathered input, a panel per instance), not 2 inputs",
            "with.sections[0].figures[6].layout: must be one of grid, stack, not 'mosaic'",
            "with.sections[0].figures[7].alt: is empty; describe the image for readers who cannot see it, e.g. alt: Bar chart of response rate by liver status",
            "with.sections[0].tables[0].columns: only a csv or characteristics table takes columns; a cox table chooses its own",
            "with.sections[0].tables[0].digits: only a csv or characteristics table takes digits; a cox table chooses its own",
            "with.sections[0].tables[1].columns: column 'a' is listed twice",
            "with.sections[0].tables[1].digits: must be a whole number from 0 to 12, not 20",
            "with.sections[0].tables[2].layout: a log-rank table draws one result; layout: is for a csv or cox table over a gathered input",
            "with.sections[0].tables[3].layout: a table stacks its instances as rows; use layout: stack (or leave it out)",
        ])
    }

    @Test("a missing csv column fails the stage naming the file, the column, the columns present and the fix")
    func missingColumn() {
        let results = Self.results()
        let layout = Self.layout(tables: [Self.object(["type": "csv", "input": "estimates", "columns": ["term", "hr"]])])
        let run = ReportStageTests.run(results, with: layout, inputs: Self.inputs)
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].tables[0].columns: column 'hr' is not in 'results/estimates.csv' (input 'estimates'); its columns are: 'term', 'estimate', 'p'; fix the name in columns: or in the stage that writes the file"))
    }

    @Test("a hostile or foreign image file fails the stage with the input, the file, the position and a fix")
    func badImages() {
        let results = Self.results()
        results.dir.write("figures/plot one.svg", "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [<!ENTITY a \"aaaa\">]>\n<svg>&a;</svg>")
        let layout = Self.layout(figures: [Self.object(["type": "image", "input": "plot", "alt": "x"])])
        let run = ReportStageTests.run(results, with: layout, inputs: Self.inputs)
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].figures[0].input: input 'plot' ('figures/plot one.svg') is not an SVG the report can inline: line 2, column 1: a DOCTYPE with an internal subset ('[…]': entity declarations) is refused; save the SVG without a DTD; write the figure as PNG or plain SVG"))
        results.dir.write("figures/plot one.svg", "{\"kind\": \"cox\"}")
        let json = ReportStageTests.run(results, with: layout, inputs: Self.inputs)
        #expect(json.outcome == .failed(status: 1, message: "with.sections[0].figures[0].input: input 'plot' ('figures/plot one.svg') is not an SVG the report can inline: line 1, column 1: text outside the root element; write the figure as PNG or plain SVG"))
        var broken = Self.png()
        broken[20] ^= 1
        try! FileIO.writeAtomically(results.dir.path + "/figures/bars.png", broken, durable: false)
        let png = ReportStageTests.run(results, with: Self.layout(figures: [Self.object(["type": "image", "input": "bars", "alt": "x"])]), inputs: Self.inputs)
        #expect(png.outcome == .failed(status: 1, message: "with.sections[0].figures[0].input: input 'bars' ('figures/bars.png'): byte 29: the PNG's IHDR checksum is wrong; the file is damaged, write it again"))
    }

    @Test("a malformed csv, an oversized or non-UTF-8 text_input fail the stage with the input, file, position and fix")
    func badFiles() {
        let results = Self.results()
        results.dir.write("results/estimates.csv", "term,estimate\nage,\"1.0\n")
        let table = ReportStageTests.run(results, with: Self.layout(tables: [Self.object(["type": "csv", "input": "estimates"])]), inputs: Self.inputs)
        #expect(table.outcome == .failed(status: 1, message: "with.sections[0].tables[0].input: input 'estimates' ('results/estimates.csv') line 2: unterminated quoted field; fix the stage that writes it"))
        results.dir.write("results/estimates.csv", "")
        let empty = ReportStageTests.run(results, with: Self.layout(tables: [Self.object(["type": "csv", "input": "estimates"])]), inputs: Self.inputs)
        #expect(empty.outcome == .failed(status: 1, message: "with.sections[0].tables[0].input: input 'estimates' ('results/estimates.csv') is empty; a csv table needs a header line and rows"))
        results.dir.write("results/notes.md", String(repeating: "x", count: (1 << 20) + 1))
        let big = ReportStageTests.run(results, with: Self.layout(textInput: "notes"), inputs: Self.inputs)
        #expect(big.outcome == .failed(status: 1, message: "with.sections[0].text_input: input 'notes' ('results/notes.md') is 1.0 MiB, over the limit of 1 MiB for section text; shorten it in the stage that writes it"))
        try! FileIO.writeAtomically(results.dir.path + "/results/notes.md", [0x61, 0xFF, 0x62], durable: false)
        let latin = ReportStageTests.run(results, with: Self.layout(textInput: "notes"), inputs: Self.inputs)
        #expect(latin.outcome == .failed(status: 1, message: "with.sections[0].text_input: input 'notes' ('results/notes.md') is not UTF-8: invalid UTF-8 byte 0xff at byte offset 1 (line 1, column 2); write it as UTF-8"))
    }

    static let figures = [
        GatheredInput(label: "NSCLC", key: "nsclc", stage: "plot@nsclc", path: "figures/plot one.svg"),
        GatheredInput(label: "melanoma", key: "melanoma", stage: "plot@melanoma", path: "figures/bars.png"),
    ]
    static let tables = [
        GatheredInput(label: "Cohort A", key: "a", stage: "fit@a", path: "results/estimates.csv"),
        GatheredInput(label: "b", key: "b", stage: "fit@b", path: "results/estimates-b.csv"),
    ]

    @Test("over a gathered input an image figure draws a labelled panel per instance; a csv table a row block per instance")
    func gatheredArtifacts() throws {
        let results = Self.results()
        var inputs = Self.inputs
        inputs["panels"] = "figures/plot one.svg"
        inputs["fits"] = "results/estimates.csv"
        let layout = Self.layout(figures: [Self.object(["type": "image", "input": "panels", "alt": "Waterfall", "layout": "grid"])],
                                 tables: [Self.object(["type": "csv", "input": "fits", "columns": ["term", "estimate"]])])
        let gathered = ["panels": Self.figures, "fits": Self.tables]
        #expect(ReportStageTests.check(results, with: layout, inputs: inputs, gathered: gathered) == [])
        let run = ReportStageTests.run(results, with: layout, inputs: inputs, gathered: gathered)
        #expect(run.outcome == .succeeded, "\(run.log)")
        let html = try #require(run.html)
        #expect(html.contains("<div class=\"panels\" style=\"display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px 16px\">\n<div class=\"panel\">\n<p class=\"note\"><strong>NSCLC</strong></p>\n<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"figure1-1\""))
        #expect(html.contains("<p class=\"note\"><strong>melanoma</strong></p>\n<img src=\"data:image/png;base64,"))
        #expect(html.contains("<thead><tr><th>Instance</th><th>term</th><th class=\"num\">estimate</th></tr></thead>\n<tbody>\n<tr><td>Cohort A</td><td>age</td><td class=\"num\">1.0123</td></tr>\n<tr><td>Cohort A</td><td>sex</td><td class=\"num\">0.5</td></tr>\n<tr><td>b</td><td>age</td><td class=\"num\">2.5</td></tr>\n</tbody>"))
        #expect(html.contains("<tr><td>Figure 1</td><td>panels[melanoma]</td><td><code>figures/bars.png</code></td><td><code>plot@melanoma</code></td>"))
        #expect(html.contains("<tr><td>Table 1</td><td>fits[b]</td><td><code>results/estimates-b.csv</code></td><td><code>fit@b</code></td>"))
    }

    @Test("kaplan-meier panels over a gathered input share one time axis; a cox table stacks each instance's terms")
    func gatheredResults() throws {
        let results = Self.results()
        // A cohort followed for 90 days at most: drawn alone its axis would end near 100.
        results.dir.write("short.csv", "time,status,sex\n10,1,1\n25,0,1\n40,1,2\n60,1,1\n75,0,2\n90,1,2\n")
        let context = StageKindContext(stage: "km", root: results.dir.path, inputs: ["table": results.dir.path + "/short.csv"],
                                       outputs: ["result": results.dir.path + "/results/km-ecog.json"],
                                       with: .object(["time": .string("time"), "event": .string("status"), "group": .string("sex")]),
                                       params: [:], log: { _ in })
        #expect(KaplanMeierStage().run(context) == .succeeded)
        var inputs = Self.inputs
        inputs["curves"] = "results/km.json"
        inputs["models"] = "results/cox.json"
        let curves = [GatheredInput(label: "By sex", key: "sex", stage: "km@sex", path: "results/km.json"),
                      GatheredInput(label: "By ECOG", key: "ecog", stage: "km@ecog", path: "results/km-ecog.json")]
        let layout = Self.layout(figures: [Self.object(["type": "kaplan-meier", "input": "curves", "layout": "grid", "title": "Survival by subgroup"])],
                                 tables: [Self.object(["type": "cox", "input": "models"])])
        let gathered = ["curves": curves, "models": ReportGatherTests.models]
        #expect(ReportStageTests.check(results, with: layout, inputs: inputs, gathered: gathered) == [])
        let run = ReportStageTests.run(results, with: layout, inputs: inputs, gathered: gathered)
        #expect(run.outcome == .succeeded, "\(run.log)")
        let html = try #require(run.html)
        let panels = html.components(separatedBy: "<div class=\"panel\">").dropFirst()
        #expect(panels.count == 2)
        // The lung data's longest follow-up (1022 days) sets one axis for both compact panels.
        for panel in panels {
            #expect(panel.contains("class=\"chart compact\"") && panel.contains("y=\"141\">1000</text>"))
        }
        // Layout stack draws the same instances as full charts, one under another, on the same shared axis.
        let stacked = Self.layout(figures: [Self.object(["type": "kaplan-meier", "input": "curves", "layout": "stack", "title": "Survival by subgroup"])])
        let stackRun = ReportStageTests.run(results, with: stacked, inputs: inputs, gathered: gathered)
        let stack = try #require(stackRun.html).components(separatedBy: "<div class=\"panel\">").dropFirst()
        #expect(stack.count == 2)
        for panel in stack { #expect(panel.contains("class=\"chart\" viewBox=\"0 0 720 ") && panel.contains("y=\"311\">1000</text>")) }
        #expect(html.contains("<tr><td>All patients</td><td>sex</td>"))
        #expect(html.contains("<tr><td>multi</td><td>age</td>"))
        #expect(html.contains("<p class=\"note\">All patients: n = 228, 165 events."))
    }
}
