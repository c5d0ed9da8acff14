import Foundation
import StudyCore
import StudyEngine
import StudyStages
import Testing
import _StudyTestSupport

/// Issue 18 item 3 through the `report/html` stage: Table 1 over a CSV against R, term labels from
/// the Cox result's reference level, forest `terms:`, the PH test, and their errors.
@Suite struct ReportTablesStageTests {
    static let table1: JSONValue = .object([
        "type": .string("characteristics"), "input": .string("cohort"), "by": .string("sex"),
        "columns": .array(["age", "ph.ecog", "wt.loss", "status", "meal.cal"].map { .string($0) }),
        "categorical": .array([.string("ph.ecog"), .string("status")]), "digits": .integer(2),
    ])

    static func workspace() -> ReportStageTests.Results {
        let results = ReportStageTests.Results()
        try? FileIO.createDirectories(results.dir.path + "/data")
        results.dir.write("data/lung.csv", FileIO.readText(SurvivalStageTests.lungPath)!)
        return results
    }

    /// The cells of the first table of `html`, header row first.
    static func cells(_ html: String) -> [[String]] {
        guard let start = html.range(of: "<div class=\"table\" id=\"table-1\">")?.upperBound,
              let end = html.range(of: "</table>", range: start..<html.endIndex)?.lowerBound else { return [] }
        let table = html[start..<end]
        return table.components(separatedBy: "</tr>").dropLast().map { row in
            // Each cell is the text after the last tag before a closing </td> or </th>.
            row.components(separatedBy: "</t").dropLast().compactMap { cell -> String? in
                guard let open = cell.range(of: ">", options: .backwards) else { return nil }
                return String(cell[open.upperBound...])
            }
        }
    }

    @Test("Table 1 of lung.csv by sex equals R's: median (IQR) as quantile type 7, n (%), Missing rows, n per group")
    func table1MatchesR() throws {
        let results = Self.workspace()
        var inputs = results.inputs
        inputs["cohort"] = "data/lung.csv"
        let with = ReportStageTests.layout(figures: [], tables: [Self.table1])
        #expect(ReportStageTests.check(results, with: with, inputs: inputs) == [])
        let run = ReportStageTests.run(results, with: with, inputs: inputs)
        #expect(run.outcome == .succeeded, "\(run.log)")
        let data = try Data(contentsOf: SurvivalStageTests.reference.appendingPathComponent("characteristics.r-table1.json"))
        let r = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let expected = [r["header"] as! [String]] + (r["rows"] as! [[String]])
        let actual = Self.cells(try #require(run.html))
        #expect(actual == expected)
        #expect(run.html?.contains("<tr><td>Table 1</td><td>cohort</td><td><code>data/lung.csv</code></td>") == true)
    }

    @Test("a column missing from the CSV fails the stage naming the field, file, column and the columns present")
    func missingColumn() {
        let results = Self.workspace()
        var inputs = results.inputs
        inputs["cohort"] = "data/lung.csv"
        let table: JSONValue = .object(["type": .string("characteristics"), "input": .string("cohort"), "by": .string("sex"),
                                        "columns": .array([.string("age"), .string("wt_loss")])])
        let run = ReportStageTests.run(results, with: ReportStageTests.layout(figures: [], tables: [table]), inputs: inputs)
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].tables[0].columns[1]: column 'wt_loss' is not in "
            + "'data/lung.csv'; columns present: inst, time, status, age, sex, ph.ecog, ph.karno, pat.karno, meal.cal, wt.loss; "
            + "did you mean 'wt.loss'?"))
    }

    @Test("Table 1 options on another table type and a bad digits are load errors")
    func table1LoadErrors() {
        let results = Self.workspace()
        let with = ReportStageTests.layout(figures: [], tables: [
            .object(["type": .string("cox"), "input": .string("cox"), "by": .string("sex")]),
            .object(["type": .string("characteristics"), "input": .string("cox"), "digits": .integer(9)]),
            .object(["type": .string("log-rank"), "input": .string("logrank"), "labels": .object(["a": .string("b")])]),
        ])
        #expect(ReportStageTests.check(results, with: with) == [
            "with.sections[0].tables[0].by: only a characteristics table takes by",
            "with.sections[0].tables[1].digits: must be a whole number from 0 to 6, not 9",
            "with.sections[0].tables[2].labels: only a cox or characteristics table takes labels (a map of term or column labels)",
        ])
    }

    /// A small cohort with a text-valued liver status whose reference level the Cox stage is told.
    static func liverCox(_ results: ReportStageTests.Results, phTest: Bool = false) {
        var csv = "time,status,liver_status,age\n"
        for i in 0..<60 {
            let liver = i % 3 == 0
            csv += "\(8 + (i * 37) % 50 + (liver ? 0 : 12)),\(i % 5 == 4 ? 0 : 1),\(liver ? "Liver metastasis" : "No liver metastasis"),\(40 + (i * 7) % 30)\n"
        }
        results.dir.write("data/liver.csv", csv)
        var with: [String: JSONValue] = [
            "time": .string("time"), "event": .string("status"),
            "covariates": .array([.string("liver_status"), .string("age")]),
            "categorical": .object(["liver_status": .object(["reference": .string("No liver metastasis")])]),
        ]
        if phTest { with["ph_test"] = .bool(true) }
        let context = StageKindContext(stage: "s", root: results.dir.path, inputs: ["table": results.dir.path + "/data/liver.csv"],
                                       outputs: ["result": results.dir.path + "/results/liver.json"], with: .object(with),
                                       params: [:], log: { _ in })
        precondition(CoxStage().run(context) == .succeeded)
    }

    @Test("a categorical term reads 'Level (vs reference)' in the Cox table and forest; labels and terms pick and rename")
    func labelsAndTerms() throws {
        let results = Self.workspace()
        Self.liverCox(results, phTest: true)
        #expect(results.dir.read("results/liver.json")?.contains("\"reference\":\"No liver metastasis\"") == true)
        var inputs = results.inputs
        inputs["liver"] = "results/liver.json"
        let with = ReportStageTests.layout(
            figures: [.object(["type": .string("forest"), "input": .string("liver"), "terms": .array([.string("liver_status=Liver metastasis")])])],
            tables: [.object(["type": .string("cox"), "input": .string("liver"), "labels": .object(["age": .string("Age (per year)")])])])
        #expect(ReportStageTests.check(results, with: with, inputs: inputs) == [])
        let run = ReportStageTests.run(results, with: with, inputs: inputs)
        #expect(run.outcome == .succeeded, "\(run.log)")
        let html = try #require(run.html)
        #expect(html.contains(">Liver metastasis (vs no liver metastasis)</text>"))
        #expect(html.contains(">60 / 48</text>"))
        #expect(!html.contains(">age</text>"))
        #expect(html.contains("<td>Liver metastasis (vs no liver metastasis)</td>"))
        #expect(html.contains("<td>Age (per year)</td>"))
        #expect(html.contains("<th class=\"num\">PH p</th>"))
        #expect(html.contains("Grambsch–Therneau test of proportional hazards"))
    }

    @Test("an unknown term in terms: or labels: fails the stage naming the terms present")
    func unknownTerm() {
        let results = Self.workspace()
        Self.liverCox(results)
        var inputs = results.inputs
        inputs["liver"] = "results/liver.json"
        let forest: JSONValue = .object(["type": .string("forest"), "input": .string("liver"), "terms": .array([.string("agee")])])
        var run = ReportStageTests.run(results, with: ReportStageTests.layout(figures: [forest]), inputs: inputs)
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].figures[0].terms[0]: no term 'agee' in the Cox "
            + "result; its terms are 'liver_status=Liver metastasis', 'age'; did you mean 'age'?"))
        let table: JSONValue = .object(["type": .string("cox"), "input": .string("liver"), "labels": .object(["sex": .string("Sex")])])
        run = ReportStageTests.run(results, with: ReportStageTests.layout(figures: [], tables: [table]), inputs: inputs)
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].tables[0].labels: no term 'sex' in the Cox "
            + "result; its terms are 'liver_status=Liver metastasis', 'age'"))
    }
}

