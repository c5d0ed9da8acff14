import CLibGit2

/// A git object id (SHA-1; Debian's libgit2 1.5 reads and writes SHA-1 repositories only).
///
/// The 20 bytes are held inline, in their order, not in an array: a run of 10,000 stages keeps
/// two ids per stage in the provenance blob cache and its trees while it is recorded, and an
/// array each was one more heap allocation apiece.
public struct GitOID: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0–7, 8–15 and 16–19 as stored in memory (`withUnsafeBytes` gives them back in order).
    private var head: UInt64 = 0, middle: UInt64 = 0, tail: UInt32 = 0

    /// The 20 raw bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 20 raw bytes, without making an array.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try Swift.withUnsafeBytes(of: &copy) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(20))) }
    }

    /// The id whose bytes are the first 20 of `source`.
    private init(first20 source: UnsafeRawBufferPointer) {
        precondition(source.count >= 20, "a git object id has 20 bytes")
        Swift.withUnsafeMutableBytes(of: &self) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(20)))
        }
    }

    init(_ oid: git_oid) {
        var copy = oid
        self = Swift.withUnsafeBytes(of: &copy.id) { GitOID(first20: $0) }
    }

    /// Parses 40 hex digits.
    public init?(hex: some StringProtocol) {
        guard hex.count == 40 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(20)
        var high: UInt8?
        for c in hex.utf8 {
            let v: UInt8
            switch c {
            case 48...57: v = c - 48
            case 97...102: v = c - 87
            case 65...70: v = c - 55
            default: return nil
            }
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        guard out.count == 20 else { return nil }
        self = out.withUnsafeBytes { GitOID(first20: $0) }
    }

    /// Raw bytes from a buffer of at least 20 bytes (the blob cache's format).
    init(raw: Slice<UnsafeRawBufferPointer>) { self.init(first20: UnsafeRawBufferPointer(rebasing: raw)) }

    /// The libgit2 form.
    var raw: git_oid {
        var oid = git_oid()
        withUnsafeBytes { source in
            Swift.withUnsafeMutableBytes(of: &oid.id) { $0.copyMemory(from: source) }
        }
        return oid
    }

    /// 40 lowercase hex digits, as git prints it.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(40)
        withUnsafeBytes { for b in $0 { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) } }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 12 hex digits, for tables.
    public var short: String { String(hex.prefix(12)) }

    public var description: String { hex }
}
