#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Score residuals of a Cox fit and the robust (sandwich) variance built from them, as
/// `survival::coxph` computes them for `cluster =` or non-integer `weights =`:
/// `residuals(fit, type = "dfbeta", collapse = cluster, weighted = TRUE)` = D, variance = D'D; and
/// the robust score test from the score residuals at beta = 0 (`fit$rscore`).
///
/// Row i's score residual is δᵢ(xᵢ − x̄(tᵢ)) − rᵢ Σ_{t ∈ (sᵢ, tᵢ]} (xᵢ − x̄(t)) dΛ(t), with rᵢ = exp(ηᵢ)
/// and the Breslow or Efron hazard increments (a death shares its own time's Efron increments in
/// proportion 1 − k/d, as R's coxscore2 and agscore3). Cumulative sums over the event times make
/// it O(n log n + n · p).
struct CoxScoreResiduals {
    let time: [Double]
    let start: [Double]?
    let event: [Bool]
    let weight: [Double]?
    let stratum: [Int]
    /// Covariates, [term][row]; any centring (the residuals do not depend on it).
    let columns: [[Double]]
    let ties: CoxTies

    /// Each row's (unweighted) score residual at `beta`, row-major (`[row * p + term]`).
    func residuals(_ beta: [Double]) -> [Double] {
        let n = time.count, p = columns.count
        var x = [Double](repeating: 0, count: n * p)
        for (i, column) in columns.enumerated() {
            let mean = column.reduce(0, +) / Double(max(n, 1))
            for k in 0..<n { x[k * p + i] = column[k] - mean }
        }
        var risk = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var eta = 0.0
            for i in 0..<p { eta += beta[i] * x[k * p + i] }
            risk[k] = exp(CoxLikelihood.safe(eta))
        }
        var out = [Double](repeating: 0, count: n * p)
        var groups: [Int: [Int]] = [:]
        for k in 0..<n { groups[stratum[k], default: []].append(k) }
        for key in groups.keys.sorted() {
            let rows = groups[key]!
            let increments = hazardIncrements(rows: rows, x: x, risk: risk, p: p)
            stratumResiduals(rows: rows, increments: increments, x: x, risk: risk, p: p, into: &out)
        }
        return out
    }

    /// Per event time of one stratum (ascending): the full increments H and Σ H·x̄ every row at risk
    /// takes, the Efron share H2, Σ H2·x̄ a death at that time takes, and the mean x̄ over its deaths.
    struct Increments {
        var times: [Double] = []
        var h: [Double] = [], h2: [Double] = []
        var xh: [Double] = [], xh2: [Double] = [], xbar: [Double] = []
    }

    /// The backward sweep of `CoxCountingLikelihood` over one stratum, recording each event
    /// time's hazard increments instead of the likelihood.
    func hazardIncrements(rows: [Int], x: [Double], risk: [Double], p: Int) -> Increments {
        let w = weight ?? []
        let byStop = StableOrder.ascending(rows.map { time[$0] }).reversed().map { rows[$0] }
        let byStart = start.map { start in StableOrder.ascending(rows.map { start[$0] }).reversed().map { rows[$0] } } ?? []
        // The sums keep only the denominators and the risk-set count (p: 0): the weighted means
        // need a and a2 but not the p × p sums, so those are kept here.
        var sums = RiskSetSums(p: 0)
        var a = [Double](repeating: 0, count: p), a2 = a
        var inc = Increments()
        var i = 0, j = 0
        while i < byStop.count {
            let t = time[byStop[i]]
            if let start {
                while j < byStart.count, start[byStart[j]] >= t {
                    let r = byStart[j], rw = risk[r] * (weight == nil ? 1 : w[r])
                    sums.remove([], row: r, risk: rw)
                    if sums.atRisk == 0 { for c in 0..<p { a[c] = 0 } } else { for c in 0..<p { a[c] -= rw * x[r * p + c] } }
                    j += 1
                }
            }
            var deaths = 0, deadWeight = 0.0
            sums.startEventTime()
            for c in 0..<p { a2[c] = 0 }
            while i < byStop.count, time[byStop[i]] == t {
                let r = byStop[i], rw = risk[r] * (weight == nil ? 1 : w[r])
                sums.add([], row: r, risk: rw, death: event[r])
                if event[r] {
                    deaths += 1
                    deadWeight += weight == nil ? 1 : w[r]
                    for c in 0..<p { a2[c] += rw * x[r * p + c] }
                } else {
                    for c in 0..<p { a[c] += rw * x[r * p + c] }
                }
                i += 1
            }
            guard deaths > 0 else { continue }
            sums.denom += sums.denom2
            for c in 0..<p { a[c] += a2[c] }
            record(t, deaths: deaths, deadWeight: deadWeight, denom: sums.denom, denom2: sums.denom2, a: a, a2: a2, into: &inc)
        }
        // Recorded backwards in time; the lookups want them ascending.
        let m = inc.times.count
        inc.times.reverse(); inc.h.reverse(); inc.h2.reverse()
        for field in [\Increments.xh, \Increments.xh2, \Increments.xbar] {
            let flat = inc[keyPath: field]
            inc[keyPath: field] = (0..<m).reversed().flatMap { k in flat[(k * p)..<(k * p + p)] }
        }
        return inc
    }

    /// One event time's increments (Breslow, or Efron's d pieces when there are tied deaths).
    func record(_ t: Double, deaths: Int, deadWeight: Double, denom: Double, denom2: Double,
                a: [Double], a2: [Double], into inc: inout Increments) {
        let p = a.count
        inc.times.append(t)
        if ties == .breslow || deaths == 1 {
            let h = deadWeight / denom
            inc.h.append(h)
            inc.h2.append(h)
            for c in 0..<p {
                let xbar = a[c] / denom
                inc.xh.append(h * xbar)
                inc.xh2.append(h * xbar)
                inc.xbar.append(xbar)
            }
            return
        }
        let average = deadWeight / Double(deaths)
        var h = 0.0, h2 = 0.0
        var xh = [Double](repeating: 0, count: p), xh2 = xh, xbarMean = xh
        for k in 0..<deaths {
            let f = Double(k) / Double(deaths)
            let d2 = denom - f * denom2
            let hazard = average / d2
            h += hazard
            h2 += (1 - f) * hazard
            for c in 0..<p {
                let xbar = (a[c] - f * a2[c]) / d2
                xh[c] += hazard * xbar
                xh2[c] += (1 - f) * hazard * xbar
                xbarMean[c] += xbar / Double(deaths)
            }
        }
        inc.h.append(h)
        inc.h2.append(h2)
        inc.xh += xh
        inc.xh2 += xh2
        inc.xbar += xbarMean
    }

    /// The residual of each row of one stratum from cumulative sums of its increments: the sum
    /// over (start, stop] is a difference of two prefix sums found by binary search.
    func stratumResiduals(rows: [Int], increments inc: Increments, x: [Double], risk: [Double], p: Int,
                          into out: inout [Double]) {
        let m = inc.times.count
        var cumH = [Double](repeating: 0, count: m + 1)
        var cumXH = [Double](repeating: 0, count: (m + 1) * p)
        for k in 0..<m {
            cumH[k + 1] = cumH[k] + inc.h[k]
            for c in 0..<p { cumXH[(k + 1) * p + c] = cumXH[k * p + c] + inc.xh[k * p + c] }
        }
        // The number of event times ≤ value.
        func upTo(_ value: Double) -> Int {
            var lo = 0, hi = m
            while lo < hi {
                let mid = (lo + hi) / 2
                if inc.times[mid] <= value { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        for r in rows {
            let last = upTo(time[r])
            let first = start.map { upTo($0[r]) } ?? 0
            var h = cumH[last] - cumH[first]
            let death = event[r] && last > 0 && inc.times[last - 1] == time[r]
            let e = last - 1
            if death { h += inc.h2[e] - inc.h[e] }
            for c in 0..<p {
                var xh = cumXH[last * p + c] - cumXH[first * p + c]
                if death { xh += inc.xh2[e * p + c] - inc.xh[e * p + c] }
                let xr = x[r * p + c]
                var value = -risk[r] * (xr * h - xh)
                if death { value += xr - inc.xbar[e * p + c] }
                out[r * p + c] = value
            }
        }
    }
}

/// The robust variance of a fit and its robust score test.
struct CoxRobustVariance {
    /// D'D with D the weighted dfbeta residuals summed within clusters.
    var variance: [[Double]]
    /// The robust score test at beta = 0 (R's `fit$rscore`).
    var scoreTest: CoxTest

    /// `residuals` and `nullResiduals` (row-major n × p) at the fit and at beta = 0; `cluster`
    /// codes per row (nil: each row its own cluster); `naive` the model-based variance.
    init(residuals: [Double], nullResiduals: [Double], weight: [Double]?, cluster: [Int]?, naive: [[Double]]) {
        let p = naive.count
        let n = p == 0 ? 0 : residuals.count / p
        let fitted = Self.collapse(residuals, p: p, n: n, weight: weight, cluster: cluster)
        let null = Self.collapse(nullResiduals, p: p, n: n, weight: weight, cluster: cluster)
        let groups = fitted.count / max(p, 1)
        // dfbeta rows: the collapsed residuals times the naive variance.
        var d = [Double](repeating: 0, count: groups * p)
        for g in 0..<groups {
            for j in 0..<p {
                var s = 0.0
                for k in 0..<p { s += fitted[g * p + k] * naive[k][j] }
                d[g * p + j] = s
            }
        }
        variance = Self.crossProduct(d, p: p)
        let u = (0..<p).map { j in (0..<groups).reduce(0.0) { $0 + null[$1 * p + j] } }
        scoreTest = CoxTest(statistic: CoxZph.quadraticForm(u: u, matrix: Self.crossProduct(null, p: p)), degreesOfFreedom: p)
    }

    /// Σ weight · residual within each cluster (codes in first-seen order), row-major.
    static func collapse(_ residuals: [Double], p: Int, n: Int, weight: [Double]?, cluster: [Int]?) -> [Double] {
        var slot = [Int: Int]()
        var out = [Double]()
        out.reserveCapacity(residuals.count)
        for r in 0..<n {
            let g: Int
            if let cluster {
                if let known = slot[cluster[r]] { g = known } else {
                    g = slot.count
                    slot[cluster[r]] = g
                    out += [Double](repeating: 0, count: p)
                }
            } else {
                g = r
                out += [Double](repeating: 0, count: p)
            }
            let w = weight?[r] ?? 1
            for j in 0..<p { out[g * p + j] += w * residuals[r * p + j] }
        }
        return out
    }

    /// M'M of a row-major matrix with `p` columns.
    static func crossProduct(_ m: [Double], p: Int) -> [[Double]] {
        var out = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        let rows = m.count / max(p, 1)
        for r in 0..<rows {
            for i in 0..<p {
                let v = m[r * p + i]
                for j in 0...i { out[i][j] += v * m[r * p + j] }
            }
        }
        for i in 0..<p { for j in 0..<i { out[j][i] = out[i][j] } }
        return out
    }
}
