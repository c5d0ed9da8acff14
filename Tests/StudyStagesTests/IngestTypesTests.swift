import StudyCore
import Testing
import _StudyTestSupport
@testable import StudyStages

@Suite("ingest/csv column types across stages and filter errors")
struct IngestTypesTests {
    /// 227 patients with an ECOG score 0-2, as a second ingest/csv reads a first one's output.
    static let ecog = "id,ecog\n" + (1...227).map { "\($0),\($0 % 3)" }.joined(separator: "\n") + "\n"

    @Test("a number column compared with text is one error naming the filter, column, type and fix")
    func numberComparedWithText() {
        let run = RawIngest(Self.ecog, with: .object(["filter": .string(#"ecog == "0""#)]))
        #expect(run.message == """
            data/x.csv: with.filter 'ecog == "0"': column 'ecog' is a number but is compared with the text "0"; \
            compare with a number (ecog == 0), or declare the column's type: columns: {ecog: {type: category}}
            """)
    }

    @Test("a category column compared with a number is one error with the fix, on either side of the operator")
    func categoryComparedWithNumber() {
        let with: JSONValue = .object([
            "columns": .object(["ecog": .object(["type": .string("category")]), "id": .null]),
            "filter": .string("id > 0 and 1 <= ecog"),
        ])
        #expect(RawIngest(Self.ecog, with: with).message == """
            data/x.csv: with.filter 'id > 0 and 1 <= ecog': column 'ecog' is a category but is compared with the number 1; \
            compare with text ("1" <= ecog), or declare the column's type: columns: {ecog: {type: number}}
            """)
    }

    @Test("any other per-row evaluation error is reported once, with its first row and a count")
    func oneErrorForManyRows() {
        let run = RawIngest("a,b\n1,x\n2,y\n3,z\n", with: .object(["filter": .string("a + b > 1")]))
        #expect(run.message == "data/x.csv:2: with.filter 'a + b > 1': '+' needs a number, got 'x' (and 2 more rows alike)")
    }

    @Test("a filter that keeps no rows is an error naming it; nothing is written")
    func keepsNothing() {
        let run = RawIngest(Self.ecog, with: .object(["filter": .string("ecog > 5")]))
        #expect(run.message == """
            data/x.csv: with.filter 'ecog > 5' keeps none of the 227 rows; 'ecog' ranges from 0 to 2; \
            check the values it compares with
            """)
        let sites = RawIngest("site,os\nliver,1\nlung,2\n", with: .object(["filter": .string(#"site == "Liver""#)]))
        #expect(sites.message == """
            data/x.csv: with.filter 'site == "Liver"' keeps none of the 2 rows; 'site' holds "liver", "lung"; \
            check the values it compares with
            """)
        #expect(run.table == nil)
        // A file with no data rows is not the filter's fault.
        #expect(RawIngest("id,ecog\n", with: .object(["filter": .string("ecog > 5")])).outcome == .succeeded)
    }

    @Test("types declared at one ingest/csv survive into the next through its summary as input 'schema'")
    func schemaCarriesTypes() throws {
        let first = RawIngest(Self.ecog, with: .object(["columns": .object([
            "id": .null, "ecog": .object(["type": .string("category")])])]))
        #expect(first.outcome == .succeeded)
        let table = try #require(first.table)
        let summary = try #require(first.summary)
        let second = RawIngest(table, with: .object(["filter": .string(#"ecog == "0""#)]), schema: summary)
        #expect(second.outcome == .succeeded)
        #expect(second.summary?.contains(#"{"levels":["0"],"na":0,"name":"ecog","type":"category"}"#) == true)
        #expect(second.summary?.contains(#""kept":75"#) == true)
        // A type under columns: still wins over the schema.
        let typed = RawIngest(table, with: .object(["columns": .object([
            "id": .null, "ecog": .object(["type": .string("number")])]), "filter": .string("ecog == 0")]), schema: summary)
        #expect(typed.summary?.contains(#"{"na":0,"name":"ecog","type":"number"}"#) == true)
    }

    @Test("a category of numbers is written quoted, and a second ingest/csv reads it back as a category without a schema")
    func quotedCategorySurvives() throws {
        let first = RawIngest("id,ecog,site\n1,0,liver\n2,1,lung\n3,0, 2.5\n", with: .object(["columns": .object([
            "id": .null, "ecog": .string("category"), "site": .string("category")])]))
        let table = try #require(first.table)
        // Numbers unquoted, number-like text quoted, other text as it is.
        #expect(table == "id,ecog,site\n1,\"0\",liver\n2,\"1\",lung\n3,\"0\",\" 2.5\"\n")
        let second = RawIngest(table, with: .object(["filter": .string(#"ecog == "0""#)]))
        #expect(second.outcome == .succeeded, "\(second.message)")
        #expect(second.table == "id,ecog,site\n1,\"0\",liver\n3,\"0\",\" 2.5\"\n")
        #expect(second.summary?.contains(#"{"levels":["0"],"na":0,"name":"ecog","type":"category"}"#) == true)
        #expect(second.summary?.contains(#"{"na":0,"name":"id","type":"number"}"#) == true)
        // A third pass gives the same bytes: the type keeps travelling.
        #expect(RawIngest(try #require(second.table)).table == second.table)
    }

    @Test("R's write.csv output (quoted header and factors, bare numbers) reads a quoted number column as a category")
    func rWriteCSV() {
        let run = RawIngest(#""id","ecog","age"\#n1,"0",61.5\#n2,"1",NA\#n3,"0",70\#n"#)
        #expect(run.outcome == .succeeded, "\(run.message)")
        #expect(run.summary?.contains(#"{"levels":["0","1"],"na":0,"name":"ecog","type":"category"}"#) == true)
        #expect(run.summary?.contains(#"{"na":1,"name":"age","type":"number"}"#) == true)
        #expect(run.summary?.contains(#"{"na":0,"name":"id","type":"number"}"#) == true)
    }

    @Test("a file that quotes every field carries no type in its quotes: numbers are still numbers")
    func quoteAll() {
        let run = RawIngest(#""id","ecog","site"\#n"1","0","liver"\#n"2","1","lung"\#n"#)
        #expect(run.outcome == .succeeded, "\(run.message)")
        #expect(run.summary?.contains(#"{"na":0,"name":"ecog","type":"number"}"#) == true)
        #expect(run.summary?.contains(#"{"na":0,"name":"id","type":"number"}"#) == true)
        #expect(run.table == "id,ecog,site\n1,0,liver\n2,1,lung\n")
    }

    @Test("in a file with one bare field, a column with a quoted number among numbers is text; quoted NA cells do not count")
    func mixedFile() {
        let run = RawIngest("a,b,c\n1,\"2\",\"NA\"\n3,4,5\n,\"\",6\n")
        #expect(run.outcome == .succeeded, "\(run.message)")
        #expect(run.summary?.contains(#"{"na":1,"name":"a","type":"number"}"#) == true)
        #expect(run.summary?.contains(#"{"levels":["2","4"],"na":1,"name":"b","type":"category"}"#) == true)
        #expect(run.summary?.contains(#"{"na":1,"name":"c","type":"number"}"#) == true)
        // A declared type still wins over the quotes.
        let typed = RawIngest("a,b\n1,\"2\"\n3,4\n", with: .object(["columns": .object(["a": .null, "b": .string("number")])]))
        #expect(typed.summary?.contains(#"{"na":0,"name":"b","type":"number"}"#) == true)
        #expect(typed.table == "a,b\n1,2\n3,4\n")
    }

    @Test("a boolean is written bare and reads back as a boolean; a category of true/false is quoted and stays one")
    func booleansSurvive() throws {
        let first = RawIngest("id,flag,word\n1,yes,true\n2,no,false\n", with: .object(["columns": .object([
            "id": .null, "flag": .string("boolean"), "word": .string("category")])]))
        let table = try #require(first.table)
        #expect(table == "id,flag,word\n1,true,\"true\"\n2,false,\"false\"\n")
        let second = RawIngest(table, with: .object(["filter": .string("flag and word == \"true\"")]))
        #expect(second.outcome == .succeeded, "\(second.message)")
        #expect(second.summary?.contains(#"{"na":0,"name":"flag","type":"boolean"}"#) == true)
        #expect(second.summary?.contains(#"{"levels":["true"],"na":0,"name":"word","type":"category"}"#) == true)
        #expect(second.table == "id,flag,word\n1,true,\"true\"\n")
    }

    @Test("columns: {name: TYPE} declares a type for the column of that name; {from: TYPE} still renames")
    func typeShorthand() {
        let run = RawIngest("id,number\n1,7\n", with: .object(["columns": .object([
            "id": .string("category"), "n": .object(["from": .string("number")])])]))
        #expect(run.table == "id,n\n\"1\",7\n")
    }

    @Test("a schema that is not an ingest/csv summary is one error naming the file")
    func badSchema() {
        #expect(RawIngest("a\n1\n", schema: #"{"rows": 3}"#).message == """
            data/schema.json: not a column schema; expected the summary of an ingest/csv stage \
            ({"columns": [{"name", "type"}, …]})
            """)
        #expect(RawIngest("a\n1\n", schema: #"{"columns": [{"name": "a", "type": "date"}]}"#).message
            == "data/schema.json: column 'a': unknown type 'date' (types: number, integer, category, string, boolean)")
    }
}
