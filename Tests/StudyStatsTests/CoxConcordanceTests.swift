import Foundation
import Testing
import _StudyTestSupport
@testable import StudyStats

/// The fast concordance sweeps against the pairwise oracle, and each other, on seeded random data.
@Suite("Cox concordance: tree and slot sweeps against all pairs")
struct CoxConcordanceTests {
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
        var rng = SplitMix(seed: c.seed)
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

        let slots = CoxConcordance.computeBySlots(time: time, event: event, riskScore: score, strata: strata)
        #expect(slots.concordant == pairs.concordant)
        #expect(slots.discordant == pairs.discordant)
        #expect(slots.tiedX == pairs.tiedX)
        #expect(slots.tiedY == pairs.tiedY)
        #expect(slots.tiedXY == pairs.tiedXY)
        #expect(abs(slots.concordance - pairs.concordance) <= 1e-12, "C \(slots.concordance) vs \(pairs.concordance)")
        #expect(abs(slots.standardError - pairs.standardError) <= 1e-9 * abs(pairs.standardError),
                "se \(slots.standardError) vs \(pairs.standardError)")
    }

    /// The slot sweep must give the tree sweep's counts and C bit for bit, and its se to rounding
    /// (the two sum the variance in different orders), here on data shaped like the benchmark's:
    /// whole-day times with heavy ties, nearly distinct scores, some repeated scores, strata.
    @Test("slot sweep equals the rank-tree sweep: counts and C bit for bit, se within 1e-12", arguments: [(11 as UInt64, nil as Int?), (12, 4)])
    func slotsMatchTree(_ seed: UInt64, _ strataCount: Int?) {
        var rng = SplitMix(seed: seed)
        let n = 30_000
        let time = (0..<n).map { _ in Double(Int.random(in: 1...400, using: &rng)) }
        let event = (0..<n).map { _ in Double.random(in: 0..<1, using: &rng) < 0.68 }
        let score = (0..<n).map { k in
            k % 5 == 0 ? Double(Int.random(in: 0..<20, using: &rng)) / 4 : Double.random(in: -3..<3, using: &rng)
        }
        let strata = strataCount.map { k in (0..<n).map { _ in Int.random(in: 0..<k, using: &rng) } }
        let tree = CoxConcordance.computeByTree(time: time, event: event, riskScore: score, strata: strata)
        let slots = CoxConcordance.computeBySlots(time: time, event: event, riskScore: score, strata: strata)
        #expect(slots.concordant == tree.concordant)
        #expect(slots.discordant == tree.discordant)
        #expect(slots.tiedX == tree.tiedX)
        #expect(slots.tiedY == tree.tiedY)
        #expect(slots.tiedXY == tree.tiedXY)
        #expect(slots.concordance.bitPattern == tree.concordance.bitPattern)
        #expect(abs(slots.standardError - tree.standardError) <= 1e-12 * tree.standardError,
                "se \(slots.standardError) vs \(tree.standardError)")
    }
}
