/// The infinitesimal-jackknife variance of log S for a weighted Kaplan-Meier curve, as survfit
/// computes it when a weight is not an integer (`robust = TRUE`, each row its own cluster):
/// Σᵢ (wᵢ · ∂log S(t)/∂wᵢ)².
///
/// With G(t) = Σ_{u ≤ t} d(u) / (n(u)(n(u) − d(u))), the derivative for a row entered at sᵢ is
/// G(min(t, Tᵢ)) − G(sᵢ), less 1 / (n − d) at Tᵢ when the row's stop is an event. Rows still at risk
/// share G(t), so their sum of squares is kept as three running sums (Σw², Σw²G(sᵢ), Σw²G(sᵢ)²) and
/// rows that left add a fixed square: the whole curve costs O(n), not O(n × times).
struct KaplanMeierJackknife {
    /// G at the time each row entered the risk set (0 without delayed entry).
    private var entryG: [Double]
    private var cumulative = 0.0
    private var squares = 0.0, linear = 0.0, quadratic = 0.0
    private var left = 0.0

    /// A jackknife for `count` rows, none of them at risk yet.
    init(count: Int) {
        entryG = [Double](repeating: 0, count: count)
    }

    /// Row `row` enters the risk set (its start has passed); G has the value of the last event time.
    mutating func enter(_ row: Int, weight: Double) {
        let w2 = weight * weight
        entryG[row] = cumulative
        squares += w2
        linear += w2 * cumulative
        quadratic += w2 * cumulative * cumulative
    }

    /// The variance of log S just after the stop time of `rows`, which then leave the risk set.
    /// `atRisk` and `deaths` are the weighted risk set and events at that time.
    mutating func step(_ rows: ArraySlice<Int>, _ data: SurvivalData, atRisk: Double, deaths: Double) -> Double {
        let jump = deaths > 0 ? 1 / (atRisk - deaths) : 0
        if deaths > 0 { cumulative += deaths / (atRisk * (atRisk - deaths)) }
        let g = cumulative
        var variance = left + g * g * squares - 2 * g * linear + quadratic
        for row in rows where data.event[row] {
            let w = data.weight(row)
            variance += w * w * (jump * jump - 2 * jump * (g - entryG[row]))
        }
        for row in rows {
            let w = data.weight(row), w2 = w * w, e = entryG[row]
            squares -= w2
            linear -= w2 * e
            quadratic -= w2 * e * e
            let own = g - e - (data.event[row] ? jump : 0)
            left += w2 * own * own
        }
        return max(variance, 0)
    }
}

extension KaplanMeier {
    /// The rows `rows` of `data`, in that order, with their start times and weights: one group's data.
    static func rows(_ rows: [Int], of data: SurvivalData) -> SurvivalData {
        SurvivalData(time: rows.map { data.time[$0] }, event: rows.map { data.event[$0] },
                     start: data.start.map { s in rows.map { s[$0] } }, weights: data.weights.map { w in rows.map { w[$0] } })
    }
}
