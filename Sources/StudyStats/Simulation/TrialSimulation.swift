#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How each simulated trial is analysed.
public enum TrialAnalysis: String, Sendable, CaseIterable {
    /// The two-sided log-rank test (`survival::survdiff`); the HR estimate is Peto's exp((O − E) / V).
    case logRank = "log-rank"
    /// The Wald test of a Cox model with the arm as its only covariate (`survival::coxph`, Efron ties).
    case cox
}

/// What one simulated trial gave.
public struct TrialReplicate: Sendable, Equatable {
    /// Whether the test rejected equal hazards at the two-sided level.
    public var rejected: Bool
    /// Observed events.
    public var events: Int
    /// Estimated hazard ratio of the experimental arm; NaN when not estimable (no events, or a Cox
    /// fit that failed).
    public var hazardRatio: Double

    /// Equal when every field has the same bits (so two undefined ratios compare equal).
    public static func == (a: TrialReplicate, b: TrialReplicate) -> Bool {
        a.rejected == b.rejected && a.events == b.events && a.hazardRatio.bitPattern == b.hazardRatio.bitPattern
    }
}

/// Monte Carlo power of a trial design: the summary of its replicates.
public struct TrialPower: Sendable, Equatable {
    /// The design simulated.
    public var design: TrialDesign
    /// Replicates simulated.
    public var replicates: Int
    /// Fraction of replicates that rejected.
    public var power: Double
    /// Monte Carlo standard error of `power`, √(p (1 − p) / replicates).
    public var monteCarloStandardError: Double
    /// Mean observed events per replicate.
    public var meanEvents: Double
    /// Mean of the estimated hazard ratios over replicates where it is defined; NaN when none is.
    public var meanHazardRatio: Double
    /// Median of the estimated hazard ratios (mean of the middle two for an even count); NaN when none.
    public var medianHazardRatio: Double
    /// Replicates whose hazard ratio was not estimable.
    public var undefinedCount: Int
    /// Schoenfeld's approximate power at the design's expected events.
    public var schoenfeldPower: Double
    /// Expected events from the design (closed form), for comparison with `meanEvents`.
    public var expectedEvents: Double
}

/// Simulates two-arm trials and estimates power. Replicate r of every cell draws from stream
/// (seed, r): cells share random numbers (common random numbers, so power curves are smooth in
/// HR and n), and a replicate's result does not depend on chunking or threads.
public enum TrialSimulation {
    /// Replicates per chunk: large enough to amortise scheduling, small enough to balance 2–64 threads.
    public static let defaultChunkSize = 128

    /// Power of `design` by `replicates` simulated trials analysed by `analysis` at two-sided `alpha`.
    public static func power(
        _ design: TrialDesign, analysis: TrialAnalysis, alpha: Double, replicates: Int, seed: UInt64,
        threads: Int = 1, chunkSize: Int = defaultChunkSize
    ) -> TrialPower {
        let results = ChunkedWork.map(count: replicates, chunkSize: chunkSize, threads: threads) { range in
            simulate(design, analysis: analysis, alpha: alpha, seed: seed, replicates: range)
        }
        return summarize(design, results, alpha: alpha)
    }

    /// Replicates `replicates` of `design`, one result each, in order.
    public static func simulate(
        _ design: TrialDesign, analysis: TrialAnalysis, alpha: Double, seed: UInt64, replicates: Range<Int>
    ) -> [TrialReplicate] {
        let critical = pow(Distributions.normalQuantile(1 - alpha / 2), 2)
        var buffer = [TwoGroupLogRank.Subject](repeating: TwoGroupLogRank.Subject(time: 0, inGroup1: false, event: false),
                                               count: design.sampleSize)
        var sorter = TwoGroupLogRank.BucketSorter()
        var out = [TrialReplicate]()
        out.reserveCapacity(replicates.count)
        for r in replicates {
            var stream = RandomStream(seed: seed, index: UInt64(r))
            buffer.withUnsafeMutableBufferPointer { generate(design, stream: &stream, into: $0) }
            switch analysis {
            case .logRank:
                out.append(buffer.withUnsafeMutableBufferPointer { logRank($0, sorter: &sorter, critical: critical) })
            case .cox:
                out.append(cox(buffer, alpha: alpha))
            }
        }
        return out
    }

