import Crypto

/// A SHA-256 digest: of a file's bytes (an artifact's content) or of a stage key's canonical encoding.
///
/// Stored as four words so equality and hashing are cheap on the no-op path, where every stage
/// compares thousands of digests.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Creates a digest from its four big-endian words.
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Creates a digest from 32 raw bytes.
    public init<C: Collection<UInt8>>(bytes: C) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes")
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, byte) in bytes.enumerated() { words[i / 8] = words[i / 8] << 8 | UInt64(byte) }
        self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// Parses 64 lowercase or uppercase hex digits.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, c) in utf8.enumerated() {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            words[i / 16] = words[i / 16] << 4 | UInt64(v)
        }
        self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// The digest of `bytes`.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return Digest(hasher.finalize())
    }

    /// The digest of a byte array.
    public static func of(_ bytes: [UInt8]) -> Digest {
        bytes.withUnsafeBytes { Digest.of($0) }
    }

    /// The digest of a string's UTF-8 bytes.
    public static func of(string: String) -> Digest {
        var s = string
        return s.withUTF8 { Digest.of(UnsafeRawBufferPointer($0)) }
    }

    init(_ digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { Digest(bytes: $0) }
    }

    /// 64 lowercase hex digits, as `sha256sum` prints.
    public var hex: String {
        var out = [UInt8](repeating: 0, count: 64)
        let digits = Array("0123456789abcdef".utf8)
        for (wi, word) in [w0, w1, w2, w3].enumerated() {
            for i in 0..<16 {
                out[wi * 16 + i] = digits[Int((word >> UInt64(60 - 4 * i)) & 0xF)]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 12 hex digits, for messages.
    public var short: String { String(hex.prefix(12)) }

    public var description: String { hex }

    public static func < (a: Digest, b: Digest) -> Bool { (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3) }
}

/// An incremental SHA-256, for streaming files and building stage keys field by field.
///
/// Fields are gathered in a buffer and hashed in one call when finalized: a stage key has dozens
/// of small fields, and one hash call per field would dominate the no-op path.
public struct DigestBuilder {
    private var hasher = SHA256()
    private var buffer: [UInt8] = []

    /// Starts an empty hash.
    public init() { buffer.reserveCapacity(512) }

    /// Adds raw bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        flush()
        hasher.update(bufferPointer: bytes)
    }

    /// Adds a string as its UTF-8 bytes, prefixed by its length so fields cannot run together.
    public mutating func field(_ string: String) {
        var s = string
        field(UInt64(s.utf8.count))
        s.withUTF8 { buffer.append(contentsOf: $0) }
    }

    /// Adds an integer as eight little-endian bytes.
    public mutating func field(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// Adds a digest as its 32 bytes.
    public mutating func field(_ digest: Digest) {
        for w in [digest.w0, digest.w1, digest.w2, digest.w3] {
            withUnsafeBytes(of: w.bigEndian) { buffer.append(contentsOf: $0) }
        }
    }

    private mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The digest of everything added.
    public func finalize() -> Digest {
        var copy = self
        copy.flush()
        return Digest(copy.hasher.finalize())
    }
}
