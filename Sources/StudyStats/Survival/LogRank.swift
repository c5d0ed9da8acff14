#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log-rank test and the Harrington-Fleming G-rho family across k groups, optionally stratified,
/// matching R's `survival::survdiff(Surv(time, status) ~ group + strata(s), rho = rho)` (survival 3.5).
///
/// At each event time the weight is S(t-)^rho, with S the Kaplan-Meier curve of all groups pooled within the
/// stratum: rho = 0 is the log-rank test, rho = 1 the Peto & Peto modification of the Gehan-Wilcoxon test.
public enum LogRank {
    /// Compares the groups' survival; `groups[i]` and `strata?[i]` label subject `i`.
    ///
    /// Groups come in factor order: `levels` when given (a level with no subjects stays, with n = 0 and
    /// expected 0, as an unused factor level in R), otherwise the sorted distinct labels as in
    /// `KaplanMeier.fit`. The statistic drops groups with no expected events and then the first remaining one.
    public static func test(
        _ data: SurvivalData,
        groups: [String],
        levels: [String]? = nil,
        strata: [String]? = nil,
        rho: Double = 0
    ) -> LogRankResult {
        precondition(groups.count == data.count, "groups must have one label per subject")
        precondition(strata.map { $0.count == data.count } ?? true, "strata must have one label per subject")
        let levels = levels ?? KaplanMeier.factorLevels(groups)
        let k = levels.count
        let groupIndex = groups.map { label -> Int in
            guard let index = levels.firstIndex(of: label) else {
                preconditionFailure("group '\(label)' is not among the levels")
            }
            return index
        }
        var observed = [Double](repeating: 0, count: k)
        var expected = [Double](repeating: 0, count: k)
        var variance = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var parts: [(observed: [Double], expected: [Double])] = []
        if let strata {
            for stratum in KaplanMeier.factorLevels(strata) {
                let members = data.time.indices.filter { strata[$0] == stratum }
                parts.append(stratumSums(
                    time: members.map { data.time[$0] }, event: members.map { data.event[$0] },
                    group: members.map { groupIndex[$0] }, groupCount: k, rho: rho, variance: &variance))
            }
        } else {
            // One stratum of every subject: no million-label grouping to find it.
            parts.append(stratumSums(time: data.time, event: data.event, group: groupIndex, groupCount: k,
                                     rho: rho, variance: &variance))
        }
        for part in parts {
            for g in 0..<k {
                observed[g] += part.observed[g]
                expected[g] += part.expected[g]
            }
        }
        var n = [Int](repeating: 0, count: k)
        for g in groupIndex { n[g] += 1 }

        let used = (0..<k).filter { expected[$0] > 0 }
        let df = max(used.count - 1, 0)
        var statistic = 0.0
        if used.count >= 2 {
            let kept = Array(used.dropFirst())
            let difference = kept.map { observed[$0] - expected[$0] }
            let solved = solve(kept.map { i in kept.map { variance[i][$0] } }, difference)
            for i in kept.indices { statistic += solved[i] * difference[i] }
        }
        return LogRankResult(
            groups: levels, n: n, observed: observed, expected: expected, variance: variance,
            statistic: statistic, df: df,
            p: df > 0 ? Distributions.chiSquareUpperTail(statistic, df: Double(df)) : nil)
    }

    /// One stratum as survdiff2.c: the pooled left-continuous Kaplan-Meier weight, then a backward pass
    /// over distinct times accumulating observed, expected and the hypergeometric variance.
    static func stratumSums(
        time: [Double], event: [Bool], group: [Int], groupCount k: Int, rho: Double, variance: inout [[Double]]
    ) -> (observed: [Double], expected: [Double]) {
        let order = StableOrder.ascending(time)  // (time, index) order in linear time
        let count = order.count
        var weightAt = [Double](repeating: 1, count: count)
        if rho != 0 {
            var km = 1.0
            var i = 0
            while i < count {
                var j = i
                var deaths = 0.0
                while j < count && time[order[j]] == time[order[i]] {
                    weightAt[j] = pow(km, rho)
                    if event[order[j]] { deaths += 1 }
                    j += 1
                }
                let atRisk = Double(count - i)
                km = km * (atRisk - deaths) / atRisk
                i = j
            }
        }
        var observed = [Double](repeating: 0, count: k)
        var expected = [Double](repeating: 0, count: k)
        var risk = [Double](repeating: 0, count: k)
        var i = count - 1
        while i >= 0 {
            let weight = weightAt[i]
            var deaths = 0.0
            var j = i
            while j >= 0 && time[order[j]] == time[order[i]] {
                let g = group[order[j]]
                risk[g] += 1
                if event[order[j]] {
                    deaths += 1
                    observed[g] += weight
                }
                j -= 1
            }
            let atRisk = Double(count - (j + 1))
            if deaths > 0 {
                for g in 0..<k { expected[g] += weight * deaths * risk[g] / atRisk }
                if atRisk > 1 {
                    let kt = weight * weight * deaths * (atRisk - deaths) / (atRisk * (atRisk - 1))
                    for a in 0..<k {
                        let term = kt * risk[a]
                        variance[a][a] += term
                        for b in 0..<k { variance[a][b] -= term * risk[b] / atRisk }
                    }
                }
            }
            i = j
        }
        return (observed, expected)
    }

    /// Solves `matrix · x = vector` by Gaussian elimination with partial pivoting (as R's `solve`, LAPACK dgesv).
    static func solve(_ matrix: [[Double]], _ vector: [Double]) -> [Double] {
        GaussianElimination.solve(matrix, vector)!
    }
}

/// What `survdiff` reports: per-group counts and (weighted) observed and expected events, the variance
/// matrix, and the chi-square statistic with its p value.
public struct LogRankResult: Sendable, Equatable {
    /// Group labels in factor order; every per-group array follows it.
    public var groups: [String]
    /// Subjects per group.
    public var n: [Int]
    /// Observed events per group, summed over strata; weighted by S(t-)^rho.
    public var observed: [Double]
    /// Expected events per group under equal hazards, summed over strata; weighted likewise.
    public var expected: [Double]
    /// Variance-covariance matrix of observed minus expected (survdiff's `var`).
    public var variance: [[Double]]
    /// The chi-square statistic; 0 when fewer than two groups have expected events.
    public var statistic: Double
    /// Degrees of freedom: groups with expected > 0, minus one.
    public var df: Int
    /// Upper-tail chi-square p value; nil when df is 0.
    public var p: Double?
}
