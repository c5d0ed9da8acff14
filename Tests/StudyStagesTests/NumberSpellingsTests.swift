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
}
