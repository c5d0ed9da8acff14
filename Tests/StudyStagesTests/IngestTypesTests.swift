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
            compare with a number (ecog == 0), or declare the column's type: columns: {ecog: {type: category}}; \
            a type declared at an earlier ingest/csv survives only when that stage's summary is given as input 'schema'
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
        // Without the schema the column reads back as a number, and the filter says what to do.
        #expect(RawIngest(table, with: .object(["filter": .string(#"ecog == "0""#)])).message.contains("input 'schema'"))
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
