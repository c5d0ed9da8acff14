import Foundation
import Testing
@testable import StudyStats

/// Trial power by simulation: the fast log-rank against survdiff's, size and power against theory,
/// determinism across chunks and threads.
@Suite("Trial power simulation")
struct TrialSimulationTests {
    static let design = TrialDesign(sampleSize: 200, hazardRatio: 1, allocation: 0.5, controlMedian: 6,
                                    accrual: 12, followUp: 12, dropout: 0.02)

    @Test("the two-group fast path equals LogRank.test (survdiff) on data with ties")
    func fastLogRankMatchesSurvdiff() {
        for seed in UInt64(1)...20 {
            var stream = RandomStream(seed: seed, index: 0)
            let n = 30 + Int(seed) * 7
            // Times rounded to whole units give many ties, including events tied with censorings.
            let subjects = (0..<n).map { i in
                TwoGroupLogRank.Subject(time: (stream.exponential(rate: 0.2) * 2).rounded(), inGroup1: i % 3 == 0,
                                        event: stream.bernoulli(0.7))
            }
            let fast = TwoGroupLogRank.test(subjects)
            let data = SurvivalData(time: subjects.map(\.time), event: subjects.map { $0.flags & 2 != 0 })
            let general = LogRank.test(data, groups: subjects.map { $0.flags & 1 == 1 ? "b" : "a" }, levels: ["a", "b"])
            #expect(abs(fast.statistic - general.statistic) <= 1e-10 * max(1, general.statistic), "seed \(seed)")
            #expect(abs(fast.observed - general.observed[1]) < 1e-12)
            #expect(abs(fast.expected - general.expected[1]) <= 1e-10 * general.expected[1])
            #expect(abs(fast.variance - general.variance[1][1]) <= 1e-10 * general.variance[1][1])
            #expect(fast.events == data.event.filter { $0 }.count)
        }
    }

    @Test("both sorters order subjects by time and keep every subject, on spread, skewed, tied and equal times")
    func sortersSort() {
        var stream = RandomStream(seed: 12, index: 0)
        let cases: [[Double]] = [
            (0..<400).map { _ in stream.exponential(rate: 0.1) },
            (0..<400).map { _ in min(stream.exponential(rate: 100), 24) } + [24, 24],
            (0..<300).map { _ in (stream.uniform() * 10).rounded() },
            [Double](repeating: 3, count: 100),
            (0..<50).map { Double(50 - $0) }, [2, 1], [],
        ]
        var sorter = TwoGroupLogRank.BucketSorter()
        for (k, times) in cases.enumerated() {
            let subjects = times.enumerated().map { TwoGroupLogRank.Subject(time: $1, inGroup1: $0 % 2 == 0, event: $0 % 3 == 0) }
            let expected = subjects.map { "\($0.time)/\($0.flags)" }.sorted()
            for bucket in [false, true] {
                var copy = subjects
                copy.withUnsafeMutableBufferPointer { bucket ? sorter.sort($0) : TwoGroupLogRank.sortByTime($0) }
                #expect(zip(copy, copy.dropFirst()).allSatisfy { $0.time <= $1.time }, "case \(k), bucket \(bucket)")
                #expect(copy.map { "\($0.time)/\($0.flags)" }.sorted() == expected, "case \(k), bucket \(bucket)")
            }
        }
    }

    @Test("closed-form event probability equals numerical integration")
    func eventProbabilityIntegrates() {
        for (hazard, accrual, followUp, dropout) in [(0.1155, 12.0, 12.0, 0.0), (0.05, 24, 6, 0.03), (0.5, 1, 0.5, 0.2)] {
            let design = TrialDesign(sampleSize: 10, hazardRatio: 1, controlMedian: 1, accrual: accrual, followUp: followUp,
                                     dropout: dropout)
            let integral = EventProbability.observed(cdf: { 1 - exp(-hazard * $0) }, accrual: accrual, followUp: followUp,
                                                     dropout: dropout)
            #expect(abs(design.eventProbability(hazard: hazard) - integral) < 1e-9)
        }
    }

