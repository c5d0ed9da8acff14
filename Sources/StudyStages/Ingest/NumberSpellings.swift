/// Writes numbers as `NumberFormat.format` spells them, straight into a byte buffer.
///
/// Whole numbers within ±2^53 (times in days, codes, counts) are written digit by digit. Others
/// go through `NumberFormat.format` once per distinct bit pattern held in a small direct-mapped
/// cache: columns of a cohort file repeat a few thousand values, and a temporary string per cell
/// was a large part of writing a million-row table.
struct NumberSpellings {
    private static let slots = 16384
    /// Bytes a slot holds; a longer spelling is written uncached.
    private static let width = 32
    private var keys = [UInt64](repeating: 0, count: slots)
    /// Per slot, the spelling's length; 0 marks an empty slot (no spelling is empty).
    private var lengths = [UInt8](repeating: 0, count: slots)
    /// The spellings, `width` bytes a slot, in one buffer: one array per slot cost a retain per cell.
    private var spellings = [UInt8](repeating: 0, count: slots * width)

    /// Appends the spelling of `d` to `out`.
    mutating func append(_ d: Double, to out: inout [UInt8]) {
        if d.isFinite, d == d.rounded(), abs(d) <= 9_007_199_254_740_992 {
            Self.appendInteger(Int64(d), to: &out)
            return
        }
        let bits = d.bitPattern
        let slot = Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> 50)
        let length = Int(lengths[slot])
        if length > 0 && keys[slot] == bits {
            spellings.withUnsafeBufferPointer {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[(slot * Self.width)..<(slot * Self.width + length)]))
            }
            return
        }
        let spelling = Array(NumberFormat.format(d).utf8)
        out.append(contentsOf: spelling)
        guard spelling.count <= Self.width else { return }
        keys[slot] = bits
        lengths[slot] = UInt8(spelling.count)
        spellings.replaceSubrange((slot * Self.width)..<(slot * Self.width + spelling.count), with: spelling)
    }

    /// Decimal digits of `value` as `String(value)` writes them (`-0.0` never gets here as a
    /// negative: `Int64(-0.0)` is 0, and `NumberFormat.format` writes it `0` too).
    private static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }
}
