import Testing
@testable import StudyStats

/// The SIMD likelihood (up to 8 terms) must give bit for bit the scalar loop's numbers, per event
/// time too (what cox.zph reads), with heavy ties, strata, and both tie methods.
@Suite struct CoxLikelihoodTests {
    @Test("narrow (SIMD) and wide (scalar) evaluations agree bit for bit", arguments: [1, 3, 7, 8])
    func narrowEqualsWide(terms: Int) {
        var state: UInt64 = 7 &+ UInt64(terms)
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 2_000
        let time = (0..<n).map { _ in (uniform() * 60).rounded(.down) + 1 }   // heavy ties
        let event = (0..<n).map { _ in uniform() < 0.7 }
        let stratum = (0..<n).map { _ in uniform() < 0.3 ? 1 : 0 }
        let columns = (0..<terms).map { j in (0..<n).map { _ in j % 2 == 0 ? (uniform() < 0.5 ? 1.0 : 0.0) : uniform() * 4 - 2 } }
        let beta = (0..<terms).map { _ in uniform() - 0.5 }
        for ties in CoxTies.allCases {
            let problem = CoxLikelihood(time: time, event: event, stratum: stratum, columns: columns, ties: ties)
            var narrowVisits: [[Double]] = [], wideVisits: [[Double]] = []
            let narrow = problem.evaluateNarrow(beta) { t, u, i in narrowVisits.append([t] + u + i.flatMap { $0 }) }
            let wide = problem.evaluateWide(beta) { t, u, i in wideVisits.append([t] + u + i.flatMap { $0 }) }
            #expect(narrow.loglik.bitPattern == wide.loglik.bitPattern, "\(ties)")
            #expect(narrow.score.map(\.bitPattern) == wide.score.map(\.bitPattern), "\(ties)")
            #expect(narrow.information.flatMap { $0 }.map(\.bitPattern) == wide.information.flatMap { $0 }.map(\.bitPattern), "\(ties)")
            #expect(narrowVisits.map { $0.map(\.bitPattern) } == wideVisits.map { $0.map(\.bitPattern) }, "\(ties)")
        }
    }
}