    @Test("under HR = 1 the log-rank rejection rate is within 3 Monte Carlo SE of alpha")
    func sizeUnderNull() {
        let alpha = 0.05, replicates = 4000
        let power = TrialSimulation.power(Self.design, analysis: .logRank, alpha: alpha, replicates: replicates, seed: 11,
                                          threads: 2)
        let se = (alpha * (1 - alpha) / Double(replicates)).squareRoot()
        #expect(abs(power.power - alpha) <= 3 * se, "rejection rate \(power.power)")
        #expect(abs(power.schoenfeldPower - alpha) < 1e-12)
        // Mean events against the closed-form expectation (events ≤ n, so SD ≤ √n / 2 per replicate).
        #expect(abs(power.meanEvents - power.expectedEvents) < 4 * (200.0 / 4 / Double(replicates)).squareRoot())
        #expect(abs(power.medianHazardRatio - 1) < 0.03)
    }

    @Test("with about 800 events, log-rank power is within 3 Monte Carlo SE of Schoenfeld's")
    func powerMatchesSchoenfeld() {
        let design = TrialDesign(sampleSize: 1000, hazardRatio: 0.85, allocation: 0.5, controlMedian: 6,
                                 accrual: 12, followUp: 12, dropout: 0)
        let replicates = 2000
        let power = TrialSimulation.power(design, analysis: .logRank, alpha: 0.05, replicates: replicates, seed: 5,
                                          threads: 2)
        #expect(power.expectedEvents > 750)
        #expect(abs(power.power - power.schoenfeldPower) <= 3 * power.monteCarloStandardError,
                "simulated \(power.power) vs Schoenfeld \(power.schoenfeldPower)")
        #expect(abs(log(power.medianHazardRatio) - log(0.85)) < 0.02)
    }

    @Test("Cox analysis rejects like the log-rank on the same trials, and its HR is near the truth")
    func coxAgreesWithLogRank() {
        let design = TrialDesign(sampleSize: 120, hazardRatio: 0.6, controlMedian: 6, accrual: 12, followUp: 12)
        let logRank = TrialSimulation.simulate(design, analysis: .logRank, alpha: 0.05, seed: 3, replicates: 0..<120)
        let cox = TrialSimulation.simulate(design, analysis: .cox, alpha: 0.05, seed: 3, replicates: 0..<120)
        let agree = zip(logRank, cox).filter { $0.rejected == $1.rejected }.count
        #expect(agree >= 112, "agreement \(agree) of 120")
        #expect(zip(logRank, cox).allSatisfy { $0.events == $1.events })
        let summary = TrialSimulation.summarize(design, cox, alpha: 0.05)
        #expect(abs(log(summary.medianHazardRatio) - log(0.6)) < 0.1)
    }

    @Test("results are identical for any chunk size and thread count, and change with the seed")
    func deterministic() {
        let design = TrialDesign(sampleSize: 60, hazardRatio: 0.7, controlMedian: 6, accrual: 12, followUp: 6, dropout: 0.05)
        let reference = TrialSimulation.simulate(design, analysis: .logRank, alpha: 0.05, seed: 8, replicates: 0..<300)
        for (chunk, threads) in [(1, 1), (7, 2), (64, 3), (300, 2), (1000, 4)] {
            let results = ChunkedWork.map(count: 300, chunkSize: chunk, threads: threads) { range in
                TrialSimulation.simulate(design, analysis: .logRank, alpha: 0.05, seed: 8, replicates: range)
            }
            #expect(results == reference, "chunk \(chunk), threads \(threads)")
        }
        let a = TrialSimulation.power(design, analysis: .logRank, alpha: 0.05, replicates: 300, seed: 8, threads: 1, chunkSize: 5)
        let b = TrialSimulation.power(design, analysis: .logRank, alpha: 0.05, replicates: 300, seed: 8, threads: 2, chunkSize: 77)
        #expect(a == b)
        let other = TrialSimulation.simulate(design, analysis: .logRank, alpha: 0.05, seed: 9, replicates: 0..<300)
        #expect(other != reference)
    }
}
