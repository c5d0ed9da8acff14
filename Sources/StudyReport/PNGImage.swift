/// A PNG file a user's script wrote, checked before it is inlined as a `data:` URI (the page's
/// Content-Security-Policy allows `img-src data:` and nothing else): the signature, a well-formed
/// IHDR chunk first (with its CRC), sane dimensions, chunks that stay inside the file and an IEND.
/// A file that fails is refused with the byte offset and what is wrong, never shown half-broken.
public struct PNGImage: Sendable, Equatable {
    /// Larger files are refused: base64 makes them a third bigger in a page meant for a phone.
    public static let maxBytes = 5 << 20
    /// Wider or taller images are refused: no figure needs more, and a decoder bomb hides here.
    public static let maxSide = 20_000

    /// Why a file cannot be inlined.
    public struct Failure: Error, Equatable, Sendable {
        /// One lowercase line ending with a fix.
        public var message: String
    }

    /// Pixels across.
    public let width: Int
    /// Pixels down.
    public let height: Int
    /// The file's bytes.
    public let bytes: [UInt8]

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Checks `bytes` as a PNG.
    public init(_ bytes: [UInt8]) throws(Failure) {
        guard bytes.count <= Self.maxBytes else {
            throw Failure(message: "the PNG is \(SVGSanitizer.megabytes(bytes.count)) MiB, over the limit of \(Self.maxBytes >> 20) MiB for an inlined image; save it smaller (lower dpi) or as SVG")
        }
        guard bytes.count >= 8 + 25, Array(bytes[0..<8]) == Self.signature else {
            throw Failure(message: "not a PNG file (its first bytes are not the PNG signature); save the figure as PNG or SVG")
        }
        guard Self.uint32(bytes, 8) == 13, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw Failure(message: "byte 8: the PNG does not start with a 13-byte IHDR chunk; the file is damaged, write it again")
        }
        guard Self.crc32(bytes[12..<29]) == Self.uint32(bytes, 29) else {
            throw Failure(message: "byte 29: the PNG's IHDR checksum is wrong; the file is damaged, write it again")
        }
        let width = Int(Self.uint32(bytes, 16)), height = Int(Self.uint32(bytes, 20))
        guard (1...Self.maxSide).contains(width), (1...Self.maxSide).contains(height) else {
            throw Failure(message: "the PNG is \(width) × \(height) pixels; each side must be 1 to \(Self.maxSide) pixels")
        }
        let depth = bytes[24], color = bytes[25]
        let depths: [UInt8: [UInt8]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard depths[color]?.contains(depth) == true, bytes[26] == 0, bytes[27] == 0, bytes[28] <= 1 else {
            throw Failure(message: "byte 24: the PNG's IHDR holds an invalid bit depth, colour type or method; the file is damaged, write it again")
        }
        var offset = 33
        while true {
            guard offset + 8 <= bytes.count else {
                throw Failure(message: "byte \(offset): the PNG ends without an IEND chunk (truncated?); write it again")
            }
            let length = Int(Self.uint32(bytes, offset))
            let end = offset + 12 + length
            guard length <= Int(Int32.max), end <= bytes.count else {
                throw Failure(message: "byte \(offset): a PNG chunk runs past the end of the file (truncated?); write it again")
            }
            if Array(bytes[(offset + 4)..<(offset + 8)]) == Array("IEND".utf8) {
                guard end == bytes.count else {
                    throw Failure(message: "byte \(end): \(bytes.count - end) bytes follow the PNG's IEND chunk; write the file again without them")
                }
                break
            }
            offset = end
        }
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    /// `data:image/png;base64,…`.
    public var dataURI: String { "data:image/png;base64," + Self.base64(bytes) }

    static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// RFC 4648 base64 with padding.
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)]]
            out += rest == 2 ? [alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")] : [UInt8(ascii: "="), UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
