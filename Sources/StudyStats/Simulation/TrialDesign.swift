#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One cell of a two-arm trial design: exponential survival in each arm, patients entering
/// uniformly over `accrual`, the analysis `followUp` after the last entry, and exponential dropout.
///
/// Times are in the unit of the medians (e.g. months). Patient i of n is in the experimental arm
/// when i < `experimentalCount` (a fixed allocation, as blocked randomisation gives).
public struct TrialDesign: Sendable, Equatable {
    /// Total patients, both arms.
    public var sampleSize: Int
    /// Hazard ratio of the experimental arm against control.
    public var hazardRatio: Double
    /// Fraction of patients in the experimental arm.
    public var allocation: Double
    /// Median survival of the control arm.
    public var controlMedian: Double
    /// Length of uniform accrual.
    public var accrual: Double
    /// Follow-up after the last patient entered (minimum follow-up).
    public var followUp: Double
    /// Exponential dropout hazard per time unit (0: no dropout).
    public var dropout: Double

    /// Creates a design.
    public init(sampleSize: Int, hazardRatio: Double, allocation: Double = 0.5, controlMedian: Double,
                accrual: Double, followUp: Double, dropout: Double = 0) {
        self.sampleSize = sampleSize
        self.hazardRatio = hazardRatio
        self.allocation = allocation
        self.controlMedian = controlMedian
        self.accrual = accrual
        self.followUp = followUp
        self.dropout = dropout
    }

    /// Patients in the experimental arm: the allocation's share of the sample, rounded.
    public var experimentalCount: Int { Int((Double(sampleSize) * allocation).rounded()) }

    /// The control arm's event hazard, log 2 / median.
    public var controlHazard: Double { M_LN2 / controlMedian }

    /// The probability that a patient with event hazard `hazard` has an observed event: with
    /// r = hazard + dropout and administrative censoring C ~ Uniform(followUp, followUp + accrual),
    /// hazard / r · (1 − E[exp(−r C)]), in closed form.
    public func eventProbability(hazard: Double) -> Double {
        let rate = hazard + dropout
        guard rate > 0 else { return 0 }
        let survivalToCensoring: Double
        if accrual > 0 {
            // E[exp(−r C)] = (e^{−r F} − e^{−r (F + A)}) / (r A), written to keep precision for small r A.
            survivalToCensoring = exp(-rate * followUp) * -expm1(-rate * accrual) / (rate * accrual)
        } else {
            survivalToCensoring = exp(-rate * followUp)
        }
        return hazard / rate * (1 - survivalToCensoring)
    }

    /// Expected number of observed events in the whole trial.
    public var expectedEvents: Double {
        let experimental = Double(experimentalCount)
        let control = Double(sampleSize - experimentalCount)
        return control * eventProbability(hazard: controlHazard)
            + experimental * eventProbability(hazard: controlHazard * hazardRatio)
    }

    /// Schoenfeld's (1981) approximate power of the two-sided level-`alpha` log-rank test given the
    /// expected events D: Φ(√(D p (1 − p)) |log HR| − z) + Φ(−√(D p (1 − p)) |log HR| − z), with
    /// z = Φ⁻¹(1 − alpha / 2) and p the realised allocation; both tails, so it is alpha at HR = 1.
    public func schoenfeldPower(alpha: Double) -> Double {
        let p = Double(experimentalCount) / Double(sampleSize)
        let drift = (expectedEvents * p * (1 - p)).squareRoot() * abs(log(hazardRatio))
        let z = Distributions.normalQuantile(1 - alpha / 2)
        return Distributions.normalUpperTail(z - drift) + Distributions.normalUpperTail(z + drift)
    }
}
