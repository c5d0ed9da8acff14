import Testing
import _StudyTestSupport
@testable import StudyStages

/// `CSVReader.fields` splits a file into byte ranges instead of Strings (issue 20, item 8): the
/// records, lines, quote bits and failures must be exactly those of the String reader it replaced,
/// which is kept here, verbatim, as the reference for a seeded corpus of hostile files.
@Suite struct CSVFieldsTests {
    /// The reader before byte ranges (main at 421f0b1), unchanged but for its name.
    static func legacyRecords(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8) throws(CSVReader.Failure) -> [CSVReader.Record] {
        typealias Failure = CSVReader.Failure
        typealias Record = CSVReader.Record
        let count = bytes.count
        var i = 0
        if count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var records: [Record] = []
        var line = 1
        var width = 0
        var field: [UInt8] = []
        while i < count {
            let start = line
            var fields: [String] = []
            fields.reserveCapacity(width)
            var quotedMask: UInt64 = 0
            var quotedBeyond: [Int] = []
            var endOfRecord = false
            while !endOfRecord {
                if i < count, bytes[i] == quote {
                    field.removeAll(keepingCapacity: true)
                    i += 1
                    while true {
                        guard i < count else {
                            throw Failure(row: start, message: "unterminated quoted field")
                        }
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < count, bytes[i + 1] == quote {
                                field.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if b == lf { line += 1 }
                        field.append(b)
                        i += 1
                    }
                    if i < count, bytes[i] != delimiter, bytes[i] != cr, bytes[i] != lf {
                        throw Failure(row: line, message: "unexpected text after a closing quote")
                    }
                    if fields.count < 64 { quotedMask |= 1 << UInt64(fields.count) } else { quotedBeyond.append(fields.count) }
                    fields.append(String(decoding: field, as: UTF8.self))
                } else {
                    let fieldStart = i
                    while i < count {
                        let b = bytes[i]
                        if b == delimiter || b == lf || b == cr { break }
                        if b == quote {
                            throw Failure(row: line, message: "quote inside an unquoted field; quote the whole field")
                        }
                        i += 1
                    }
                    fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[fieldStart..<i]), as: UTF8.self))
                }
                if i < count, bytes[i] == delimiter {
                    i += 1
                    continue
                }
                if i < count, bytes[i] == cr { i += 1 }
                if i < count, bytes[i] == lf { i += 1 }
                line += 1
                endOfRecord = true
            }
            if fields.count == 1 && fields[0].isEmpty { continue }
            width = fields.count
            records.append(Record(row: start, fields: fields, quotedMask: quotedMask, quotedBeyond: quotedBeyond))
        }
        return records
    }

    /// The outcome of a read, comparable: the records or the failure.
    enum Outcome: Equatable {
        case records([CSVReader.Record])
        case failure(CSVReader.Failure)
    }

    static func legacy(_ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ",")) -> Outcome {
        bytes.withUnsafeBufferPointer { buffer in
            do throws(CSVReader.Failure) {
                return .records(try legacyRecords(buffer, delimiter: delimiter))
            } catch {
                return .failure(error)
            }
        }
    }

    static func current(_ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ",")) -> Outcome {
        do throws(CSVReader.Failure) {
            let fields = try CSVReader(delimiter: delimiter).fields(bytes)
            return .records((0..<fields.count).map { fields.record($0) })
        } catch {
            return .failure(error)
        }
    }

    /// Pieces of hostile CSV: delimiters, quotes (single, doubled, at odd places), every line
    /// end, blank lines, spaces, multi-byte UTF-8 and a byte-order mark.
    static let pieces: [[UInt8]] = ["a", "1", "-2.5", ",", ";", "\t", "\"", "\"\"", "\"x,\"\"y\"\"\"", "\n", "\r", "\r\n",
                                    "\n\n", " ", "NA", "é", "𝄞", "\"\n\"", "\"\"\"\"", ",\"\","].map { Array($0.utf8) }

    static func corpus(_ count: Int, seed: UInt64) -> [[UInt8]] {
        var random = SplitMix(seed: seed)
        return (0..<count).map { _ in
            var bytes: [UInt8] = Bool.random(using: &random) && Bool.random(using: &random) ? [0xEF, 0xBB, 0xBF] : []
            for _ in 0..<Int.random(in: 0...40, using: &random) {
                bytes += pieces[Int.random(in: 0..<pieces.count, using: &random)]
            }
            return bytes
        }
    }

    @Test("fields gives the records, lines, quote bits and failures of the String reader it replaced, over 20,000 hostile files")
    func sameAsLegacyReader() {
        var differences: [String] = []
        for (n, bytes) in Self.corpus(20_000, seed: 20).enumerated() {
            for delimiter in [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")] {
                let (old, new) = (Self.legacy(bytes, delimiter: delimiter), Self.current(bytes, delimiter: delimiter))
                if old != new, differences.count < 5 { differences.append("file \(n) \(bytes): \(old) vs \(new)") }
            }
        }
        #expect(differences == [])
    }

    @Test("a doubled quote is collapsed in place without touching the fields beside it")
    func collapsedInPlace() throws {
        let fields = try CSVReader(delimiter: UInt8(ascii: ",")).fields(Array("a,b,c\n\"x\"\"y\",\"\"\"\"\"\",z\n\"p\nq\",\"\",\"r\"\"\"\n".utf8))
        #expect(fields.count == 3)
        #expect(fields.strings(1) == ["x\"y", "\"\"", "z"])
        #expect(fields.strings(2) == ["p\nq", "", "r\""])
        #expect(fields.lines == [1, 2, 3])
        #expect((0..<3).map { fields.isQuoted(1, $0) } == [true, true, false])
        #expect(fields.quotesCarryType)
    }

    @Test("a Latin-1 file is split as its UTF-8 decoding")
    func latin1() throws {
        let fields = try CSVReader(delimiter: UInt8(ascii: ","), encoding: .latin1).fields([0x61, 0x0A, 0x63, 0x61, 0x66, 0xE9, 0x0A])
        #expect(fields.strings(1) == ["café"])
    }

    /// Cell spellings around the edges of `NumberFormat.parse`: spaces, signs, exponents, long
    /// mantissas, non-ASCII digits and marks, hex, inf and nan.
    static let spellings = ["0", "-0", "+1", "1.", ".5", "1.5", " 1.5", "1.5 ", "\t2\t", "1e3", "1E-3", "1e400", "-1e-400",
                            "123456789012345", "1234567890123456", "12345678901234567890", "0.1234567890123456789",
                            "1,5", "0x10", "inf", "nan", "NaN", "-", "+", ".", "e5", "1e", "1e+", "١", "１", "1\u{301}",
                            " \u{301}1", "1 \u{301}", "", " ", "NA", "--1", "1..2", "1.2.3", "00012", "4.0000000000000000001"]

    @Test("parse over bytes answers as parse over the String, for edge spellings and 20,000 random ones")
    func parseBytesAgrees() {
        var random = SplitMix(seed: 8)
        let alphabet = ["0", "1", "7", "9", ".", "-", "+", "e", "E", " ", "\t", "x", "\u{301}", "١"]
        let random20k = (0..<20_000).map { _ in
            (0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }.joined()
        }
        var differences: [String] = []
        for text in Self.spellings + random20k {
            var copy = text
            let fromBytes = copy.withUTF8 { NumberFormat.parse(bytes: $0) }
            let fromString = NumberFormat.parse(text)
            if fromBytes?.bitPattern != fromString?.bitPattern { differences.append("'\(text)': \(String(describing: fromBytes)) vs \(String(describing: fromString))") }
        }
        #expect(differences == [])
    }
}
