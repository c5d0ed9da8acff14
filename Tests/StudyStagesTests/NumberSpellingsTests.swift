import Testing
import _StudyTestSupport
@testable import StudyStages

/// The byte writer of the normalized CSV against `NumberFormat.format`, the one spelling of a
/// number: whole numbers, repeats through the cache (with colliding slots), and edge values.
@Suite("NumberSpellings: the same bytes as NumberFormat.format")
struct NumberSpellingsTests {
    @Test("seeded values, each written twice, equal format(_:) joined by commas")
    func matchesFormat() {
        var rng = SplitMix(seed: 42)
        var values: [Double] = [
            0, -0.0, 1, -1, 9_007_199_254_740_992, -9_007_199_254_740_992, 9_007_199_254_740_994,
            1e300, -1e-300, .infinity, -.infinity, .nan, 0.1, 2.5, -123.45, Double.leastNonzeroMagnitude,
            Double(Int64.max), 1e22, 123_456_789_012,
        ]
        for _ in 0..<20_000 {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: values.append(Double(Int.random(in: -100_000...100_000, using: &rng)))
            case 1: values.append(Double(Int.random(in: 0..<1000, using: &rng)) / 10)
            case 2: values.append(Double.random(in: -5..<5, using: &rng))
            default: values.append(Double(bitPattern: rng.next()))
            }
        }
        values += values.reversed()
        var spellings = NumberSpellings()
        var out: [UInt8] = []
        for (i, d) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            spellings.append(d, to: &out)
        }
        let expected = values.map(NumberFormat.format).joined(separator: ",")
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test("short decimals written digit by digit equal format(_:) on 300,000 values of every magnitude and 1 to 15 decimals")
    func shortDecimalsMatchFormat() {
        var rng = SplitMix(seed: 7)
        var values: [Double] = [0.001, 0.0009999, 0.00100000001, 0x1p50 - 0.5, 0x1p49 + 0.25, 0.5, 0.25, 0.125, 0.001953125,
                                0.1, 0.2, 0.3, 0.7, 1.005, 2.675, 1e-3, 123456.789, 999999.9999, 0.015625]
        for _ in 0..<100_000 {
            let decimals = Int.random(in: 1...15, using: &rng)
            let scale = (0..<decimals).reduce(1.0) { r, _ in r * 10 }
            values.append(Double(Int64.random(in: -9_999_999_999_999...9_999_999_999_999, using: &rng)) / scale)
            values.append(Double.random(in: 0.0005..<0x1p51, using: &rng) * (Bool.random(using: &rng) ? 1 : -1))
            values.append(Double(bitPattern: UInt64.random(in: 0x3F40_0000_0000_0000...0x4320_0000_0000_0000, using: &rng)))
        }
        var differences: [String] = []
        var written = 0
        for d in values {
            var out: [UInt8] = []
            if NumberSpellings.appendShortDecimal(d, to: &out) {
                written += 1
                let expected = NumberFormat.format(d)
                if String(decoding: out, as: UTF8.self) != expected { differences.append("\(expected): \(String(decoding: out, as: UTF8.self))") }
            } else {
                #expect(out.isEmpty)
            }
        }
        #expect(differences.prefix(20) == [])
        #expect(written > 100_000)
    }
}
