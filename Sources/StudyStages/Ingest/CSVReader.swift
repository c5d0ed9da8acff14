/// An RFC 4180 reader over UTF-8 (or declared Latin-1) bytes: quoted fields with embedded
/// delimiters, quotes and newlines, CRLF or LF line ends, an optional UTF-8 byte-order mark.
/// Bytes that are not UTF-8 are an error naming the line and byte offset, never U+FFFD.
///
/// Ours rather than SwiftCSV 0.10.0 or CSV.swift 2.5.2 from the package mirror (measured by
/// `bench/sections/15-libraries.sh` in `make bench`, 2026-12-07, shared 2-core machine at load
/// average ~14, `bench/results/libraries-last-run.txt`): the survival bench's 1,000,000-row, 24 MB
/// cohort read into memory took 0.39 s CPU here, 2.80 s with SwiftCSV (7.2×) and 2.16 s with
/// CSV.swift (5.5×); peak RSS 223, 394 and 195 MiB. Neither library says whether a field was
/// quoted (which `quotesCarryType` needs) or on which line a record is malformed; both read an
/// unterminated quote to the end of the file as one field, CSV.swift keeps a quote inside a bare
/// field, and a byte that is not UTF-8 has no position in either.
struct CSVReader {
    /// One record with the 1-based line number its first line starts on (the header is line 1).
    struct Record: Equatable {
        var row: Int
        var fields: [String]
        /// Bit `i` is set when field `i` (< 64) was written in quotes; wider records list their
        /// further quoted fields in `quotedBeyond`. Kept as bits so a million records cost no
        /// extra allocation.
        var quotedMask: UInt64 = 0
        var quotedBeyond: [Int] = []

        /// Whether field `index` was written in quotes.
        func isQuoted(_ index: Int) -> Bool {
            index < 64 ? quotedMask & (1 << UInt64(index)) != 0 : quotedBeyond.contains(index)
        }
    }

    /// Whether quotes say "text" in `records`, as in R's `write.csv` and Python's
    /// `csv.QUOTE_NONNUMERIC` (and ingest/csv's own output): true when at least one non-empty field
    /// is unquoted. A file that quotes every field (`QUOTE_ALL`) carries no type in its quotes.
    static func quotesCarryType(_ records: some Sequence<Record>) -> Bool {
        for record in records {
            // All fields quoted: the common quote-everything record is decided by its mask alone.
            if record.fields.count <= 64, record.quotedMask == (record.fields.count == 64 ? ~0 : (1 << UInt64(record.fields.count)) - 1) {
                continue
            }
            for (i, field) in record.fields.enumerated() where !field.isEmpty && !record.isQuoted(i) { return true }
        }
        return false
    }

    /// Whether some field of column `index` in `records` is a quoted number (`"0"`): a column that
    /// was text when written, when `quotesCarryType`. NA cells (`isNA`) do not count.
    static func hasQuotedNumber(_ records: [Record], from start: Int = 0, column index: Int,
                                isNA: (String) -> Bool = { _ in false }) -> Bool {
        // By index: a copy of each record would retain its arrays, a cost at a million rows.
        for r in start..<records.count where records[r].isQuoted(index) && index < records[r].fields.count {
            let field = records[r].fields[index]
            if NumberFormat.parse(field) != nil && !isNA(field) { return true }
        }
        return false
    }

    /// A malformed record: the line it starts on and what is wrong.
    struct Failure: Error, Equatable {
        var row: Int
        var message: String
        /// Set when the bytes are not UTF-8: the caller adds the fix that suits its settings.
        var invalidEncoding = false
    }

    var delimiter: UInt8
    var encoding: CSVEncoding = .utf8

    /// Every record of `bytes` as Strings; blank lines are skipped. Throws on an unterminated quote
    /// or a quote inside an unquoted field.
    func records(_ bytes: [UInt8]) throws(Failure) -> [Record] {
        let fields = try fields(bytes)
        return (0..<fields.count).map { fields.record($0) }
    }

