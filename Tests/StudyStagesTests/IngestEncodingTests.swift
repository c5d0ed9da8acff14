import StudyCore
import StudyEngine
import Synchronization
import Testing
import _StudyTestSupport
@testable import StudyStages

/// Runs `ingest/csv` over `data/x.csv` holding `bytes` (and, if given, `data/schema.json` as input
/// `schema`) in a fresh directory.
struct RawIngest {
    let dir = TemporaryDirectory()
    let outcome: StageOutcome
    let log: [String]

    init(_ bytes: [UInt8], with: JSONValue = .null, schema: String? = nil) {
        dir.write("out/.keep", "")
        dir.write("data/.keep", "")
        try! FileIO.writeAtomically(dir.path + "/data/x.csv", bytes, durable: false)
        var inputs = ["table": dir.path + "/data/x.csv"]
        if let schema {
            dir.write("data/schema.json", schema)
            inputs["schema"] = dir.path + "/data/schema.json"
        }
        let lines = Mutex<[String]>([])
        let context = StageKindContext(
            stage: "ingest", root: dir.path, inputs: inputs,
            outputs: ["table": dir.path + "/out/table.csv", "summary": dir.path + "/out/summary.json"],
            with: with, params: [:], log: { line in lines.withLock { $0.append(line) } })
        outcome = IngestCSV().run(context)
        log = lines.withLock { $0 }
    }

    init(_ text: String, with: JSONValue = .null, schema: String? = nil) {
        self.init(Array(text.utf8), with: with, schema: schema)
    }

    var table: String? { dir.read("out/table.csv") }
    var summary: String? { dir.read("out/summary.json") }
    var message: String {
        if case .failed(_, let m) = outcome { return m }
        return ""
    }
}

@Suite("ingest/csv text encodings")
struct IngestEncodingTests {
    /// `café` and `cafè` in ISO-8859-1: 0xE9 and 0xE8, neither valid UTF-8.
    static let latin1: [UInt8] = Array("site,os\ncaf".utf8) + [0xE9] + Array(",1\ncaf".utf8) + [0xE8] + Array(",2\n".utf8)

