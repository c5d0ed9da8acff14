import StudyCore
import StudyEngine
import StudyStages
import Testing
import _StudyTestSupport

/// Table 1's `labels:` (issue 18 item 3): a column's display name and a level's (`COLUMN=LEVEL`),
/// read by the cox table's reader; a key that names nothing is an error naming it and what exists.
@Suite struct Table1LabelsTests {
    static func workspace() -> ReportStageTests.Results {
        let results = ReportTablesStageTests.workspace()
        results.dir.write("data/cohort.csv", "arm,ecog,age\nA,0,50\nB,1,60\nA,1,\nB,2,70\n")
        return results
    }

    static func table(_ labels: [String: String], columns: [String]? = nil) -> JSONValue {
        var m: [String: JSONValue] = ["type": .string("characteristics"), "input": .string("cohort"), "by": .string("arm"),
                                      "categorical": .array([.string("ecog")]),
                                      "labels": .object(labels.mapValues { .string($0) })]
        if let columns { m["columns"] = .array(columns.map { .string($0) }) }
        return .object(m)
    }

    static func run(_ table: JSONValue) -> (outcome: StageOutcome, html: String?) {
        let results = workspace()
        var inputs = results.inputs
        inputs["cohort"] = "data/cohort.csv"
        let run = ReportStageTests.run(results, with: ReportStageTests.layout(figures: [], tables: [table]), inputs: inputs)
        return (run.outcome, run.html)
    }

    @Test("labels name the rows, the levels and the groups; the default title uses the grouping column's label")
    func labelsRename() throws {
        let run = Self.run(Self.table(["ecog": "ECOG performance status", "ecog=2": "2 (ambulatory, no work)",
                                       "age": "Age (years)", "arm": "Treatment arm", "arm=A": "Atezolizumab"]))
        #expect(run.outcome == .succeeded)
        let html = try #require(run.html)
        #expect(ReportTablesStageTests.cells(html) == [
            ["Characteristic", "Overall (n = 4)", "Atezolizumab (n = 2)", "B (n = 2)"],
            ["ECOG performance status, n (%)", "", "", ""],
            ["\u{2003}0", "1 (25.0)", "1 (50.0)", "0 (0.0)"],
            ["\u{2003}1", "2 (50.0)", "1 (50.0)", "1 (50.0)"],
            ["\u{2003}2 (ambulatory, no work)", "1 (25.0)", "0 (0.0)", "1 (50.0)"],
            ["Age (years), median (IQR)", "60.0 (55.0–65.0)", "50.0 (50.0–50.0)", "65.0 (62.5–67.5)"],
            ["\u{2003}Missing", "1", "1", "0"],
        ])
        #expect(html.contains("Table 1.</span> Characteristics by Treatment arm"))
    }

    @Test("a key naming no listed column is a load error naming it and listing the table's columns")
    func unknownColumnAtLoad() {
        let results = Self.workspace()
        var inputs = results.inputs
        inputs["cohort"] = "data/cohort.csv"
        let with = ReportStageTests.layout(figures: [], tables: [Self.table(["ecg": "ECOG", "stage=3": "x"], columns: ["ecog"])])
        #expect(ReportStageTests.check(results, with: with, inputs: inputs) == [
            "with.sections[0].tables[0].labels: no column 'ecg' in this table for key 'ecg'; its columns are 'arm', 'ecog' "
                + "(a key is COLUMN or COLUMN=LEVEL); did you mean 'ecog'?",
            "with.sections[0].tables[0].labels: no column 'stage' in this table for key 'stage=3'; its columns are 'arm', 'ecog' "
                + "(a key is COLUMN or COLUMN=LEVEL)",
        ])
    }

    @Test("without columns:, a key naming no column of the file fails the stage with the whole message")
    func unknownColumnAtRun() {
        let run = Self.run(Self.table(["ecg=1": "ECOG 1"]))
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].tables[0].labels: no column 'ecg' in the table "
            + "of 'data/cohort.csv' for key 'ecg=1'; its columns are 'arm', 'ecog', 'age' (a key is COLUMN or COLUMN=LEVEL); "
            + "did you mean 'ecog'?"))
    }

    @Test("a level the column does not have, or a level of a numeric column, fails the stage naming what exists")
    func unknownLevel() {
        var run = Self.run(Self.table(["ecog=3": "ECOG 3"]))
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].tables[0].labels: no level '3' of column 'ecog' "
            + "in 'data/cohort.csv' for key 'ecog=3'; its levels are '0', '1', '2'"))
        run = Self.run(Self.table(["arm=a": "Arm A"]))
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].tables[0].labels: no level 'a' of column 'arm' "
            + "in 'data/cohort.csv' for key 'arm=a'; its levels are 'A', 'B'; did you mean 'A'?"))
        run = Self.run(Self.table(["age=50": "Fifty"]))
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].tables[0].labels: key 'age=50': column 'age' is "
            + "summarised as a number (median, IQR), so it has no level rows; label the column as 'age', or list it under "
            + "categorical: to show its levels"))
    }

    @Test("labels on a table that takes none is a load error naming the tables that do")
    func labelsOnOtherTables() {
        let results = Self.workspace()
        let with = ReportStageTests.layout(figures: [], tables: [
            .object(["type": .string("log-rank"), "input": .string("logrank"), "labels": .object(["a": .string("b")])]),
        ])
        #expect(ReportStageTests.check(results, with: with) == [
            "with.sections[0].tables[0].labels: only a cox or characteristics table takes labels (a map of term or column labels)",
        ])
    }
}
