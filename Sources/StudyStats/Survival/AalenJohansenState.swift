/// The running state of one group's Aalen–Johansen pass and its infinitesimal-jackknife variance.
///
/// Every row still at risk has the same derivative of S(t) and of each F_k(t) with respect to its
/// weight (`atRiskS`, `atRiskF`), so they are kept once. A row that left at Tᵢ has the derivative
/// cᵢₖ + eᵢ·F_k(t) afterwards (its weight no longer moves the hazards, only scales what it did to S
/// through later products), so the sums Σe², Σcₖe and Σcₖ² give the variance of everyone who left,
/// and a step costs O(causes²) however many rows left before it.
struct AalenJohansenState {
    /// F_k just after the current time.
    private(set) var incidence: [Double]
    /// Rows at risk just before the current time.
    private(set) var lastAtRisk: Double
    private let causes: Int
    private var atRisk: Double
    private var survival = 1.0
    private var atRiskS = 0.0
    private var atRiskF: [Double]
    private var sumE2 = 0.0
    private var sumCE: [Double]
    private var sumC2: [Double]
    private var leftNow = 0.0  // S(t−)/n(t): the extra derivative of a row whose event is at t
    private var deathsNow: [Double]  // events of each type at the current time

    init(causes: Int, atRisk: Double) {
        self.causes = causes
        self.atRisk = atRisk
        lastAtRisk = atRisk
        incidence = [Double](repeating: 0, count: causes)
        atRiskF = incidence
        sumCE = incidence
        sumC2 = incidence
        deathsNow = incidence
    }

    /// Moves past a time with `deaths[k]` events of type k (index 0: censorings).
    mutating func advance(_ deaths: [Double]) {
        let n = atRisk
        lastAtRisk = n
        var d = 0.0
        for k in 1...causes { d += deaths[k] }
        let h = d / n
        leftNow = survival / n
        for k in 0..<causes {
            deathsNow[k] = deaths[k + 1]
            let hk = deaths[k + 1] / n
            atRiskF[k] += atRiskS * hk - survival * hk / n
            incidence[k] += survival * hk
        }
        atRiskS = atRiskS * (1 - h) + survival * h / n
        survival *= 1 - h
    }

    /// The variance of F_k at the current time: the n rows at risk before it (those leaving now add
    /// their own event's derivative) plus every row that left earlier.
    func variance(_ k: Int) -> Double {
        let w = atRiskF[k]
        var v = lastAtRisk * w * w
        let dk = deathsNow[k]
        v += dk * (2 * w * leftNow + leftNow * leftNow)
        let f = incidence[k]
        v += sumC2[k] + 2 * f * sumCE[k] + f * f * sumE2
        return max(v, 0)
    }

    /// Rows with these counts leave the risk set after the current time.
    mutating func leave(_ deaths: [Double]) {
        var total = 0.0
        for count in deaths { total += count }
        atRisk -= total
        guard survival > 0 else { return }  // nobody remains: no later time needs them
        for type in 0...causes where deaths[type] > 0 {
            let e = (atRiskS - (type == 0 ? 0 : leftNow)) / survival
            sumE2 += deaths[type] * e * e
            for k in 0..<causes {
                let c = atRiskF[k] + (type == k + 1 ? leftNow : 0) - e * incidence[k]
                sumCE[k] += deaths[type] * c * e
                sumC2[k] += deaths[type] * c * c
            }
        }
    }
}
