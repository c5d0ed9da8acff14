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
    /// Per field, 8 bytes: its first byte's offset, its length (saturated at `longLength`, the
    /// true length then in `longLengths`) and whether it was written in quotes.
    private var packed: [UInt64]
    /// The lengths of fields of `longLength` bytes or more, by field index.
    private var longLengths: [Int: Int]
    /// Per record, the index of its first field; one entry more than there are records.
    private var firsts: [Int]
    /// Per record, the 1-based line its first line starts on (the header is line 1).
    private(set) var lines: [Int]
    /// Whether any field was written in quotes: most large files quote none, and then no column
    /// needs to be searched for a quoted number.
    private(set) var hasQuotedField = false

    /// The bit layout of `packed`: offset << 23 | length << 1 | quoted (offsets to 2^41 bytes).
    private static let lengthBits: UInt64 = 22
    private static let longLength = Int((1 << lengthBits) - 1)

    private static func pack(_ start: Int, _ length: Int, quoted: Bool) -> UInt64 {
        UInt64(start) << (lengthBits + 1) | UInt64(Swift.min(length, longLength)) << 1 | (quoted ? 1 : 0)
    }

    /// Builds the offsets of a tokenizer: `field` once per field, `endRecord` after each record
    /// (or `dropRecord` for a blank line), then `finish`.
    struct Builder {
        private var packed: [UInt64] = []
        private var longLengths: [Int: Int] = [:]
        private var firsts: [Int] = [0]
        private var lines: [Int] = []
        /// Quoted fields holding a doubled quote, collapsed by `finish`.
        private var escaped: [Int] = []
        /// Whether the last field added is empty.
        private var lastEmpty = false
        /// Whether a field was quoted (a blank line's `""` included, which only costs a search).
        private var anyQuoted = false

        /// Room for `fields` fields and `records` records (upper bounds), so nothing is copied as it grows.
        init(fields: Int, records: Int) {
            packed.reserveCapacity(fields)
            firsts.reserveCapacity(records + 1)
            lines.reserveCapacity(records)
        }

        @inline(__always)
        mutating func field(_ start: Int, _ end: Int, quoted: Bool = false, escaped hasDoubledQuote: Bool = false) {
            if hasDoubledQuote { escaped.append(packed.count) }
            if end - start >= CSVFields.longLength { longLengths[packed.count] = end - start }
            if quoted { anyQuoted = true }
            lastEmpty = end == start
            packed.append(CSVFields.pack(start, end - start, quoted: quoted))
        }

        /// Whether the record being read is one empty field: a blank line.
        var pendingIsBlank: Bool { lastEmpty && packed.count - firsts[firsts.count - 1] == 1 }

        mutating func endRecord(line: Int) {
            firsts.append(packed.count)
            lines.append(line)
        }

        /// Forgets the fields of the record being read (a blank line: one empty field).
        mutating func dropRecord() {
            packed.removeSubrange(firsts[firsts.count - 1]...)
        }

        /// The fields over `bytes`, doubled quotes collapsed.
        consuming func finish(_ bytes: consuming [UInt8]) -> CSVFields {
            var fields = CSVFields(bytes: bytes, packed: packed, longLengths: longLengths, firsts: firsts, lines: lines,
                                   hasQuotedField: anyQuoted)
            if !escaped.isEmpty { fields.collapse(escaped) }
            return fields
        }
    }

    /// Collapses each `""` of the quoted `fields` to `"`, in place, and shortens them.
    private mutating func collapse(_ fields: [Int]) {
        var bytes = self.bytes
        self.bytes = []
        bytes.withUnsafeMutableBufferPointer { buffer in
            for f in fields {
                let (start, end) = bounds(f)
                var read = start, write = start
                while read < end {
                    buffer[write] = buffer[read]
                    read += buffer[read] == UInt8(ascii: "\"") ? 2 : 1
                    write += 1
                }
                if longLengths[f] != nil { longLengths[f] = write - start }
                packed[f] = Self.pack(start, write - start, quoted: true)
            }
        }
        self.bytes = bytes
    }

    /// The start and end offsets of field `f` (an index over all fields).
    @inline(__always)
    private func bounds(_ f: Int) -> (Int, Int) {
        let p = packed[f]
        let start = Int(p >> (Self.lengthBits + 1))
        let length = Int((p >> 1) & UInt64(Self.longLength))
        return (start, start + (length == Self.longLength ? longLengths[f]! : length))
    }

    /// Calls `body` with an unchecked view of the cells, for loops over a million rows.
    func withCells<R>(_ body: (Cells) -> R) -> R {
        bytes.withUnsafeBufferPointer { bytes in
            packed.withUnsafeBufferPointer { packed in
                firsts.withUnsafeBufferPointer { firsts in
                    body(Cells(bytes: bytes, packed: packed, firsts: firsts, longLengths: longLengths))
                }
            }
        }
    }

    /// The cells of a `CSVFields` in place, valid only inside `withCells`.
    struct Cells {
        let bytes: UnsafeBufferPointer<UInt8>
        fileprivate let packed: UnsafeBufferPointer<UInt64>
        fileprivate let firsts: UnsafeBufferPointer<Int>
        fileprivate let longLengths: [Int: Int]

        /// The byte range of field `field` of `record` (which must have it) in `bytes`.
        @inline(__always)
        func range(_ record: Int, _ field: Int) -> Range<Int> {
            let f = firsts[record] + field
            let p = packed[f]
            let start = Int(p >> (CSVFields.lengthBits + 1))
            let length = Int((p >> 1) & UInt64(CSVFields.longLength))
            return start..<(start + (length == CSVFields.longLength ? longLengths[f]! : length))
        }

        /// The bytes of field `field` of `record`.
        @inline(__always)
        subscript(record: Int, field: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes[range(record, field)])
        }
    }

    /// The number of records, the header included.
    var count: Int { lines.count }

    /// The number of fields of `record`.
    func width(_ record: Int) -> Int { firsts[record + 1] - firsts[record] }

    /// The byte range of field `field` of `record` (which must have it) in `bytes`.
    func range(_ record: Int, _ field: Int) -> Range<Int> {
        let (start, end) = bounds(firsts[record] + field)
        return start..<end
    }

    /// Whether field `field` of `record` was written in quotes.
    func isQuoted(_ record: Int, _ field: Int) -> Bool {
        packed[firsts[record] + field] & 1 != 0
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
        // Unquoted (bit 0 clear) with a length other than 0 (bits 1...22).
        packed.contains { $0 & 1 == 0 && $0 & (UInt64(Self.longLength) << 1) != 0 }
    }

    /// Whether some record from `first` on has a quoted number that is not NA in column `column`
    /// (`CSVReader.hasQuotedNumber`).
    func hasQuotedNumber(column: Int, from first: Int = 1, isNA: (String) -> Bool) -> Bool {
        guard hasQuotedField else { return false }
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
