/// Harrell's concordance of a risk score, as `survival::coxph` reports it (survival ≥ 3:
/// `concordance()` of the linear predictor, `reverse = TRUE`, `timewt = "n"`), with the standard
/// error from the infinitesimal jackknife.
///
/// A pair is comparable when the subject with the shorter time had an event (a censoring at the
/// same time as an event counts as longer). Pairs tied on the score count 1/2; pairs of events at
/// the same time are not comparable (`tiedY`). Only pairs in the same stratum are compared.
public struct CoxConcordance: Sendable, Equatable {
    /// The concordance C = (concordant + tiedX / 2) / (concordant + discordant + tiedX).
    public var concordance: Double
    /// Infinitesimal-jackknife standard error of C.
    public var standardError: Double
    /// Comparable pairs where the earlier event has the higher score.
    public var concordant: Int
    /// Comparable pairs where the earlier event has the lower score.
    public var discordant: Int
    /// Comparable pairs tied on the score.
    public var tiedX: Int
    /// Pairs of events at the same time with different scores.
    public var tiedY: Int
    /// Pairs of events at the same time with equal scores.
    public var tiedXY: Int

    /// Counts every comparable pair and the jackknife influence of each subject, by one sweep in
    /// score order with Fenwick trees over time slots (`computeBySlots`): with times in whole days
    /// the trees are small and stay in cache.
    ///
    /// With `cluster` (a code per subject, as `coxph(..., cluster = id)`), the influences are summed
    /// within each cluster before they are squared, as R's `concordancefit` does.
    ///
    /// - Complexity: O(n log T) for n subjects and T distinct times, plus linear sorts.
    public static func compute(time: [Double], event: [Bool], riskScore: [Double], strata: [Int]? = nil,
                               cluster: [Int]? = nil) -> CoxConcordance {
        computeBySlots(time: time, event: event, riskScore: riskScore, strata: strata, cluster: cluster)
    }

    /// Counts every pair (O(n²) comparisons, in a fixed order) and the jackknife influence of each
    /// subject: the oracle `computeByTree` is tested against.
    ///
    /// - Complexity: O(n²) for n subjects.
    static func computeByPairs(time: [Double], event: [Bool], riskScore: [Double], strata: [Int]?) -> CoxConcordance {
        let n = time.count
        var concordant = 0, discordant = 0, tiedX = 0, tiedY = 0, tiedXY = 0
        // Per subject: concordant, discordant and score-tied pairs it belongs to.
        var perConcordant = [Double](repeating: 0, count: n)
        var perDiscordant = perConcordant, perTied = perConcordant
        // Events at the same time are not comparable; each such pair is counted once (i < j).
        for i in 0..<n where event[i] {
            for j in (i + 1)..<max(n, i + 1) where event[j] && time[j] == time[i] {
                if let strata, strata[i] != strata[j] { continue }
                if riskScore[i] == riskScore[j] { tiedXY += 1 } else { tiedY += 1 }
            }
        }
        for i in 0..<n where event[i] {
            for j in 0..<n where j != i {
                if let strata, strata[i] != strata[j] { continue }
                let comparable = time[j] > time[i] || (time[j] == time[i] && !event[j])
                guard comparable else { continue }
                if riskScore[i] > riskScore[j] {
                    concordant += 1
                    perConcordant[i] += 1
                    perConcordant[j] += 1
                } else if riskScore[i] < riskScore[j] {
                    discordant += 1
                    perDiscordant[i] += 1
                    perDiscordant[j] += 1
                } else {
                    tiedX += 1
                    perTied[i] += 1
                    perTied[j] += 1
                }
            }
        }
        let pairs = Double(concordant + discordant + tiedX)
        let somers = Double(concordant - discordant) / pairs
        var variance = 0.0
        for k in 0..<n {
            let dfbeta = (perConcordant[k] - perDiscordant[k]) / pairs
                - somers * (perConcordant[k] + perDiscordant[k] + perTied[k]) / pairs
            variance += dfbeta * dfbeta
        }
        return CoxConcordance(
            concordance: (somers + 1) / 2, standardError: variance.squareRoot() / 2,
            concordant: concordant, discordant: discordant, tiedX: tiedX, tiedY: tiedY, tiedXY: tiedXY)
    }
}

/// Pair counts summed over strata, from which C and its standard error follow.
struct PairCounts {
    var concordant = 0, discordant = 0, tiedX = 0, tiedY = 0, tiedXY = 0

    /// The result, given Somers' d and the summed squared dfbetas.
    func concordance(somers: Double, variance: Double) -> CoxConcordance {
        CoxConcordance(
            concordance: (somers + 1) / 2, standardError: variance.squareRoot() / 2,
            concordant: concordant, discordant: discordant, tiedX: tiedX, tiedY: tiedY, tiedXY: tiedXY)
    }
}

/// A sweep that keeps each subject's concordant, discordant and tied comparisons beside the totals
/// (both of R's methods, by time slots and by a rank tree, count an event's comparisons alike).
protocol PerSubjectPairs {
    var concordantAt: [Int] { get set }
    var discordantAt: [Int] { get set }
    var tiedAt: [Int] { get set }
}

extension PerSubjectPairs {
    /// Counts the comparisons of the event at position `p` with the subjects at risk after it:
    /// `below` scored lower (concordant), `level` the same, `above` higher (discordant).
    @inline(__always)
    mutating func countEvent(_ p: Int, below: Int, level: Int, above: Int, pairs: inout PairCounts) {
        concordantAt[p] += below
        tiedAt[p] += level
        discordantAt[p] += above
        pairs.concordant += below
        pairs.tiedX += level
        pairs.discordant += above
    }
}

extension CoxConcordance {
    /// Subjects grouped by stratum (ascending stratum), or all subjects in one group.
    static func stratumGroups(count n: Int, strata: [Int]?) -> [[Int]] {
        guard let strata else { return [Array(0..<n)] }
        var byStratum: [Int: [Int]] = [:]
        for k in 0..<n { byStratum[strata[k], default: []].append(k) }
        return byStratum.keys.sorted().map { byStratum[$0]! }
    }

    /// Pairs among equal values of a sorted array: the sum of k(k - 1)/2 over runs of length k.
    static func levelPairs(inSorted values: [some Equatable]) -> Int {
        var level = 0, i = 0
        while i < values.count {
            var j = i + 1
            while j < values.count && values[j] == values[i] { j += 1 }
            level += (j - i) * (j - i - 1) / 2
            i = j
        }
        return level
    }
}
