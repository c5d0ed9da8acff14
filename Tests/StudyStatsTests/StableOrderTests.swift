import Testing
@testable import StudyStats

/// The radix argsort must give exactly the order of a comparison sort of (key, index) pairs.
@Suite struct StableOrderTests {
    @Test("matches sorting (key, index) pairs on seeded keys with ties, negatives, ±0 and extremes")
    func matchesComparisonSort() {
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        for size in [0, 1, 2, 17, 1000, 30_000] {
            let keys: [Double] = (0..<size).map { _ in
                switch next() % 6 {
                case 0: return Double(next() % 50)                        // heavy ties, as whole days
                case 1: return -Double(next() % 50) / 4
                case 2: return next() % 2 == 0 ? 0.0 : -0.0
                case 3: return Double(bitPattern: next() | 0x3FF0_0000_0000_0000 & 0x7FEF_FFFF_FFFF_FFFF)
                case 4: return [Double.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
                                -.leastNonzeroMagnitude, .infinity, -.infinity][Int(next() % 6)]
                default: return (Double(next() % 1_000_000) - 500_000) * 1e-3
                }
            }
            let expected = keys.indices.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            #expect(StableOrder.ascending(keys) == expected, "size \(size)")
        }
    }

    @Test("whole-number keys (the counting path) sort as the comparison sort does, ±0 tied")
    func wholeNumbers() {
        var state: UInt64 = 9
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        for (size, range) in [(65, 3), (5_000, 40), (20_000, 3_000)] {
            let keys: [Double] = (0..<size).map { _ in
                let v = Double(Int(next() % UInt64(2 * range)) - range)
                return v == 0 && next() % 2 == 0 ? -0.0 : v
            }
            let expected = keys.indices.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            #expect(StableOrder.ascending(keys) == expected, "size \(size)")
        }
        let wide = (0..<100).map { Double($0 * 100_000) }.reversed().map { $0 }   // range too wide: radix path
        #expect(StableOrder.ascending(wide) == Array((0..<100).reversed()))
    }
}
