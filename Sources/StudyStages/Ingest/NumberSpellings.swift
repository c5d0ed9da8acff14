/// Writes numbers as `NumberFormat.format` spells them, straight into a byte buffer.
///
/// Whole numbers within ±2^53 (times in days, codes, counts) are written digit by digit, and so
/// are the short decimals of measurements (`62.3`, `-1.071`: `appendShortDecimal`). Others go
/// through `NumberFormat.format` once per distinct bit pattern held in a small direct-mapped
/// cache: a temporary string per cell was a large part of writing a million-row table.
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
        // Whole: a truncating conversion and back (one instruction each); `rounded()` is a libm call.
        if abs(d) <= 9_007_199_254_740_992, d == Double(Int64(d)) {
            Self.appendInteger(Int64(d), to: &out)
            return
        }
        if Self.appendShortDecimal(d, to: &out) { return }
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

    /// 10^0 ... 10^15, exact doubles.
    private static let powersOfTen: [Double] = (0...15).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }

    /// Writes `d` as the shortest decimal that reads back to it, as `NumberFormat.format` (Swift's
    /// shortest, closest spelling) would, when `d` is not whole, 0.001 ≤ |d| and that decimal
    /// has k ≤ 15 fraction digits and digits m < 2^50; false (nothing written) otherwise.
    ///
    /// Why it is the same spelling: for the smallest k at which some integer m gives
    /// m / 10^k == |d| (one correctly rounded division of exact doubles, so exactly what reading
    /// `m·10^-k` gives), the digits of m are the shortest that round-trip. The candidates at each
    /// k are the two integers around |d|·10^k (below 2^50 the product is off by less than 1/8),
    /// and with m < 2^50 the interval of decimals that read back to |d| is narrower than 10^-k/4,
    /// so at most one candidate lies in it: the closest. Such values print without an exponent. A test holds
    /// the bytes equal to `NumberFormat.format` on random values of every magnitude.
    @inline(__always)
    static func appendShortDecimal(_ d: Double, to out: inout [UInt8]) -> Bool {
        let magnitude = Swift.abs(d)
        guard magnitude >= 0.001, magnitude < 0x1p50, magnitude != Double(Int64(magnitude)) else { return false }
        for k in 1...15 {
            let power = powersOfTen[k]
            let scaled = magnitude * power
            guard scaled < 0x1p50 else { return false }
            // The product is within 1/8 of the exact |d|·10^k, so the integer nearest that is
            // the truncation or the next one up.
            let truncated = Double(Int64(scaled))
            let m = truncated / power == magnitude ? truncated : (truncated + 1) / power == magnitude ? truncated + 1 : 0
            // Equal to |d| > 0, so positive.
            if m > 0 {
                appendDecimal(UInt64(m), fractionDigits: k, negative: d < 0, to: &out)
                return true
            }
        }
        return false
    }

    /// `m · 10^-k` in positional notation (`0.05`, `-62.3`), no trailing zero to drop (k minimal).
    private static func appendDecimal(_ m: UInt64, fractionDigits k: Int, negative: Bool, to out: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var at = 32, rest = m, written = 0
            repeat {
                if written == k { at -= 1; buffer[at] = UInt8(ascii: ".") }
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                written += 1
            } while rest > 0 || written <= k
            if negative { at -= 1; buffer[at] = UInt8(ascii: "-") }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[at...]))
        }
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
