#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The distribution of an accelerated failure time model (`survival::survreg`'s `dist =`): log T is
/// `x'β + σ·W`, with W standard extreme value (Weibull, and exponential with σ fixed at 1),
/// Gaussian (log-normal) or logistic (log-logistic).
public enum ParametricDistribution: String, Sendable, CaseIterable {
    /// Extreme-value errors on log time, scale estimated.
    case weibull
    /// Weibull with the scale fixed at 1.
    case exponential
    /// Gaussian errors on log time.
    case lognormal
    /// Logistic errors on log time.
    case loglogistic

    /// The scale σ when the distribution fixes it (exponential: 1), nil when it is estimated.
    public var fixedScale: Double? { self == .exponential ? 1 : nil }

    /// Whether the model is also a proportional-hazards model, so each coefficient has a
    /// hazard-ratio form `exp(-β/σ)` (Weibull and exponential).
    public var hasHazardRatios: Bool { self == .weibull || self == .exponential }

    /// The starting location and variance of the error distribution from the mean and (population)
    /// variance of log time, as survreg's `survreg.distributions[[d]]$init`.
    func initial(mean: Double, variance: Double) -> (location: Double, variance: Double) {
        switch self {
        case .weibull, .exponential: (mean + 0.572, variance / 1.64)
        case .lognormal: (mean, variance)
        case .loglogistic: (mean, variance / 3.2)
        }
    }

    /// `h(z)` and its first two derivatives, where h is the log density of W at z for an event and
    /// the log survival `log P(W > z)` for a censored row. Computed on the log scale, so a far tail
    /// stays finite where the density itself would underflow.
    @inline(__always)
    func logTerms(_ z: Double, event: Bool) -> (h: Double, h1: Double, h2: Double) {
        switch self {
        case .weibull, .exponential:
            // survreg clamps e^z to [e^-200, e^200] so a wild trial step cannot overflow.
            let w = exp(min(max(z, -200), 200))
            return event ? (z - w, 1 - w, -w) : (-w, -w, -w)
        case .loglogistic:
            // One exponential of a non-positive number serves F(z) and log(1 + e^z) without overflow.
            let e = exp(-abs(z))
            let f = z >= 0 ? 1 / (1 + e) : e / (1 + e)
            let softplus = max(z, 0) + log1p(e)
            let spread = f * (1 - f)
            return event ? (z - 2 * softplus, 1 - 2 * f, -2 * spread) : (-softplus, -f, -spread)
        case .lognormal:
            if event { return (-0.5 * z * z - Self.logRootTwoPi, -z, -1) }
            let (logQ, mills) = Self.normalLogUpperTail(z)
            return (logQ, -mills, -mills * (mills - z))
        }
    }

    static let logRootTwoPi = 0.91893853320467274178

    /// `log Q(z)` with `Q(z) = P(N > z)` and the inverse Mills ratio `φ(z)/Q(z)`; past z = 35, where
    /// Q underflows, from the asymptotic series of the Mills ratio.
    static func normalLogUpperTail(_ z: Double) -> (logQ: Double, mills: Double) {
        let logDensity = -0.5 * z * z - logRootTwoPi
        if z < 35 {
            let q = 0.5 * erfc(z / 2.0.squareRoot())
            return (log(q), exp(logDensity) / q)
        }
        let r = 1 / (z * z)
        let series = 1 - r * (1 - 3 * r * (1 - 5 * r * (1 - 7 * r)))
        return (logDensity - log(z) + log(series), z / series)
    }
}
