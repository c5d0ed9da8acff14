import Foundation
import Testing
@testable import StudyStats

/// The O(n log n) concordance against the pairwise oracle on seeded random data.
@Suite("Cox concordance: tree sweep against all pairs")
struct CoxConcordanceTests {
    /// SplitMix64, so the data are the same on every run and platform.
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

    struct Case: CustomStringConvertible, Sendable {
        let seed: UInt64
        let n: Int
        /// Distinct times and scores drawn from; small values force many ties.
        let timeLevels: Int
        let scoreLevels: Int
        let strata: Int?
        var description: String {
            "seed \(seed) n \(n) times \(timeLevels) scores \(scoreLevels) strata \(strata.map(String.init) ?? "none")"
        }
    }

    static let cases: [Case] = [
        Case(seed: 1, n: 2, timeLevels: 2, scoreLevels: 2, strata: nil),
        Case(seed: 2, n: 50, timeLevels: 5, scoreLevels: 3, strata: nil),
        Case(seed: 3, n: 300, timeLevels: 20, scoreLevels: 10, strata: nil),
        Case(seed: 4, n: 300, timeLevels: 1_000_000, scoreLevels: 1_000_000, strata: nil),
        Case(seed: 5, n: 400, timeLevels: 15, scoreLevels: 8, strata: 3),
        Case(seed: 6, n: 500, timeLevels: 40, scoreLevels: 1_000_000, strata: 5),
        Case(seed: 7, n: 500, timeLevels: 3, scoreLevels: 2, strata: 2),
        Case(seed: 8, n: 600, timeLevels: 100, scoreLevels: 25, strata: 1),
    ]

    @Test("counts exact, C within 1e-12 and se within 1e-9 relative", arguments: cases)
    func matchesPairs(_ c: Case) {
        var rng = SeededGenerator(state: c.seed)
        let time = (0..<c.n).map { _ in Double(Int.random(in: 1...c.timeLevels, using: &rng)) * 0.5 }
        let event = (0..<c.n).map { _ in Double.random(in: 0..<1, using: &rng) < 0.6 }
        let score = (0..<c.n).map { _ in Double(Int.random(in: 0..<c.scoreLevels, using: &rng)) / 7 - 0.3 }
        // Strata labels deliberately not in order of first appearance.
        let strata = c.strata.map { k in (0..<c.n).map { _ in 10 - Int.random(in: 0..<k, using: &rng) * 3 } }

        let pairs = CoxConcordance.computeByPairs(time: time, event: event, riskScore: score, strata: strata)
        let tree = CoxConcordance.computeByTree(time: time, event: event, riskScore: score, strata: strata)
        #expect(tree.concordant == pairs.concordant)
        #expect(tree.discordant == pairs.discordant)
        #expect(tree.tiedX == pairs.tiedX)
        #expect(tree.tiedY == pairs.tiedY)
        #expect(tree.tiedXY == pairs.tiedXY)
        #expect(abs(tree.concordance - pairs.concordance) <= 1e-12, "C \(tree.concordance) vs \(pairs.concordance)")
        #expect(abs(tree.standardError - pairs.standardError) <= 1e-9 * abs(pairs.standardError),
                "se \(tree.standardError) vs \(pairs.standardError)")
    }
}
