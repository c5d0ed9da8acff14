/// Gray's k-sample test that the cumulative incidence of one event type is the same in every group
/// (Gray 1988, Annals of Statistics 16:1141), matching `cmprsk::cuminc(ftime, fstatus, group)$Tests`
/// (cmprsk 2.2, rho = 0, one stratum).
///
/// The score of group g compares its events of the type with the number expected from the pooled
/// subdistribution hazard, each group's risk set weighted by (1 − F_g(t−)) / S_g(t−); the variance is
/// Gray's estimate built from the per-group Kaplan–Meier and cumulative incidence curves. The
/// statistic is sᵀ V⁻¹ s over the first k − 1 groups, chi-square on k − 1 degrees of freedom.
public enum GrayTest {
    /// The test of event type `cause` (1-based) across the groups; `cause[i]` is 0 for a censoring.
    ///
    /// `group[i]` is row i's 0-based group among `groups` groups, every one of them non-empty.
    /// - Complexity: O(n · groups²) after a linear-time sort of the times.
    public static func test(time: [Double], cause: [Int], of interest: Int, group: [Int], groups: Int) -> GrayTestResult {
        precondition(time.count == cause.count && time.count == group.count, "time, cause and group must have the same length")
        precondition(groups >= 2, "the test needs at least two groups")
        var pass = GrayScore(groups: groups)
        for g in group { pass.atRisk[g] += 1 }
        let order = StableOrder.ascending(time)
        var first = 0
        while first < order.count {
            let t = time[order[first]]
            pass.clearCounts()
            var end = first
            while end < order.count && time[order[end]] == t {
                let row = order[end]
                pass.count(group: group[row], kind: cause[row] == 0 ? 0 : (cause[row] == interest ? 1 : 2))
                end += 1
            }
            pass.advance()
            first = end
        }
        let (score, variance) = pass.finish()
        let df = groups - 1
        guard let solved = solve(variance, score) else {
            return GrayTestResult(statistic: nil, df: df, p: nil)
        }
        var statistic = 0.0
        for i in 0..<df { statistic += score[i] * solved[i] }
        return GrayTestResult(statistic: statistic, df: df,
                              p: Distributions.chiSquareUpperTail(statistic, df: Double(df)))
    }

    /// Solves `matrix · x = vector` by Gaussian elimination with partial pivoting; nil when the
    /// matrix is singular to working precision (cuminc then reports no statistic: its QR is rank
    /// deficient).
    static func solve(_ matrix: [[Double]], _ vector: [Double]) -> [Double]? {
        GaussianElimination.solve(matrix, vector, singularBelow: 1e-7)
    }
}

/// Gray's test of one event type: the statistic, its degrees of freedom and p value
/// (`cuminc`'s `stat`, `df`, `pv`).
public struct GrayTestResult: Sendable, Equatable {
    /// sᵀ V⁻¹ s; nil when V is singular (cuminc's −1).
    public var statistic: Double?
    /// Groups − 1.
    public var df: Int
    /// Upper-tail chi-square p value; nil with the statistic.
    public var p: Double?
}