    /// Fills `patients` with one trial: per patient, entry, then the first of event and dropout
    /// (one exponential at the summed rate, its cause drawn after), cut at the analysis time.
    @inline(__always)
    static func generate(_ design: TrialDesign, stream: inout RandomStream,
                         into patients: UnsafeMutableBufferPointer<TwoGroupLogRank.Subject>) {
        let experimental = design.experimentalCount
        let controlHazard = design.controlHazard
        let hazards = (control: controlHazard, experimental: controlHazard * design.hazardRatio)
        let rates = (control: hazards.control + design.dropout, experimental: hazards.experimental + design.dropout)
        for i in 0..<patients.count {
            let treated = i < experimental
            let rate = treated ? rates.experimental : rates.control
            // Administrative censoring: from entry (uniform over accrual) to the end of follow-up.
            let available = design.followUp + design.accrual * (1 - stream.uniform())
            let first = -log(stream.uniform()) / rate
            let event: Bool
            if first > available {
                event = false
            } else if design.dropout > 0 {
                event = stream.uniform() * rate < (treated ? hazards.experimental : hazards.control)
            } else {
                event = true
            }
            patients[i] = TwoGroupLogRank.Subject(time: min(first, available), inGroup1: treated, event: event)
        }
    }

    static func logRank(_ patients: UnsafeMutableBufferPointer<TwoGroupLogRank.Subject>,
                        sorter: inout TwoGroupLogRank.BucketSorter, critical: Double) -> TrialReplicate {
        sorter.sort(patients)
        let result = TwoGroupLogRank.test(sorted: UnsafeBufferPointer(patients))
        return TrialReplicate(rejected: result.statistic > critical, events: result.events,
                              hazardRatio: result.logHazardRatio.map { exp($0) } ?? .nan)
    }

    static func cox(_ patients: [TwoGroupLogRank.Subject], alpha: Double) -> TrialReplicate {
        let data = SurvivalData(time: patients.map(\.time), event: patients.map { $0.flags & 2 != 0 })
        let events = data.event.filter { $0 }.count
        let design = CoxDesign(terms: ["arm"], columns: [patients.map { Double($0.flags & 1) }])
        guard let model = try? CoxModel.fit(data, design: design), let coefficient = model.coefficients.first,
              coefficient.standardError.isFinite else {
            return TrialReplicate(rejected: false, events: events, hazardRatio: .nan)
        }
        return TrialReplicate(rejected: coefficient.p < alpha, events: events, hazardRatio: coefficient.hazardRatio)
    }

    /// The cell summary, reduced in replicate order.
    public static func summarize(_ design: TrialDesign, _ results: [TrialReplicate], alpha: Double) -> TrialPower {
        let count = Double(results.count)
        var rejections = 0, events = 0
        var ratios = [Double]()
        ratios.reserveCapacity(results.count)
        for r in results {
            if r.rejected { rejections += 1 }
            events += r.events
            if r.hazardRatio.isFinite { ratios.append(r.hazardRatio) }
        }
        let power = Double(rejections) / count
        var mean = Double.nan
        var median = Double.nan
        if !ratios.isEmpty {
            mean = ratios.reduce(0, +) / Double(ratios.count)
            ratios.sort()
            let m = ratios.count / 2
            median = ratios.count % 2 == 1 ? ratios[m] : (ratios[m - 1] + ratios[m]) / 2
        }
        return TrialPower(
            design: design, replicates: results.count, power: power,
            monteCarloStandardError: (power * (1 - power) / count).squareRoot(),
            meanEvents: Double(events) / count, meanHazardRatio: mean, medianHazardRatio: median,
            undefinedCount: results.count - ratios.count,
            schoenfeldPower: design.schoenfeldPower(alpha: alpha), expectedEvents: design.expectedEvents)
    }
}