    /// Every record of `bytes` as byte ranges (`CSVFields`), with the checks of `records(_:)`:
    /// what readers of large files use, so that no field becomes a String before it must.
    func fields(_ bytes: consuming [UInt8]) throws(Failure) -> CSVFields {
        if encoding == .latin1 {
            // Decoded to UTF-8 first (a leading UTF-8 byte-order mark dropped): every byte is a
            // character, so the reader below sees well-formed text with the same line breaks.
            let text = bytes.withUnsafeBufferPointer { buffer in
                let bom = buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0
                return CSVEncoding.utf8(fromLatin1: UnsafeBufferPointer(rebasing: buffer[bom...]))
            }
            return try CSVReader(delimiter: delimiter, encoding: .utf8).fields(text)
        }
        // One pass over raw bytes without bounds checks, recording where each field lies: a
        // million-row file is split in a few tens of milliseconds.
        let result: Result<CSVFields.Builder, Failure> = bytes.withUnsafeBufferPointer { buffer in
            do throws(Failure) {
                let bom = buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0
                if let bad = CSVEncoding.firstInvalidUTF8(buffer, from: bom) { throw Self.invalidUTF8(buffer, at: bad) }
                return .success(try split(buffer, from: bom))
            } catch {
                return .failure(error)
            }
        }
        return try result.get().finish(bytes)
    }

    /// The failure for a byte that is not UTF-8: its line (1-based, counting line ends before it as
    /// the reader does: LF, CRLF or a lone CR) and its byte offset in the file (0-based).
    private static func invalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Failure {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var line = 1
        for i in 0..<offset where bytes[i] == lf || (bytes[i] == cr && (i + 1 == bytes.count || bytes[i + 1] != lf)) {
            line += 1
        }
        let hex = String(bytes[offset], radix: 16, uppercase: true)
        var message = "invalid UTF-8 at byte offset \(offset) (byte 0x\(hex.count == 1 ? "0" : "")\(hex))"
        if offset == 0, bytes.count >= 2, (bytes[0], bytes[1]) == (0xFF, 0xFE) || (bytes[0], bytes[1]) == (0xFE, 0xFF) {
            message += ": the file starts with a UTF-16 byte-order mark"
        }
        return Failure(row: line, message: message, invalidEncoding: true)
    }

    /// The field offsets of `bytes` from byte `start` (after a byte-order mark).
    private func split(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws(Failure) -> CSVFields.Builder {
        let count = bytes.count
        var i = start
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        let delimiter = self.delimiter
        // A field ends at a delimiter or line end (or in quotes, which only overcounts): a quick
        // count bounds the fields and records, so the offsets are allocated once.
        var ends = 0, lineEnds = 0
        for b in bytes {
            if b == delimiter { ends += 1 }
            if b == lf || b == cr { lineEnds += 1 }
        }
        var builder = CSVFields.Builder(fields: ends + lineEnds + 1, records: lineEnds + 1)
        var line = 1
        while i < count {
            let first = line
            var endOfRecord = false
            while !endOfRecord {
                if i < count, bytes[i] == quote {
                    i += 1
                    let fieldStart = i
                    var doubled = false
                    while true {
                        guard i < count else {
                            throw Failure(row: first, message: "unterminated quoted field")
                        }
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < count, bytes[i + 1] == quote {
                                doubled = true
                                i += 2
                                continue
                            }
                            break
                        }
                        if b == lf { line += 1 }
                        i += 1
                    }
                    builder.field(fieldStart, i, quoted: true, escaped: doubled)
                    i += 1
                    if i < count, bytes[i] != delimiter, bytes[i] != cr, bytes[i] != lf {
                        throw Failure(row: line, message: "unexpected text after a closing quote")
                    }
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
                    builder.field(fieldStart, i)
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
            // A blank line (one empty field, quoted or not) is no record.
            if builder.pendingIsBlank {
                builder.dropRecord()
            } else {
                builder.endRecord(line: first)
            }
        }
        return builder
    }

    /// `field` as a CSV field: quoted when it holds a delimiter, quote or line break.
    static func escape(_ field: String, delimiter: Character = ",") -> String {
        let d = delimiter.asciiValue
        guard field.utf8.contains(where: { $0 == d || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
        else { return field }
        var out = "\""
        for c in field {
            if c == "\"" { out += "\"" }
            out.append(c)
        }
        return out + "\""
    }
}
