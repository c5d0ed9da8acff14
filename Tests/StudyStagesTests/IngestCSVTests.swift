import StudyCore
import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport
@testable import StudyStages

/// Runs `ingest/csv` over `data/<file>` holding `text` in a fresh directory.
private final class IngestRun: Sendable {
    let dir = TemporaryDirectory()
    let outcome: StageOutcome
    let logLines: [String]

    init(_ text: String, file: String = "x.csv", with: JSONValue = .null) {
        dir.write("data/" + file, text)
        dir.write("out/.keep", "")
        let lines = Mutex<[String]>([])
        let context = StageKindContext(
            stage: "ingest", root: dir.path, inputs: ["table": dir.path + "/data/" + file],
            outputs: ["table": dir.path + "/out/table.csv", "summary": dir.path + "/out/summary.json"],
            with: with, params: [:], log: { line in lines.withLock { $0.append(line) } })
        outcome = IngestCSV().run(context)
        logLines = lines.withLock { $0 }
    }

    var table: String? { dir.read("out/table.csv") }
    var summary: String? { dir.read("out/summary.json") }
    var message: String {
        if case .failed(_, let m) = outcome { return m }
        return ""
    }
}

@Suite("ingest/csv reading")
struct IngestCSVReadingTests {
    @Test("reads quoted fields with embedded commas, quotes, newlines, CRLF and a BOM")
    func rfc4180() {
        let run = IngestRun("\u{FEFF}id,\"note, long\"\r\n1,\"a \"\"b\"\", c\"\r\n2,\"line1\nline2\"\r\n")
        #expect(run.outcome == .succeeded)
        #expect(run.table == "id,\"note, long\"\n1,\"a \"\"b\"\", c\"\n2,\"line1\nline2\"\n")
    }

    @Test("row numbers count the lines of embedded newlines")
    func rowNumbers() {
        let run = IngestRun("id,note,v\n1,\"a\nb\",1\n2,x,abc\n", with: .object(["columns": .object([
            "v": .object(["type": .string("number")]), "note": .null, "id": .null])]))
        #expect(run.message == "data/x.csv:4: column 'v': 'abc' is not a number")
    }

    @Test("reads TSV by extension, with spaces, dots and parentheses in names")
    func tsv() {
        let run = IngestRun("OS (months)\tgrp.a\n1.50\tA\n2\tB,C\n", file: "x.tsv")
        #expect(run.outcome == .succeeded)
        #expect(run.table == "OS (months),grp.a\n1.5,A\n2,\"B,C\"\n")
    }

