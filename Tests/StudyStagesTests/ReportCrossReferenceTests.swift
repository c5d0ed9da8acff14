import Foundation
import StudyCore
import StudyEngine
import StudyStages
import Testing
import _StudyTestSupport

/// `[@fig:ID]` and `[@tbl:ID]` in a report's text and captions: numbered links when the id exists,
/// a load error naming the closest id when it does not, and ids that are unique and well formed.
@Suite struct ReportCrossReferenceTests {
    static func layout(text: String, caption: String = "Shaded: 95 % bands.", figureID: JSONValue = .string("survival"),
                       tableID: JSONValue = .string("cox-model")) -> JSONValue {
        .object([
            "title": .string("Lung cancer survival"),
            "sections": .array([
                .object(["title": .string("Summary"), "text": .string(text)]),
                .object(["title": .string("Results"), "text": .string("NCCTG data."),
                         "figures": .array([
                            .object(["type": .string("forest"), "input": .string("cox"), "id": .string("hazards")]),
                            .object(["type": .string("kaplan-meier"), "inputs": .array([.string("km"), .string("logrank")]),
                                     "caption": .string(caption), "id": figureID]),
                         ]),
                         "tables": .array([
                            .object(["type": .string("log-rank"), "input": .string("logrank")]),
                            .object(["type": .string("cox"), "input": .string("cox_multi"), "id": tableID]),
                         ])]),
            ]),
        ])
    }

    @Test("a reference renders as a link to the numbered figure or table, in text and captions")
    func resolves() throws {
        let results = ReportStageTests.Results()
        let with = Self.layout(text: "Survival differed ([@fig:survival]; [@tbl:cox-model]), see also [@fig:hazards].",
                               caption: "Hazard ratios in [@fig:hazards].")
        #expect(ReportStageTests.check(results, with: with).isEmpty)
        let run = ReportStageTests.run(results, with: with)
        let html = try #require(run.html)
        #expect(html.contains("<p>Survival differed (<a href=\"#figure-2\">Figure 2</a>; <a href=\"#table-2\">Table 2</a>), see also <a href=\"#figure-1\">Figure 1</a>.</p>"))
        #expect(html.contains("<figure id=\"figure-2\">"))
        #expect(html.contains("<div class=\"table\" id=\"table-2\">"))
        #expect(html.contains("Hazard ratios in <a href=\"#figure-1\">Figure 1</a>.</figcaption>"))
        #expect(!html.contains("[@"))
        let summary = try #require(run.summary)
        #expect(summary.contains("Survival differed ([Figure 2](#figure-2); [Table 2](#table-2)), see also [Figure 1](#figure-1)."))
    }

    @Test("in an SVG image's caption a reference links in the figcaption and reads as words in its <desc>")
    func imageCaption() throws {
        let results = ReportStageTests.Results()
        results.dir.write("figures/a.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"5\" height=\"5\"/></svg>")
        var inputs = results.inputs
        inputs["plot"] = "figures/a.svg"
        let with = ReportStageTests.layout(figures: [
            .object(["type": .string("forest"), "input": .string("cox"), "id": .string("hr")]),
            .object(["type": .string("image"), "input": .string("plot"), "alt": .string("A square"),
                     "caption": .string("Compare [@fig:hr].")]),
        ])
        #expect(ReportStageTests.check(results, with: with, inputs: inputs).isEmpty)
        let html = try #require(ReportStageTests.run(results, with: with, inputs: inputs).html)
        #expect(html.contains("-desc\">Compare Figure 1.</desc>"))
        #expect(html.contains("Compare <a href=\"#figure-1\">Figure 1</a>.</figcaption>"))
    }

    @Test("references in code, fenced code or after a backslash stay as written and are not checked")
    func codeIsLiteral() throws {
        let results = ReportStageTests.Results()
        let text = "Write `[@fig:ID]` to cite, or \\[@fig:x]. Also [@fig:survival].\n\n```\n[@tbl:none]\n```\n"
        let with = Self.layout(text: text)
        #expect(ReportStageTests.check(results, with: with).isEmpty)
        let html = try #require(ReportStageTests.run(results, with: with).html)
        #expect(html.contains("<code>[@fig:ID]</code>"))
        #expect(html.contains("[@tbl:none]"))
        #expect(html.contains("<a href=\"#figure-2\">Figure 2</a>"))
    }

    @Test("an unknown reference is a load error with the closest id and the ids there are")
    func unknownReference() {
        let results = ReportStageTests.Results()
        let problems = ReportStageTests.check(results, with: Self.layout(text: "As [@fig:survivl] and [@tbl:coxmodel] show.",
                                                                          caption: "Unlike [@tbl:hazards]."))
        #expect(problems == [
            "with.sections[0].text: unknown reference '[@fig:survivl]'; did you mean 'survival'?; figure ids are: hazards, survival",
            "with.sections[0].text: unknown reference '[@tbl:coxmodel]'; did you mean 'cox-model'?; table ids are: cox-model",
            "with.sections[1].figures[1].caption: unknown reference '[@tbl:hazards]'; table ids are: cox-model",
        ])
    }

    @Test("a reference to a kind other than fig or tbl, or with no ids declared, says how to fix it")
    func otherKinds() {
        let results = ReportStageTests.Results()
        var problems = ReportStageTests.check(results, with: Self.layout(text: "See [@sec:methods]."))
        #expect(problems == ["with.sections[0].text: '[@sec:methods]' cites neither a figure nor a table; write [@fig:ID] or [@tbl:ID] with the id: of one"])
        let noIDs = ReportStageTests.layout(figures: [.object(["type": .string("forest"), "input": .string("cox"),
                                                               "caption": .string("As in [@tbl:model].")])])
        problems = ReportStageTests.check(results, with: noIDs)
        #expect(problems == ["with.sections[0].figures[0].caption: unknown reference '[@tbl:model]'; no table has an id; add id: model to the table you mean"])
    }

    @Test("ids are unique per kind and written as letters, digits, '-' or '_'")
    func badIDs() {
        let results = ReportStageTests.Results()
        var problems = ReportStageTests.check(results, with: Self.layout(text: "", figureID: .string("hazards")))
        #expect(problems == ["with.sections[1].figures[1].id: 'hazards' is already the id of with.sections[1].figures[0]; give each figure its own id"])
        problems = ReportStageTests.check(results, with: Self.layout(text: "", figureID: .string("km plot"), tableID: .string("")))
        #expect(problems == [
            "with.sections[1].figures[1].id: 'km plot' must be letters, digits, '-' or '_', as text cites it with [@fig:ID]; e.g. id: km-imvigor",
            "with.sections[1].tables[1].id: '' must be letters, digits, '-' or '_', as text cites it with [@tbl:ID]; e.g. id: km-imvigor",
        ])
        // A figure and a table may share an id: [@fig:x] and [@tbl:x] are different references.
        #expect(ReportStageTests.check(results, with: Self.layout(text: "[@fig:x] [@tbl:x]", figureID: .string("x"), tableID: .string("x"))).isEmpty)
    }
}
