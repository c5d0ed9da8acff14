import Foundation

/// The probability of an observed event, by numerical integration (composite Simpson), for
/// checking the simulators' censoring against an answer that no simulation produced.
///
/// With event time T (cdf `cdf`), dropout D ~ Exp(dropout) and administrative censoring
/// U ~ Uniform(followUp, followUp + accrual), an event is seen when T ≤ C = min(D, U):
/// P = ∫ F_T(c) g_C(c) dc, where g_C(c) = dropout·e^{−dropout·c}·P(U > c) + e^{−dropout·c}·f_U(c).
enum EventProbability {
    static func simpson(_ a: Double, _ b: Double, intervals: Int, _ f: (Double) -> Double) -> Double {
        guard b > a else { return 0 }
        let n = intervals % 2 == 0 ? intervals : intervals + 1
        let h = (b - a) / Double(n)
        var sum = f(a) + f(b)
        for i in 1..<n { sum += f(a + Double(i) * h) * (i % 2 == 1 ? 4 : 2) }
        return sum * h / 3
    }

    /// P(T ≤ C) for accrual > 0.
    static func observed(cdf: (Double) -> Double, accrual: Double, followUp: Double, dropout: Double,
                         intervals: Int = 800) -> Double {
        precondition(accrual > 0)
        let early = dropout > 0
            ? simpson(0, followUp, intervals: intervals) { c in cdf(c) * dropout * exp(-dropout * c) } : 0
        let late = simpson(followUp, followUp + accrual, intervals: intervals) { c in
            cdf(c) * exp(-dropout * c) * (dropout * (followUp + accrual - c) / accrual + 1 / accrual)
        }
        return early + late
    }
}
