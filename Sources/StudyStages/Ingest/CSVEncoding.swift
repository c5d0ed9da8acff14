import StudyCore

/// The text encoding of a CSV input: UTF-8 (the default, checked byte for byte) or ISO-8859-1
/// declared with `with: {encoding: latin1}`. Undeclared Latin-1 bytes are an error rather than
/// U+FFFD, which would merge `café` and `cafè` into one label.
enum CSVEncoding: String, CaseIterable, Sendable {
    case utf8 = "utf-8"
    case latin1

    /// The spellings `with.encoding` accepts, for messages.
    static let accepted = "'utf-8' (the default) or 'latin1' (ISO-8859-1)"

    /// The encoding a `with.encoding` value names (case-insensitive, common aliases), or nil.
    init?(named name: String) {
        switch name.lowercased() {
        case "utf-8", "utf8": self = .utf8
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1": self = .latin1
        default: return nil
        }
    }

    /// The byte offset of the first byte that does not start or continue a well-formed UTF-8
    /// sequence, or nil (`UTF8Check.firstInvalidOffset`).
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        UTF8Check.firstInvalidOffset(bytes, from: start)
    }

    /// ISO-8859-1 bytes as UTF-8: each byte is the code point of the same value.
    static func utf8(fromLatin1 bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes {
            if b < 0x80 {
                out.append(b)
            } else {
                out.append(0xC0 | (b >> 6))
                out.append(0x80 | (b & 0x3F))
            }
        }
        return out
    }
}
