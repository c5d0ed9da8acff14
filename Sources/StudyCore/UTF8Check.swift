/// Strict UTF-8 validation that says where the first bad byte is, so a file in another encoding is
/// refused with a line and byte offset instead of being silently turned into U+FFFD (which would
/// also make the text differ from the bytes whose digest was recorded).
///
/// ```swift
/// switch UTF8Check.validate(bytes) {
/// case .valid(let text): use(text)           // a leading BOM is dropped from `text`
/// case .invalid(let failure): print(failure)  // byte 0xe9 at byte offset 42 (line 3, column 7)
/// }
/// ```
public enum UTF8Check {
    /// The first byte that does not belong to a well-formed UTF-8 sequence.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// 0-based offset of the bad byte from the start of the file (a BOM counts).
        public var offset: Int
        /// The bad byte itself.
        public var byte: UInt8
        /// 1-based line of the bad byte.
        public var line: Int
        /// 1-based column of the bad byte, in Unicode scalars as `SourceLocation` counts them
        /// (a BOM on line 1 does not count).
        public var column: Int

        /// Creates a failure at `offset`.
        public init(offset: Int, byte: UInt8, line: Int, column: Int) {
            self.offset = offset
            self.byte = byte
            self.line = line
            self.column = column
        }

        /// `invalid UTF-8 byte 0xe9 at byte offset 42 (line 3, column 7)`.
        public var description: String {
            let hex = String(byte, radix: 16)
            return "invalid UTF-8 byte 0x\(hex.count == 1 ? "0" + hex : hex) at byte offset \(offset) (line \(line), column \(column))"
        }
    }

    /// The outcome of `validate`.
    public enum Outcome: Sendable, Equatable {
        /// Well-formed UTF-8; the text without a leading byte-order mark.
        case valid(String)
        /// The first bad byte.
        case invalid(Failure)
    }

    /// The UTF-8 byte-order mark, accepted (and dropped) at the start of a file.
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Whether `bytes` start with a UTF-8 byte-order mark.
    public static func hasByteOrderMark(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// Validates `bytes` and decodes them; a leading BOM is accepted and left out of the text.
    public static func validate(_ bytes: [UInt8]) -> Outcome {
        if let failure = firstInvalid(bytes) { return .invalid(failure) }
        let start = hasByteOrderMark(bytes) ? 3 : 0
        return .valid(String(decoding: bytes[start...], as: UTF8.self))
    }

    /// The first ill-formed byte of `bytes` (overlong forms, surrogates, code points above
    /// U+10FFFF, truncated and stray continuation bytes all count), or nil when all is well-formed.
    /// - Complexity: O(n); ASCII runs are checked eight bytes at a time.
    public static func firstInvalid(_ bytes: [UInt8]) -> Failure? {
        bytes.withUnsafeBufferPointer { buffer -> Failure? in
            let start = hasByteOrderMark(bytes) ? 3 : 0
            guard let i = firstInvalidOffset(buffer, from: start) else { return nil }
            var line = 1, lineStart = start
            for k in start..<i where buffer[k] == 0x0A { line += 1; lineStart = k + 1 }
            return Failure(offset: i, byte: buffer[i], line: line, column: scalarCount(buffer, from: lineStart, to: i) + 1)
        }
    }

    /// The byte offset of the first byte at or after `start` that does not begin a well-formed
    /// UTF-8 sequence, or nil. The fast path for large inputs (a CSV of a million rows): words of
    /// eight ASCII bytes are skipped with one test, so an ASCII file costs one quick pass.
    public static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        var i = start
        while i < count {
            if i + 8 <= count, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            if bytes[i] < 0x80 { i += 1; continue }
            let length = sequenceLength(bytes, at: i)
            if length == 0 { return i }
            i += length
        }
        return nil
    }

    /// The length of the well-formed sequence starting at `i`, or 0 (Unicode Table 3-7).
    private static func sequenceLength(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            i + k < b.count && b[i + k] >= low && b[i + k] <= high
        }
        switch b[i] {
        case 0xC2...0xDF: return continuation(1) ? 2 : 0
        case 0xE0: return continuation(1, 0xA0) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return continuation(1) && continuation(2) ? 3 : 0
        case 0xED: return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
        case 0xF0: return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3: return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4: return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default: return 0
        }
    }

    /// Unicode scalars in the (well-formed) bytes `from..<to`: every byte that is not a continuation byte.
    private static func scalarCount(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        var count = 0
        for k in from..<to where b[k] & 0xC0 != 0x80 { count += 1 }
        return count
    }
}
