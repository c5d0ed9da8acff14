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
    /// sequence (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or nil.
    ///
    /// Eight bytes at a time while the text is ASCII, so a numeric file costs one quick pass.
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        var i = start
        while i < count {
            if i + 8 <= count, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int, low: UInt8, high: UInt8
            switch b {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return i
            }
            // The second byte has the narrowed range; later ones any continuation byte.
            guard i + 1 < count, bytes[i + 1] >= low, bytes[i + 1] <= high else { return i }
            for k in 2..<length {
                guard i + k < count, bytes[i + k] & 0xC0 == 0x80 else { return i }
            }
            i += length
        }
        return nil
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
