#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Axis scales with round ("nice") tick values: 1, 2 or 5 times a power of ten on a linear axis,
/// the same mantissas on a log axis, so a reader can interpolate by eye (Heckbert, "Nice numbers
/// for graph labels", Graphics Gems 1990).
public struct NiceScale: Equatable, Sendable {
    /// Lower end of the axis (the first tick on a linear axis).
    public var lower: Double
    /// Upper end of the axis (the last tick on a linear axis).
    public var upper: Double
    /// Tick values, increasing, all inside `lower...upper`.
    public var ticks: [Double]
    /// Whether positions are proportional to log(value).
    public var isLog: Bool

    /// A linear scale covering `minimum...maximum` whose ends are ticks, with about `count` ticks.
    /// An empty or degenerate range becomes `0...1`, or a unit range around the single value.
    public static func linear(_ minimum: Double, _ maximum: Double, count: Int = 6) -> NiceScale {
        var lo = minimum.isFinite ? minimum : 0
        var hi = maximum.isFinite ? maximum : 1
        if lo > hi { swap(&lo, &hi) }
        if hi == lo { if lo == 0 { hi = 1 } else { lo -= abs(lo) * 0.5; hi += abs(hi) * 0.5 } }
        let step = niceStep((hi - lo) / Double(max(count - 1, 1)))
        // A hair of slack so 0.07 / 0.01 = 7.000000000000001 does not add a tick past the data.
        let first = (lo / step + 1e-9).rounded(.down)
        let last = (hi / step - 1e-9).rounded(.up)
        var ticks: [Double] = []
        var k = first
        while k <= last + 1e-9 {
            // Multiply instead of accumulating so 0.1 * 3 stays 0.3 to the last digit we print.
            ticks.append(clean(k * step, step: step))
            k += 1
        }
        return NiceScale(lower: ticks.first!, upper: ticks.last!, ticks: ticks, isLog: false)
    }

    /// A log scale covering `minimum...maximum` (both positive), padded to the nearest ticks
    /// outside, with ticks at 1-2-5 mantissas (or finer when the range is narrow) and always at 1
    /// when 1 is inside — the reference of a hazard ratio.
    public static func log(_ minimum: Double, _ maximum: Double) -> NiceScale {
        var lo = minimum > 0 && minimum.isFinite ? minimum : 0.5
        var hi = maximum > 0 && maximum.isFinite ? maximum : 2
        if lo > hi { swap(&lo, &hi) }
        if hi / lo < 1.5 { lo /= 1.25; hi *= 1.25 }
        let levels: [[Double]] = [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7], [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]]
        for (index, mantissas) in levels.enumerated() {
            let candidates = logCandidates(mantissas, around: lo, hi)
            guard let below = candidates.last(where: { $0 <= lo * (1 + 1e-12) }),
                  let above = candidates.first(where: { $0 >= hi * (1 - 1e-12) }) else { continue }
            let ticks = candidates.filter { $0 >= below && $0 <= above }
            if ticks.count >= 4 || index == levels.count - 1 {
                return NiceScale(lower: below, upper: above, ticks: ticks, isLog: true)
            }
        }
        return NiceScale(lower: lo, upper: hi, ticks: [lo, hi], isLog: true)
    }

    /// Position of `value` in `0...1` along the axis (outside when the value is outside).
    public func fraction(_ value: Double) -> Double {
        if isLog { return (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) }
        return (value - lower) / (upper - lower)
    }

    /// The tick labels, all with the same number of decimals (the fewest that show every tick exactly).
    public var labels: [String] {
        if isLog { return ticks.map { JSONNumberText.shortest($0) } }
        let decimals = NiceScale.decimals(ticks)
        return ticks.map { TextFormat.fixed($0, decimals) }
    }

    /// The fewest decimals (up to 6) that print every value exactly.
    static func decimals(_ values: [Double]) -> Int {
        for d in 0...6 {
            var scale = 1.0
            for _ in 0..<d { scale *= 10 }
            if values.allSatisfy({ abs($0 * scale - ($0 * scale).rounded()) < 1e-6 }) { return d }
        }
        return 6
    }

    /// The nice step (1, 2 or 5 × 10^k) nearest above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let exponent = log10(raw).rounded(.down)
        let base = pow10(Int(exponent))
        let fraction = raw / base
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * base
    }

    /// `value` rounded to the decimals of `step`, removing binary noise such as 0.30000000000000004.
    static func clean(_ value: Double, step: Double) -> Double {
        let digits = max(0, -Int(log10(step).rounded(.down)) + 1)
        let scale = pow10(digits)
        let cleaned = (value * scale).rounded() / scale
        return cleaned == 0 ? 0 : cleaned
    }

    static func logCandidates(_ mantissas: [Double], around lo: Double, _ hi: Double) -> [Double] {
        let first = Int(log10(lo).rounded(.down)) - 1
        let last = Int(log10(hi).rounded(.up)) + 1
        var values: [Double] = []
        for e in first...last {
            for m in mantissas { values.append(clean(m * pow10(e), step: pow10(e) / 10)) }
        }
        return values
    }

    static func pow10(_ e: Int) -> Double {
        var result = 1.0
        if e >= 0 { for _ in 0..<e { result *= 10 } } else { for _ in 0..<(-e) { result /= 10 } }
        return result
    }
}

