import StudyCore

/// Writes `ingest/csv`'s normalized table: the CSV bytes of typed columns, in one buffer.
enum IngestCSVWriter {
    /// The normalized CSV as bytes, written straight into one buffer: numbers need no quoting.
    /// Whole numbers are written digit by digit, other numbers through a small cache of their
    /// spellings by bit pattern (cohort files repeat values: ages, doses, marker readings), so
    /// that a million-row file is not a million temporary strings; the bytes are those of
    /// `NumberFormat.format` either way. A coded text column's labels are spelled once.
    static func bytes(_ columns: [Column]) -> [UInt8] {
        var spellings = NumberSpellings()
        let count = columns.first?.values.count ?? 0
        var out: [UInt8] = []
        out.reserveCapacity((count + 1) * max(columns.count, 1) * 8)
        out.append(contentsOf: columns.map { CSVReader.escape($0.name) }.joined(separator: ",").utf8)
        out.append(UInt8(ascii: "\n"))
        Self.withCursors(columns[...], []) { cursors in
            for i in 0..<count {
                for c in cursors.indices {
                    if c > 0 { out.append(UInt8(ascii: ",")) }
                    switch cursors[c] {
                    case .numbers(let numbers):
                        let d = numbers[i]
                        if d.isNaN { out.append(contentsOf: "NA".utf8) } else { spellings.append(d, to: &out) }
                    case .codes(let codes, let spelled):
                        let code = Int(codes[i])
                        if code < 0 { out.append(contentsOf: "NA".utf8) } else { out.append(contentsOf: spelled[code]) }
                    case .cells(let cells):
                        Self.append(cells[i], to: &out, spellings: &spellings)
                    }
                }
                out.append(UInt8(ascii: "\n"))
            }
        }
        return out
    }

    /// One column as the writer reads it: its storage in place, a coded column's labels spelled.
    private enum Cursor {
        case numbers(UnsafeBufferPointer<Double>)
        case codes(UnsafeBufferPointer<Int32>, spelled: [[UInt8]])
        case cells(UnsafeBufferPointer<CellValue>)
    }

    /// Calls `body` with a cursor per column, so that the row-by-row writer reads a cell without
    /// retaining its column's array.
    private static func withCursors(_ columns: ArraySlice<Column>, _ cursors: [Cursor], _ body: ([Cursor]) -> Void) {
        guard let first = columns.first else { return body(cursors) }
        let rest = columns.dropFirst()
        switch first.values.storage {
        case .numbers(let numbers): numbers.withUnsafeBufferPointer { withCursors(rest, cursors + [.numbers($0)], body) }
        case .cells(let cells): cells.withUnsafeBufferPointer { withCursors(rest, cursors + [.cells($0)], body) }
        case .codes(let codes, let labels):
            var spellings = NumberSpellings()
            let spelled = labels.map { label in
                var bytes: [UInt8] = []
                append(.text(label), to: &bytes, spellings: &spellings)
                return bytes
            }
            codes.withUnsafeBufferPointer { withCursors(rest, cursors + [.codes($0, spelled: spelled)], body) }
        }
    }

    /// Appends one cell as written in the normalized CSV.
    @inline(__always)
    private static func append(_ value: CellValue, to out: inout [UInt8], spellings: inout NumberSpellings) {
        if case .number(let d) = value {
            spellings.append(d, to: &out)
        } else if case .text(var s) = value, s.withUTF8({ bytes in
            // Text that needs no quoting goes in as it is; text that would read back as a
            // number or a boolean is quoted, so the next reader keeps it text (R's write.csv
            // convention).
            var numberLike = !bytes.isEmpty
            for b in bytes {
                if b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                    return false
                }
                if numberLike && !Self.mayBeInNumber(b) { numberLike = false }
            }
            // Quoted straight from the bytes: they hold no quote, delimiter or line break.
            if (numberLike && (NumberFormat.exactDecimal(bytes: bytes) != nil
                               || NumberFormat.parse(String(decoding: bytes, as: UTF8.self)) != nil))
                || bytes.elementsEqual("true".utf8) || bytes.elementsEqual("false".utf8) {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: bytes)
                out.append(UInt8(ascii: "\""))
                return true
            }
            out.append(contentsOf: bytes)
            return true
        }) {
            return
        } else {
            out.append(contentsOf: CSVReader.escape(Column.text(value)).utf8)
        }
    }

    /// Whether byte `b` can be part of a number `NumberFormat.parse` accepts (digits, sign, point,
    /// exponent, surrounding space or tab): text with any other byte needs no number check.
    private static func mayBeInNumber(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D || b == 0x2E || b == 0x45 || b == 0x65 || b == 0x20 || b == 0x09
    }
}
