import CLibGit2

/// A git object id (SHA-1; Debian's libgit2 1.5 reads and writes SHA-1 repositories only).
public struct GitOID: Hashable, Sendable, CustomStringConvertible {
    /// The 20 raw bytes.
    public let bytes: [UInt8]

    init(_ oid: git_oid) {
        var copy = oid
        bytes = withUnsafeBytes(of: &copy.id) { Array($0.prefix(20)) }
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
        bytes = out
    }

    /// Raw bytes from a buffer of at least 20 bytes (the blob cache's format).
    init(raw: Slice<UnsafeRawBufferPointer>) { bytes = Array(raw) }

    /// The libgit2 form.
    var raw: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { buffer in
            for i in 0..<20 { buffer[i] = bytes[i] }
        }
        return oid
    }

    /// 40 lowercase hex digits, as git prints it.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(40)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 12 hex digits, for tables.
    public var short: String { String(hex.prefix(12)) }

    public var description: String { hex }
}