extension ReportTablesStageTests {
    @Test("in a file whose quotes carry type (ingest/csv's output), a quoted-number column is categorical; TSV reads tabs")
    func quotedNumbersAreLevels() throws {
        let results = Self.workspace()
        results.dir.write("data/cohort.csv", "\"arm\",\"stage\",age\n\"A\",\"1\",50\n\"B\",\"2\",60\n\"A\",\"2\",\n")
        results.dir.write("data/cohort.tsv", "arm\tage\nA\t50\nB\t60\n")
        var inputs = results.inputs
        inputs["cohort"] = "data/cohort.csv"
        inputs["tsv"] = "data/cohort.tsv"
        let with = ReportStageTests.layout(figures: [], tables: [
            .object(["type": .string("characteristics"), "input": .string("cohort"), "by": .string("arm")]),
            .object(["type": .string("characteristics"), "input": .string("tsv"), "title": .string("TSV")]),
        ])
        let run = ReportStageTests.run(results, with: with, inputs: inputs)
        #expect(run.outcome == .succeeded, "\(run.log)")
        #expect(Self.cells(try #require(run.html)) == [
            ["Characteristic", "Overall (n = 3)", "A (n = 2)", "B (n = 1)"],
            ["stage, n (%)", "", "", ""],
            ["\u{2003}1", "1 (33.3)", "1 (50.0)", "0 (0.0)"],
            ["\u{2003}2", "2 (66.7)", "1 (50.0)", "1 (100.0)"],
            ["age, median (IQR)", "55.0 (52.5–57.5)", "50.0 (50.0–50.0)", "60.0 (60.0–60.0)"],
            ["\u{2003}Missing", "1", "1", "0"],
        ])
        #expect(run.html?.contains("<td>age, median (IQR)</td><td class=\"num\">55.0 (52.5–57.5)</td></tr>") == true)
    }
}
