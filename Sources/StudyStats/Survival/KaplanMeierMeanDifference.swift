/// The difference of two restricted mean survival times up to the same horizon, second curve minus
/// first, with the normal approximation journals ask for: the two means are independent, so the
/// standard error is sqrt(se₁² + se₂²) from `print(survfit, rmean = tau)`'s `se(rmean)`, the
/// interval estimate ± z·se and the p value two-sided, 2Φ(−|estimate / se|).
public struct KaplanMeierMeanDifference: Sendable, Equatable {
    /// The horizon tau.
    public var tau: Double
    /// rmean(second) − rmean(first).
    public var estimate: Double
    /// sqrt(se(first)² + se(second)²).
    public var standardError: Double
    /// Lower limit of the two-sided interval at the confidence level.
    public var lower: Double
    /// Upper limit.
    public var upper: Double
    /// Two-sided p value of estimate = 0; nil when the standard error is 0 (no events before tau).
    public var p: Double?

    /// The difference `second − first` of the curves' restricted means up to `tau`, its interval at
    /// `confLevel` (two-sided, strictly between 0 and 1).
    public init(first: KaplanMeierCurve, second: KaplanMeierCurve, tau: Double, confLevel: Double) {
        precondition(confLevel > 0 && confLevel < 1, "confLevel must lie strictly between 0 and 1")
        let a = first.restrictedMean(tau: tau), b = second.restrictedMean(tau: tau)
        let z = Distributions.normalQuantile(1 - (1 - confLevel) / 2)
        self.tau = tau
        estimate = b.estimate - a.estimate
        standardError = (a.standardError * a.standardError + b.standardError * b.standardError).squareRoot()
        lower = estimate - z * standardError
        upper = estimate + z * standardError
        p = standardError > 0 ? Distributions.normalTwoSidedP(estimate / standardError) : nil
    }
}
