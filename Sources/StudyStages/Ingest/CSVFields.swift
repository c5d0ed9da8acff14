/// A CSV file split into records and fields without a String per field: one buffer of bytes and,
/// per field, its byte range. Readers type cells straight from the bytes (`number(_:_:)`) and make
/// a String only for a cell they keep as text, so a million-row file costs a few arrays of offsets
/// rather than millions of strings (issue 20, item 8).
///
/// Made by `CSVReader.fields(_:)`, whose checks (UTF-8, quoting, line numbers) it carries.
struct CSVFields {
    /// The bytes the fields point into: the file's, with the doubled quotes of a quoted field
    /// collapsed in place (which only ever shortens the field).
    private(set) var bytes: [UInt8]
    /// Per field, its first byte.
    private var starts: [Int]
    /// Per field, one past its last byte, with `quotedFlag` set when it was written in quotes.
    private var ends: [Int]
    /// Per record, the index of its first field; one entry more than there are records.
    private var firsts: [Int]
    /// Per record, the 1-based line its first line starts on (the header is line 1).
    private(set) var lines: [Int]

    private static let quotedFlag = 1 << 62

    init(bytes: [UInt8], starts: [Int], ends: [Int], firsts: [Int], lines: [Int]) {
        self.bytes = bytes
        self.starts = starts
        self.ends = ends
        self.firsts = firsts
        self.lines = lines
    }

    /// Builds the offsets of a tokenizer: `field` once per field, `endRecord` after each record
    /// (or `dropRecord` for a blank line), then `finish`.
    struct Builder {
        private var starts: [Int] = []
        private var ends: [Int] = []
        private var firsts: [Int] = [0]
        private var lines: [Int] = []
        /// Quoted fields holding a doubled quote, collapsed by `finish`.
        private var escaped: [Int] = []

        init(expectedFields: Int) {
            starts.reserveCapacity(expectedFields)
            ends.reserveCapacity(expectedFields)
        }

        /// Whether the record being read is one empty field: a blank line.
        var pendingIsBlank: Bool {
            starts.count - firsts[firsts.count - 1] == 1 && starts[starts.count - 1] == ends[ends.count - 1] & ~CSVFields.quotedFlag
        }

        mutating func field(_ start: Int, _ end: Int, quoted: Bool = false, escaped hasDoubledQuote: Bool = false) {
            if hasDoubledQuote { escaped.append(starts.count) }
            starts.append(start)
            ends.append(quoted ? end | CSVFields.quotedFlag : end)
        }

        mutating func endRecord(line: Int) {
            firsts.append(starts.count)
            lines.append(line)
        }

        /// Forgets the fields of the record being read (a blank line).
        mutating func dropRecord() {
            let first = firsts[firsts.count - 1]
            if escaped.last.map({ $0 >= first }) == true { escaped.removeAll { $0 >= first } }
            starts.removeSubrange(first...)
            ends.removeSubrange(first...)
        }

        /// The fields over `bytes`, doubled quotes collapsed.
        consuming func finish(_ bytes: consuming [UInt8]) -> CSVFields {
            var bytes = bytes
            if !escaped.isEmpty {
                bytes.withUnsafeMutableBufferPointer { buffer in
                    for f in escaped { ends[f] = Self.collapse(buffer, from: starts[f], to: ends[f]) }
                }
            }
            return CSVFields(bytes: bytes, starts: starts, ends: ends, firsts: firsts, lines: lines)
        }

        /// Collapses each `""` of `start..<end` (flag kept) to `"` and returns the new end.
        private static func collapse(_ buffer: UnsafeMutableBufferPointer<UInt8>, from start: Int, to flaggedEnd: Int) -> Int {
            let end = flaggedEnd & ~CSVFields.quotedFlag
            var read = start, write = start
            while read < end {
                buffer[write] = buffer[read]
                read += buffer[read] == UInt8(ascii: "\"") ? 2 : 1
                write += 1
            }
            return write | (flaggedEnd & CSVFields.quotedFlag)
        }
    }

    /// The number of records, the header included.
    var count: Int { lines.count }

    /// The number of fields of `record`.
    func width(_ record: Int) -> Int { firsts[record + 1] - firsts[record] }

    /// The byte range of field `field` of `record` (which must have it) in `bytes`.
    @inline(__always)
    func range(_ record: Int, _ field: Int) -> Range<Int> {
        let f = firsts[record] + field
        return starts[f]..<(ends[f] & ~Self.quotedFlag)
    }

    /// Whether field `field` of `record` was written in quotes.
    func isQuoted(_ record: Int, _ field: Int) -> Bool {
        ends[firsts[record] + field] & Self.quotedFlag != 0
    }

    /// Field `field` of `record` as a String.
    func string(_ record: Int, _ field: Int) -> String {
        let r = range(record, field)
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[r]), as: UTF8.self) }
    }

    /// Every field of `record` as Strings.
    func strings(_ record: Int) -> [String] {
        (0..<width(record)).map { string(record, $0) }
    }

    /// Whether quotes say "text" (`CSVReader.quotesCarryType`): some non-empty field is unquoted.
    var quotesCarryType: Bool {
        for f in starts.indices where ends[f] & Self.quotedFlag == 0 && ends[f] > starts[f] { return true }
        return false
    }

    /// Whether some record from `first` on has a quoted number that is not NA in column `column`
    /// (`CSVReader.hasQuotedNumber`).
    func hasQuotedNumber(column: Int, from first: Int = 1, isNA: (String) -> Bool) -> Bool {
        for r in first..<count where column < width(r) && isQuoted(r, column) {
            let field = string(r, column)
            if NumberFormat.parse(field) != nil && !isNA(field) { return true }
        }
        return false
    }

    /// `record` as the reader's `Record` (Strings and quote bits).
    func record(_ record: Int) -> CSVReader.Record {
        var result = CSVReader.Record(row: lines[record], fields: strings(record))
        for i in 0..<width(record) where isQuoted(record, i) {
            if i < 64 { result.quotedMask |= 1 << UInt64(i) } else { result.quotedBeyond.append(i) }
        }
        return result
    }
}
