/// The forward pass of Gray's test over distinct times: per-group risk sets, left-continuous
/// Kaplan–Meier (any event) and cumulative incidence (the event of interest), the score, and the
/// pieces of Gray's variance estimate (his A and C matrices and the per-group sums that cmprsk's
/// `crst` calls v2 and v3).
struct GrayScore {
    let groups: Int
    /// Rows at risk in each group just before the current time.
    var atRisk: [Double]
    private var counts: [[Double]]  // [kind][group], kind 0 censored, 1 the event of interest, 2 another
    private var survivalBefore: [Double], survival: [Double]
    private var incidenceBefore: [Double], incidence: [Double]
    private var pooledBefore = 0.0, pooled = 0.0
    private var score: [Double]
    private var a: [[Double]], c: [[Double]]
    private var v: [[Double]], v2: [[Double]], v3: [Double]

    init(groups: Int) {
        self.groups = groups
        let zeros = [Double](repeating: 0, count: groups)
        let square = [[Double]](repeating: zeros, count: groups)
        atRisk = zeros
        counts = [zeros, zeros, zeros]
        survivalBefore = [Double](repeating: 1, count: groups)
        survival = survivalBefore
        incidenceBefore = zeros
        incidence = zeros
        score = zeros
        a = square
        c = square
        v = square
        v2 = square
        v3 = zeros
    }

    mutating func clearCounts() {
        for kind in 0..<3 { for g in 0..<groups { counts[kind][g] = 0 } }
    }

    mutating func count(group: Int, kind: Int) { counts[kind][group] += 1 }

    /// Takes in the current time's counts, then moves the risk sets and curves past it.
    mutating func advance() {
        var interest = 0.0, other = 0.0
        for g in 0..<groups {
            interest += counts[1][g]
            other += counts[2][g]
        }
        if interest > 0 || other > 0 { update(interest: interest, other: other) }
        for g in 0..<groups { atRisk[g] -= counts[0][g] + counts[1][g] + counts[2][g] }
        pooledBefore = pooled
        incidenceBefore = incidence
        survivalBefore = survival
    }

    private mutating func update(interest d1: Double, other d2: Double) {
        var tr = 0.0, tq = 0.0
        for g in 0..<groups where atRisk[g] > 0 {
            let n = atRisk[g]
            survival[g] = survivalBefore[g] * (n - counts[1][g] - counts[2][g]) / n
            incidence[g] = incidenceBefore[g] + survivalBefore[g] * counts[1][g] / n
            tr += n / survivalBefore[g]
            tq += n * (1 - incidenceBefore[g]) / survivalBefore[g]
        }
        pooled = pooledBefore + d1 / tr
        let weight = 1.0  // (1 − F(t−))^rho with rho = 0
        for i in 0..<groups {
            for j in 0..<groups { a[i][j] = 0 }
        }
        for i in 0..<groups where atRisk[i] > 0 {
            let ti = atRisk[i] / survivalBefore[i]
            a[i][i] = weight * ti * (1 - ti / tr)
            for j in (i + 1)..<groups where atRisk[j] > 0 {
                a[i][j] = -weight * ti * atRisk[j] / (survivalBefore[j] * tr)
                a[j][i] = a[i][j]
            }
        }
        let share = d1 / (tr * (1 - pooledBefore))
        for i in 0..<groups {
            for j in i..<groups {
                c[i][j] += a[i][j] * share
                c[j][i] = c[i][j]
            }
        }
        for i in 0..<(groups - 1) where atRisk[i] > 0 {
            score[i] += weight * (counts[1][i] - d1 * atRisk[i] * (1 - incidenceBefore[i]) / (survivalBefore[i] * tq))
        }
        if d1 > 0 { addInterest(d1, tr: tr) }
        if d2 > 0 { addOther() }
    }

    /// Variance terms of the events of interest at this time.
    private mutating func addInterest(_ d1: Double, tr: Double) {
        for k in 0..<groups where atRisk[k] > 0 {
            let t4 = survival[k] > 0 ? 1 - (1 - pooled) / survival[k] : 1
            let t5 = d1 > 1 ? 1 - (d1 - 1) / (tr * survivalBefore[k] - 1) : 1
            let t3 = t5 * survivalBefore[k] * d1 / (tr * atRisk[k])
            v3[k] += t4 * t4 * t3
            for i in 0..<(groups - 1) {
                let t1 = a[i][k] - t4 * c[i][k]
                v2[i][k] += t1 * t4 * t3
                for j in 0...i { v[i][j] += t1 * (a[j][k] - t4 * c[j][k]) * t3 }
            }
        }
    }

    /// Variance terms of the competing events at this time.
    private mutating func addOther() {
        for k in 0..<groups where survival[k] > 0 && counts[2][k] > 0 {
            let dk = counts[2][k], n = atRisk[k]
            let t4 = (1 - pooled) / survival[k]
            let t5 = dk > 1 ? 1 - (dk - 1) / (n - 1) : 1
            let t3 = t5 * survivalBefore[k] * survivalBefore[k] * dk / (n * n)
            v3[k] += t4 * t4 * t3
            for i in 0..<(groups - 1) {
                let t1 = t4 * c[i][k]
                v2[i][k] -= t1 * t4 * t3
                for j in 0...i { v[i][j] += t1 * t4 * c[j][k] * t3 }
            }
        }
    }

    /// The score of the first groups − 1 groups and its variance matrix.
    func finish() -> (score: [Double], variance: [[Double]]) {
        let m = groups - 1
        var out = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for i in 0..<m {
            for j in 0...i {
                var total = v[i][j]
                for k in 0..<groups {
                    total += c[i][k] * c[j][k] * v3[k] + c[i][k] * v2[j][k] + c[j][k] * v2[i][k]
                }
                out[i][j] = total
                out[j][i] = total
            }
        }
        return (Array(score.prefix(m)), out)
    }
}