    @Test("a Latin-1 file is an error naming file, line, byte offset and the fix; nothing is written")
    func latin1IsAnError() {
        let run = RawIngest(Self.latin1)
        #expect(run.message == """
            data/x.csv:2: invalid UTF-8 at byte offset 11 (byte 0xE9); declare `encoding: latin1` in the stage's with:, \
            or convert the file to UTF-8
            """)
        #expect(run.table == nil && run.summary == nil)
    }

    @Test("encoding: latin1 decodes ISO-8859-1, so café and cafè stay two labels")
    func latin1OptIn() {
        let run = RawIngest(Self.latin1, with: .object(["encoding": .string("latin1")]))
        #expect(run.outcome == .succeeded)
        #expect(run.table == "site,os\ncafé,1\ncafè,2\n")
        #expect(run.summary?.contains(#""levels":["cafè","café"]"#) == true)
    }

    @Test("every malformed UTF-8 form is refused at its own offset", arguments: [
        ([0xC0, 0x80], 0),            // overlong NUL
        ([0xE0, 0x80, 0x80], 0),      // overlong three-byte form
        ([0xED, 0xA0, 0x80], 0),      // UTF-16 surrogate
        ([0xF4, 0x90, 0x80, 0x80], 0), // above U+10FFFF
        ([0xF5, 0x80, 0x80, 0x80], 0), // never a lead byte
        ([0x80], 0),                  // lone continuation byte
        ([0x61, 0xC3], 1),            // sequence cut by the end of the field
        ([0xE2, 0x82], 0),            // cut three-byte sequence
    ] as [([UInt8], Int)])
    func malformed(_ bad: [UInt8], at: Int) {
        let bytes = Array("a\nok\n".utf8) + bad + Array("\n".utf8)
        let run = RawIngest(bytes)
        let hex = String(bad[at], radix: 16, uppercase: true)
        #expect(run.message.hasPrefix("data/x.csv:3: invalid UTF-8 at byte offset \(5 + at) (byte 0x\(hex.count == 1 ? "0" : "")\(hex));"))
    }

    @Test("well-formed UTF-8 of every length passes, a sequence cut at the end of the file does not")
    func wellFormed() {
        let run = RawIngest("a\nx\nñ\n€\n𝄞\n\u{10FFFF}\n")
        #expect(run.outcome == .succeeded)
        #expect(run.table == "a\nx\nñ\n€\n𝄞\n\u{10FFFF}\n")
        let cut = RawIngest(Array("a\n".utf8) + [0xF0, 0x9D, 0x84])
        #expect(cut.message.hasPrefix("data/x.csv:2: invalid UTF-8 at byte offset 2 (byte 0xF0);"))
    }

    @Test("a UTF-8 byte-order mark is not part of the first column's name, in either encoding")
    func byteOrderMark() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let utf8 = RawIngest(bom + Array("id,v\n1,2\n".utf8), with: .object(["require": .string("id")]))
        #expect(utf8.table == "id,v\n1,2\n")
        let latin1 = RawIngest(bom + Array("id,v\n1,2\n".utf8), with: .object(["encoding": .string("latin1"), "require": .string("id")]))
        #expect(latin1.table == "id,v\n1,2\n")
    }

    @Test("an unknown encoding is a settings error listing the accepted values, found at load")
    func unknownEncoding() {
        let message = "with.encoding: unknown encoding \"cp1252\"; use 'utf-8' (the default) or 'latin1' (ISO-8859-1)"
        #expect(RawIngest("a\n1\n", with: .object(["encoding": .string("cp1252")])).message == message)
        let declaration = StageDeclaration(
            stage: "ingest", root: "/w", inputs: ["table": "data/x.csv"],
            outputs: ["table": "out/t.csv", "summary": "out/s.json"], with: .object(["encoding": .string("cp1252")]))
        #expect(IngestCSV().check(declaration) == [message])
        #expect(RawIngest("a\n1\n", with: .object(["encoding": .string("UTF-8")])).outcome == .succeeded)
    }

    @Test("a survival stage reading a Latin-1 table names the file, line and offset and says how to fix it")
    func survivalStage() {
        let dir = TemporaryDirectory()
        try! FileIO.writeAtomically(dir.path + "/t.csv", Array("time,status,site\n1,1,caf".utf8) + [0xE9, 0x0A], durable: false)
        let context = StageKindContext(
            stage: "km", root: dir.path, inputs: ["table": dir.path + "/t.csv"], outputs: ["result": dir.path + "/r.json"],
            with: .object(["time": .string("time"), "event": .string("status")]), params: [:], log: { _ in })
        #expect(KaplanMeierStage().run(context) == .failed(status: 1, message: """
            t.csv:2: invalid UTF-8 at byte offset 24 (byte 0xE9); convert the file to UTF-8, or read it with an \
            ingest/csv stage that declares `encoding: latin1`
            """))
    }
}

@Suite("ingest/csv encoding errors: lines and UTF-16")
struct IngestEncodingLineTests {
    @Test("the line of a bad byte counts CR, CRLF and LF line ends, and lines inside quoted fields")
    func lineEnds() {
        let run = RawIngest(Array("a,b\r1,2\r\n\"x\ny\",".utf8) + [0xE9] + Array("\n".utf8))
        #expect(run.message.hasPrefix("data/x.csv:4: invalid UTF-8 at byte offset 15 (byte 0xE9);"), "\(run.message)")
    }

    @Test("a UTF-16 file is named as such")
    func utf16() {
        let run = RawIngest([0xFF, 0xFE, 0x61, 0x00, 0x0A, 0x00])
        #expect(run.message == """
            data/x.csv:1: invalid UTF-8 at byte offset 0 (byte 0xFF): the file starts with a UTF-16 byte-order mark; \
            declare `encoding: latin1` in the stage's with:, or convert the file to UTF-8
            """)
    }
}