    @Test("infers number or category and counts NA tokens")
    func inference() {
        let run = IngestRun("a,b,c\n1,x,\n2.50,NA,NA\nNA,3,\n")
        #expect(run.outcome == .succeeded)
        // The category's "3" is quoted, so that a later reader keeps it text.
        #expect(run.table == "a,b,c\n1,x,NA\n2.5,NA,NA\nNA,\"3\",NA\n")
        #expect(run.summary == """
            {"columns":[{"na":1,"name":"a","type":"number"},{"levels":["3","x"],"na":1,"name":"b","type":"category"},\
            {"na":3,"name":"c","type":"number"}],"dropped":{"require":{}},"file":"data/x.csv",\
            "rows":{"dropped":0,"kept":3,"read":3}}

            """)
    }

    @Test("configurable NA tokens")
    func naTokens() {
        let run = IngestRun("a\n1\n.\n-99\n", with: .object(["na": .array([.string("."), .string("-99")])]))
        #expect(run.table == "a\n1\nNA\nNA\n")
    }

    @Test("an unterminated quote is an error with its row")
    func unterminated() {
        let run = IngestRun("a\n1\n\"x\n", with: .null)
        #expect(run.message == "data/x.csv:3: unterminated quoted field")
        #expect(run.table == nil)
    }

    @Test("output is byte-identical across runs")
    func deterministic() {
        let text = "id,site,os,x\n1,Liver,10.25,0.1\n2,Visceral,3,1e-7\n3,Liver,NA,2\n"
        let with: JSONValue = .object([
            "columns": .object([
                "id": .object(["type": .string("integer")]), "site": .object(["map": .object(["Liver": .integer(1), "Visceral": .integer(0)])]),
                "os": .object(["type": .string("number")]), "x": .null]),
            "derive": .object(["lx": .string("log10(x)"), "b": .string("os > 5")]),
        ])
        let a = IngestRun(text, with: with), b = IngestRun(text, with: with)
        #expect(a.outcome == .succeeded)
        #expect(a.table != nil && a.table == b.table && a.summary == b.summary)
        #expect(a.table == "id,site,os,x,b,lx\n1,1,10.25,0.1,true,-1\n2,0,3,1e-07,false,-7\n3,1,NA,2,NA,0.3010299956639812\n")
    }
}

@Suite("ingest/csv settings")
struct IngestCSVSettingsTests {
    @Test("selects, renames, types and maps columns")
    func columns() {
        let run = IngestRun("Patient ID,Site,Event\np1,Liver,yes\np2,Visceral,no\n", with: .object(["columns": .object([
            "id": .string("Patient ID"),
            "liver": .object(["from": .string("Site"), "type": .string("integer"),
                              "map": .object(["Liver": .integer(1), "Visceral": .integer(0)])]),
            "event": .object(["from": .string("Event"), "type": .string("boolean")]),
        ])]))
        #expect(run.outcome == .succeeded)
        #expect(run.table == "id,liver,event\np1,1,true\np2,0,false\n")
    }

    @Test("a value missing from the map is an error")
    func mapMiss() {
        let run = IngestRun("Site\nLiver\nLung\n", with: .object(["columns": .object([
            "site": .object(["from": .string("Site"), "map": .object(["Liver": .integer(1), "Visceral": .integer(0)])])])]))
        #expect(run.message == "data/x.csv:3: column 'Site': 'Lung' is not in the map ('Liver', 'Visceral')")
    }

    @Test("derives columns with functions, if, is_na and backquoted names")
    func derive() {
        let run = IngestRun("OS (months),w\n4,1\nNA,2\n16,0\n", with: .object(["derive": .object([
            "r": .string("sqrt(`OS (months)`) * 2 - abs(-1)"),
            "f": .string("if(is_na(`OS (months)`), -1, exp(0) + w / 2)"),
            "g": .string("log2(w) + log(1)"),
        ])]))
        #expect(run.outcome == .succeeded)
        #expect(run.table == "OS (months),w,f,g,r\n4,1,1.5,0,3\nNA,2,-1,1,NA\n16,0,1,NA,7\n")
    }

    @Test("require and filter drop rows and the summary counts why")
    func dropping() {
        let run = IngestRun("id,os,grp\n1,5,a\n2,NA,a\n3,7,b\n4,1,a\n5,9,NA\n", with: .object([
            "require": .array([.string("os"), .string("grp")]),
            "filter": .string("os >= 2 and grp == \"a\" or grp == 'b'"),
        ]))
        #expect(run.outcome == .succeeded)
        #expect(run.table == "id,os,grp\n1,5,a\n3,7,b\n")
        #expect(run.summary?.contains(#""dropped":{"filter":1,"require":{"grp":1,"os":1}}"#) == true)
        #expect(run.summary?.contains(#""rows":{"dropped":3,"kept":2,"read":5}"#) == true)
    }
}

@Suite("ingest/csv errors")
struct IngestCSVErrorTests {
    @Test("lists every bad value of a file with row, column and value, and writes nothing")
    func allErrors() {
        let run = IngestRun("id,os\n1,abc\n2,3\n3,x\n", with: .object(["columns": .object([
            "id": .object(["type": .string("integer")]), "os": .object(["type": .string("number")])])]))
        #expect(run.outcome == .failed(status: 1, message: """
            data/x.csv:2: column 'os': 'abc' is not a number
            data/x.csv:4: column 'os': 'x' is not a number
            """))
        #expect(run.logLines == ["data/x.csv:2: column 'os': 'abc' is not a number",
                                 "data/x.csv:4: column 'os': 'x' is not a number"])
        #expect(run.table == nil && run.summary == nil)
    }

    @Test("lists the errors of every phase together, by row: missing column, field count, type, map and derive errors")
    func errorsOfAllPhases() {
        let run = IngestRun("id,os,grp,site\n1,abc,a,Liver\n2,3\n3,4,b,Lung\nx,5,c,Visceral\n", with: .object([
            "columns": .object([
                "id": .object(["type": .string("integer")]), "os": .object(["type": .string("number")]),
                "grp": .null, "g2": .string("gr"),
                "site": .object(["map": .object(["Liver": .integer(1), "Visceral": .integer(0)])]),
            ]),
            "derive": .object(["d": .string("grp + 1")]),
            "require": .array([.string("g2"), .string("os")]),
        ]))
        #expect(run.message == """
            data/x.csv:1: with.columns.g2: column 'gr' not found; available columns: 'id', 'os', 'grp', 'site'; did you mean 'grp'?
            data/x.csv:2: column 'os': 'abc' is not a number
            data/x.csv:2: with.derive.d: '+' needs a number, got 'a'
            data/x.csv:3: expected 4 fields, found 2
            data/x.csv:4: column 'site': 'Lung' is not in the map ('Liver', 'Visceral')
            data/x.csv:4: with.derive.d: '+' needs a number, got 'b'
            data/x.csv:5: column 'id': 'x' is not an integer
            data/x.csv:5: with.derive.d: '+' needs a number, got 'c'
            """)
        #expect(run.table == nil && run.summary == nil)
    }

    @Test("a derived column that reads a missing column is one error, and filters on it add none")
    func brokenDerivedColumn() {
        let run = IngestRun("a,b\n1,x\n2,3\n", with: .object([
            "columns": .object(["a": .object(["type": .string("number")]), "b": .object(["type": .string("number")])]),
            "derive": .object(["c": .string("aa * 2"), "e": .string("c + 1")]),
            "filter": .string("e > 2"),
        ]))
        #expect(run.message == """
            with.derive.c: unknown column 'aa'; available columns: 'a', 'b', 'c', 'e'; did you mean 'a'?
            data/x.csv:2: column 'b': 'x' is not a number
            """)
        #expect(run.table == nil)
    }

    @Test("caps the listed errors and counts the rest")
    func cap() {
        let text = "v\n" + String(repeating: "x\n", count: 25)
        let run = IngestRun(text, with: .object(["columns": .object(["v": .object(["type": .string("integer")])])]))
        #expect(run.logLines.count == 21)
        #expect(run.logLines.first == "data/x.csv:2: column 'v': 'x' is not an integer")
        #expect(run.logLines.last == "... and 5 more errors (25 in all)")
        #expect(run.table == nil)
    }

    @Test("a missing column lists the available ones with a did-you-mean")
    func missingColumn() {
        let run = IngestRun("id,os,status\n1,2,0\n", with: .object(["columns": .object(["os": .string("Os")])]))
        #expect(run.message == "data/x.csv:1: with.columns.os: column 'Os' not found; available columns: 'id', 'os', 'status'; did you mean 'os'?")
    }

    @Test("an unknown column in an expression suggests a spelling")
    func unknownInExpression() {
        let run = IngestRun("age\n1\n", with: .object(["filter": .string("agee > 3")]))
        #expect(run.message == "with.filter: unknown column 'agee'; available columns: 'age'; did you mean 'age'?")
    }

    @Test("bad settings are reported before reading")
    func badSettings() {
        let run = IngestRun("a\n1\n", with: .object([
            "colums": .null, "derive": .object(["d": .string("a +")]),
            "columns": .object(["a": .object(["type": .string("nmber")])]),
        ]))
        #expect(run.message == """
            with: unknown setting 'colums'; did you mean 'columns'?
            with.columns.a.type: unknown type 'nmber'; did you mean 'number'? (types: number, integer, category, string, boolean)
            with.derive.d: unexpected end of expression
            """)
    }

    @Test("a type mismatch in an expression names the row")
    func evaluationError() {
        let run = IngestRun("g,v\na,1\n", with: .object(["derive": .object(["d": .string("g + v")])]))
        #expect(run.message == "data/x.csv:2: with.derive.d: '+' needs a number, got 'a'")
    }

    @Test("a short row is an error")
    func fieldCount() {
        let run = IngestRun("a,b\n1\n", with: .null)
        #expect(run.message == "data/x.csv:2: expected 2 fields, found 1")
    }
}
