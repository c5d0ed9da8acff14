#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An accelerated failure time model fitted by maximum likelihood, as `survival::survreg`
/// (right-censored data): `log T = x'β + σ·W` with W from the chosen distribution. Coefficients,
/// standard errors, scale and log-likelihoods match R's to 1e-5 relative or better.
///
/// ```swift
/// let design = try CoxDesign.build([CoxVariable("age", .numeric(age))])
/// let model = try ParametricModel.fit(survival, design: design, distribution: .weibull)
/// model.coefficients[0].term   // "(Intercept)"
/// ```
public struct ParametricModel: Sendable, Equatable {
    /// One row of R's `summary(fit)$table`.
    public struct Coefficient: Sendable, Equatable {
        /// `(Intercept)`, a design term (`age`, `ph.ecog=1`, `age:sex`) or `Log(scale)`.
        public var term: String
        /// The estimate on the log-time scale (R's `Value`).
        public var coefficient: Double
        /// From the inverse information (R's `Std. Error`).
        public var standardError: Double
        /// `coefficient / standardError`.
        public var z: Double
        /// Two-sided normal p value of `z`.
        public var p: Double
    }

    /// The proportional-hazards reading of a Weibull (or exponential) coefficient β:
    /// `hr = exp(−β/σ)`, with the standard error of `log hr` by the delta method on (β, log σ)
    /// and the interval `exp(log hr ∓ q·se)`, as `SurvRegCensCov::ConvertWeibull` gives them.
    public struct HazardRatio: Sendable, Equatable {
        /// The covariate term.
        public var term: String
        /// `exp(−β/σ)`.
        public var hazardRatio: Double
        /// Standard error of `−β/σ` (the log hazard ratio).
        public var logStandardError: Double
        /// The interval's ends at the level asked for.
        public var lower: Double
        public var upper: Double
    }

    /// The error distribution fitted.
    public var distribution: ParametricDistribution
    /// `(Intercept)` first, then the design's terms in order.
    public var coefficients: [Coefficient]
    /// σ (1 for the exponential).
    public var scale: Double
    /// The `Log(scale)` row of R's summary; nil when the distribution fixes σ.
    public var logScale: Coefficient?
    /// Inverse information over (β…, log σ) (log σ omitted when fixed), R's `vcov(fit)`.
    public var variance: [[Double]]
    /// Log-likelihood of the intercept-only model (R's `loglik[1]`) and of the fit (`loglik[2]`),
    /// both on the time scale (including `−Σ log t` over the events), as R reports them.
    public var logLikelihoodNull: Double
    /// See `logLikelihoodNull`.
    public var logLikelihoodFit: Double
    /// Newton–Raphson iterations of the final fit (R's `iter`).
    public var iterations: Int
    /// False when the iteration limit (30, as survreg) was reached first.
    public var converged: Bool
    /// Rows used.
    public var count: Int
    /// Events among the rows used.
    public var eventCount: Int

    /// The likelihood-ratio test against the intercept-only model (R's printed `Chisq`): statistic,
    /// degrees of freedom (the number of non-intercept coefficients) and p value.
    public var likelihoodRatio: (statistic: Double, df: Int, p: Double) {
        let statistic = 2 * (logLikelihoodFit - logLikelihoodNull), df = coefficients.count - 1
        return (statistic, df, df > 0 ? Distributions.chiSquareUpperTail(statistic, df: Double(df)) : .nan)
    }

    /// The hazard-ratio form of each non-intercept coefficient at confidence `level`; nil unless
    /// the distribution is Weibull or exponential (the proportional-hazards members of the family).
    public func hazardRatios(level: Double = 0.95) -> [HazardRatio]? {
        guard distribution.hasHazardRatios else { return nil }
        let q = Distributions.normalQuantile(1 - (1 - level) / 2)
        let s = coefficients.count
        return coefficients.indices.dropFirst().map { j in
            let beta = coefficients[j].coefficient
            let logHR = -beta / scale
            // d(−β/σ)/dβ = −1/σ; d(−β/σ)/d log σ = β/σ (zero when σ is fixed).
            let gBeta = -1 / scale, gScale = logScale == nil ? 0 : beta / scale
            var v = gBeta * gBeta * variance[j][j]
            if logScale != nil { v += 2 * gBeta * gScale * variance[j][s] + gScale * gScale * variance[s][s] }
            let se = v.squareRoot()
            return HazardRatio(term: coefficients[j].term, hazardRatio: exp(logHR), logStandardError: se,
                               lower: exp(logHR - q * se), upper: exp(logHR + q * se))
        }
    }
}

/// Why a parametric model cannot be fitted to the data given.
public enum ParametricError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A time ≤ 0 or not finite (index into the data): log time is undefined there, as R's
    /// "Invalid survival times for this distribution".
    case invalidTime(index: Int)
    /// No event among the rows: the likelihood has no maximum.
    case noEvents
    /// The iteration ended on a non-finite log-likelihood or coefficient: typically σ → 0, when
    /// every time is equal or the covariates determine the times exactly.
    case notFinite(iterations: Int)
    /// The design's rows and the survival data disagree in length.
    case lengthMismatch(design: Int, data: Int)

    public var description: String {
        switch self {
        case let .invalidTime(index):
            return "row \(index + 1) has a time ≤ 0 or not finite; the parametric distributions model log time, so every time must be positive and finite (R: invalid survival times for this distribution); drop or correct the row"
        case let .notFinite(iterations):
            return "the fit reached no finite estimate after \(iterations) iterations; the scale tends to 0 when all times are equal or the covariates determine the times exactly; check the time column, or fix the scale with distribution: exponential"
        case .noEvents:
            return "no events among the rows used, so the model has no maximum; check the event column"
        case let .lengthMismatch(design, data):
            return "the design has \(design) rows but the survival data have \(data); build both from the same rows"
        }
    }
}
