import Testing
@testable import StudyStages

/// What the reader does that SwiftCSV 0.10.0 and CSV.swift 2.5.2 do not (measured side by side in
/// bench/sections/15-libraries.sh), which is why `CSVReader` is our own: each claim in its doc
/// comment is held here.
@Suite("CSV reader: the features the mirror's CSV libraries lack")
struct CSVReaderTests {
    private func read(_ bytes: [UInt8]) throws(CSVReader.Failure) -> [CSVReader.Record] {
        try CSVReader(delimiter: UInt8(ascii: ",")).records(bytes)
    }

    private func failure(_ text: String) -> CSVReader.Failure? {
        failure(Array(text.utf8))
    }

    private func failure(_ bytes: [UInt8]) -> CSVReader.Failure? {
        do throws(CSVReader.Failure) {
            _ = try read(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("whether a field was quoted is kept per field, beyond 64 fields too, so \"1\" and 1 differ")
    func quotedness() throws {
        let records = try read(Array("a,b\n\"1\",1\n".utf8))
        #expect(records[1].fields == ["1", "1"])
        #expect(records[1].isQuoted(0) && !records[1].isQuoted(1))
        let wide = (0..<70).map { $0 == 66 ? "\"q\"" : "x" }.joined(separator: ",")
        let record = try read(Array((wide + "\n").utf8))[0]
        #expect(record.isQuoted(66) && !record.isQuoted(65) && !record.isQuoted(3))
    }

    @Test("a quoted field may hold a newline; each record keeps the line it starts on")
    func quotedNewline() throws {
        let records = try read(Array("a,b\n\"x\ny\",2\n3,4\n".utf8))
        #expect(records.map(\.fields) == [["a", "b"], ["x\ny", "2"], ["3", "4"]])
        #expect(records.map(\.row) == [1, 2, 4])
    }

    @Test("CRLF line ends and a UTF-8 byte-order mark leave no trace in the fields")
    func crlfAndBOM() throws {
        let records = try read([0xEF, 0xBB, 0xBF] + Array("a,b\r\n1,2\r\n".utf8))
        #expect(records.map(\.fields) == [["a", "b"], ["1", "2"]])
    }

    @Test("a malformed record is an error naming its line")
    func malformed() {
        #expect(failure("a,b\n1,2\n3,\"open\n4,5\n") == CSVReader.Failure(row: 3, message: "unterminated quoted field"))
        #expect(failure("a,b\n1,x\"y\n") ==
                CSVReader.Failure(row: 2, message: "quote inside an unquoted field; quote the whole field"))
        #expect(failure("a,b\n1,\"x\"y\n") == CSVReader.Failure(row: 2, message: "unexpected text after a closing quote"))
    }

    @Test("bytes that are not UTF-8 are an error with line and byte offset, never U+FFFD")
    func invalidUTF8() {
        let bytes = Array("a,b\n1,2\n3,caf".utf8) + [0xE9] + Array("\n".utf8)
        #expect(failure(bytes) ==
                CSVReader.Failure(row: 3, message: "invalid UTF-8 at byte offset 13 (byte 0xE9)", invalidEncoding: true))
    }
}
