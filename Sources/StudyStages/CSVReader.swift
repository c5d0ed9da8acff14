/// An RFC 4180 reader over UTF-8 bytes: quoted fields with embedded delimiters, quotes and
/// newlines, CRLF or LF line ends, an optional byte-order mark.
struct CSVReader {
    /// One record with the 1-based line number its first line starts on (the header is line 1).
    struct Record: Equatable {
        var row: Int
        var fields: [String]
    }

    /// A malformed record: the line it starts on and what is wrong.
    struct Failure: Error, Equatable {
        var row: Int
        var message: String
    }

    var delimiter: UInt8

    /// Every record of `bytes`; blank lines are skipped. Throws on an unterminated quote or a quote
    /// inside an unquoted field.
    func records(_ bytes: [UInt8]) throws(Failure) -> [Record] {
        var i = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var records: [Record] = []
        var line = 1
        while i < bytes.count {
            let start = line
            var fields: [String] = []
            var field: [UInt8] = []
            var endOfRecord = false
            while !endOfRecord {
                field.removeAll(keepingCapacity: true)
                if i < bytes.count, bytes[i] == quote {
                    i += 1
                    while true {
                        guard i < bytes.count else {
                            throw Failure(row: start, message: "unterminated quoted field")
                        }
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < bytes.count, bytes[i + 1] == quote {
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
                    if i < bytes.count, bytes[i] != delimiter, bytes[i] != cr, bytes[i] != lf {
                        throw Failure(row: line, message: "unexpected text after a closing quote")
                    }
                } else {
                    while i < bytes.count, bytes[i] != delimiter, bytes[i] != lf, bytes[i] != cr {
                        if bytes[i] == quote {
                            throw Failure(row: line, message: "quote inside an unquoted field; quote the whole field")
                        }
                        field.append(bytes[i])
                        i += 1
                    }
                }
                fields.append(String(decoding: field, as: UTF8.self))
                if i < bytes.count, bytes[i] == delimiter {
                    i += 1
                    continue
                }
                if i < bytes.count, bytes[i] == cr { i += 1 }
                if i < bytes.count, bytes[i] == lf { i += 1 }
                line += 1
                endOfRecord = true
            }
            if fields == [""] { continue }
            records.append(Record(row: start, fields: fields))
        }
        return records
    }

    /// `field` as a CSV field: quoted when it holds a delimiter, quote or line break.
    static func escape(_ field: String, delimiter: Character = ",") -> String {
        guard field.contains(where: { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
        else { return field }
        var out = "\""
        for c in field {
            if c == "\"" { out += "\"" }
            out.append(c)
        }
        return out + "\""
    }
}
