/// A compact little-endian byte format for state read on every run (the compiled workflow, the
/// action log, the stat cache): decoding it is a few memory copies, where JSON or YAML would cost
/// more than the whole no-op budget at 10,000 stages.
public struct BinaryWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// Starts an empty buffer.
    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// Appends an unsigned integer as a LEB128 varint.
    public mutating func write(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends a signed integer (zig-zag varint).
    public mutating func write(_ value: Int) {
        let v = Int64(value)
        write(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    /// Appends a fixed eight-byte word.
    public mutating func writeFixed(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a boolean as one byte.
    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Appends a length-prefixed UTF-8 string.
    public mutating func write(_ value: String) {
        var s = value
        s.withUTF8 { utf8 in
            write(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Appends a digest as 32 bytes.
    public mutating func write(_ digest: Digest) {
        for w in [digest.w0, digest.w1, digest.w2, digest.w3] { writeFixed(w) }
    }

    /// Appends raw bytes without a length.
    public mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }
}

/// Reads what `BinaryWriter` wrote; every read checks bounds and reports truncation as `nil`/throw.
public struct BinaryReader {
    private let bytes: UnsafeRawBufferPointer
    /// Offset of the next unread byte.
    public private(set) var offset: Int

    /// A reader over `bytes`, which must outlive it.
    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Whether every byte was read.
    public var isAtEnd: Bool { offset >= bytes.count }

    /// Reads a varint.
    public mutating func readUInt() throws(BinaryFormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw BinaryFormatError() }
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// Reads a zig-zag varint.
    public mutating func readInt() throws(BinaryFormatError) -> Int {
        let raw = try readUInt()
        return Int(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
    }

    /// Reads a count bounded by the bytes left, so corrupt input cannot ask for a huge allocation.
    public mutating func readCount() throws(BinaryFormatError) -> Int {
        let n = try readUInt()
        guard n <= UInt64(bytes.count - offset) else { throw BinaryFormatError() }
        return Int(n)
    }

    /// Reads a fixed eight-byte word.
    public mutating func readFixed() throws(BinaryFormatError) -> UInt64 {
        guard offset + 8 <= bytes.count else { throw BinaryFormatError() }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return UInt64(littleEndian: value)
    }

    /// Reads a boolean.
    public mutating func readBool() throws(BinaryFormatError) -> Bool {
        guard offset < bytes.count else { throw BinaryFormatError() }
        offset += 1
        return bytes[offset - 1] != 0
    }

    /// Reads a length-prefixed UTF-8 string.
    public mutating func readString() throws(BinaryFormatError) -> String {
        let n = try readCount()
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]), as: UTF8.self)
        offset += n
        return s
    }

    /// Reads a 32-byte digest.
    public mutating func readDigest() throws(BinaryFormatError) -> Digest {
        Digest(w0: try readFixed(), w1: try readFixed(), w2: try readFixed(), w3: try readFixed())
    }

    /// Skips `n` bytes.
    public mutating func skip(_ n: Int) throws(BinaryFormatError) {
        guard offset + n <= bytes.count else { throw BinaryFormatError() }
        offset += n
    }
}

/// Bytes that do not decode: truncated or from another format version. Callers treat the file as absent.
public struct BinaryFormatError: Error, Sendable {
    public init() {}
}

/// FNV-1a, 64 bits: a cheap checksum that catches a torn or partial record in an append-only log.
public enum Checksum {
    /// The FNV-1a hash of `bytes`.
    public static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
