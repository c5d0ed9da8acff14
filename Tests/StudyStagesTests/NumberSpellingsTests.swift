import Testing
@testable import StudyStages

/// The byte writer of the normalized CSV against `NumberFormat.format`, the one spelling of a
/// number: whole numbers, repeats through the cache (with colliding slots), and edge values.
@Suite("NumberSpellings: the same bytes as NumberFormat.format")
struct NumberSpellingsTests {
    /// SplitMix64, so the values are the same on every run.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("seeded values, each written twice, equal format(_:) joined by commas")
    func matchesFormat() {
        var rng = SeededGenerator(state: 42)
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
