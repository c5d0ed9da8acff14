#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What Newton-Raphson needs of a Cox partial likelihood: its value, score and information at a
/// beta, and the linear predictor of each row.
protocol CoxObjective {
    /// Log partial likelihood, score vector and information matrix (full symmetric) at `beta`.
    func evaluate(_ beta: [Double]) -> (loglik: Double, score: [Double], information: [[Double]])
    /// The linear predictor beta · (x − mean) of each row, in input order.
    func linearPredictor(_ beta: [Double]) -> [Double]
}

extension CoxLikelihood: CoxObjective {}

/// The Cox partial likelihood with counting-process rows `(start, stop]` and case weights, as
/// `survival::coxph` computes it for `Surv(start, stop, event)` and `weights =` (R's agfit4 and
/// coxfit6 with weights; ties = "efron" or "breslow").
///
/// Each stratum is swept from the last time backwards: rows join the risk set at their stop time
/// and leave it once the sweep passes their start (start ≥ the event time), so every evaluation
/// costs O(n · p²) after two sorts made once. A row's risk is `weight · exp(eta)`; with d tied
/// deaths of total weight W, Breslow subtracts W · log(denominator) and Efron's k-th death
/// (f = k/d) enters with weight W/d and denominator `denom − f · denom_deaths`, as coxfit6 does.
struct CoxCountingLikelihood: CoxObjective {
    let p: Int
    let stop: [Double]
    let start: [Double]?
    let event: [Bool]
    let weight: [Double]
    /// Centred covariates, row-major in input order (`x[row * p + i]`).
    let x: [Double]
    let ties: CoxTies
    /// Per stratum (ascending code), its rows by descending stop and by descending start.
    let byStop: [[Int]]
    let byStart: [[Int]]

    init(time: [Double], event: [Bool], start: [Double]?, weight: [Double]?, stratum: [Int],
         columns: [[Double]], ties: CoxTies) {
        let n = time.count
        let w = weight ?? [Double](repeating: 1, count: n)
        self.stop = time
        self.start = start
        self.event = event
        self.weight = w
        self.ties = ties
        p = columns.count
        // R centres by the weighted mean and leaves columns of -1, 0 and 1 alone (`nocenter`).
        let totalWeight = w.reduce(0, +)
        var x = [Double](repeating: 0, count: n * columns.count)
        for (i, column) in columns.enumerated() {
            var mean = 0.0
            if !column.allSatisfy({ $0 == 0 || $0 == 1 || $0 == -1 }) {
                for k in 0..<n { mean += w[k] * column[k] }
                mean /= totalWeight
            }
            for k in 0..<n { x[k * columns.count + i] = column[k] - mean }
        }
        self.x = x
        var groups: [Int: [Int]] = [:]
        for k in 0..<n { groups[stratum[k], default: []].append(k) }
        let keys = groups.keys.sorted()
        byStop = keys.map { key in
            let rows = groups[key]!
            return StableOrder.ascending(rows.map { time[$0] }).reversed().map { rows[$0] }
        }
        byStart = start.map { start in
            keys.map { key in
                let rows = groups[key]!
                return StableOrder.ascending(rows.map { start[$0] }).reversed().map { rows[$0] }
            }
        } ?? []
    }

    func linearPredictor(_ beta: [Double]) -> [Double] {
        let n = stop.count
        return (0..<n).map { k in
            var eta = 0.0
            for i in 0..<p { eta += beta[i] * x[k * p + i] }
            return eta
        }
    }

    func evaluate(_ beta: [Double]) -> (loglik: Double, score: [Double], information: [[Double]]) {
        var sums = RiskSetSums(p: p)
        var loglik = 0.0
        var u = [Double](repeating: 0, count: p)
        var imat = [Double](repeating: 0, count: p * p)
        var risk = [Double](repeating: 0, count: stop.count)
        let efron = ties == .efron
        for s in byStop.indices {
            sums.reset()
            let rows = byStop[s], entries = start == nil ? [] : byStart[s]
            var i = 0, j = 0
            while i < rows.count {
                let t = stop[rows[i]]
                if let start {
                    while j < entries.count, start[entries[j]] >= t {
                        let r = entries[j]
                        sums.remove(x, row: r, risk: risk[r])
                        j += 1
                    }
                }
                var deadWeight = 0.0, deaths = 0
                sums.startEventTime()
                while i < rows.count, stop[rows[i]] == t {
                    let r = rows[i]
                    var eta = 0.0
                    for c in 0..<p { eta += beta[c] * x[r * p + c] }
                    eta = CoxLikelihood.safe(eta)
                    risk[r] = weight[r] * exp(eta)
                    if event[r] {
                        deaths += 1
                        deadWeight += weight[r]
                        loglik += weight[r] * eta
                        for c in 0..<p { u[c] += weight[r] * x[r * p + c] }
                    }
                    sums.add(x, row: r, risk: risk[r], death: event[r])
                    i += 1
                }
                guard deaths > 0 else { continue }
                sums.addEventTime(deaths: deaths, deadWeight: deadWeight, efron: efron,
                                  loglik: &loglik, score: &u, information: &imat)
            }
        }
        var information = (0..<p).map { i in Array(imat[(i * p)..<(i * p + p)]) }
        for i in 0..<p { for j in 0..<i { information[j][i] = information[i][j] } }
        return (loglik, u, information)
    }
}

/// The running sums of one stratum's risk set (`denom`, `a`, `cmat`, lower triangle) and of the
/// deaths at the current time (`denom2`, `a2`, `cmat2`), with R's reset when the risk set empties
/// so that removals leave no rounding residue behind.
struct RiskSetSums {
    let p: Int
    var atRisk = 0
    var denom = 0.0, denom2 = 0.0
    var a: [Double], a2: [Double], cmat: [Double], cmat2: [Double]

    init(p: Int) {
        self.p = p
        a = [Double](repeating: 0, count: p)
        a2 = a
        cmat = [Double](repeating: 0, count: p * p)
        cmat2 = cmat
    }

    mutating func reset() {
        atRisk = 0
        denom = 0
        for i in 0..<p { a[i] = 0 }
        for i in 0..<(p * p) { cmat[i] = 0 }
    }

    mutating func startEventTime() {
        denom2 = 0
        for i in 0..<p { a2[i] = 0 }
        for i in 0..<(p * p) { cmat2[i] = 0 }
    }

    /// A row joins the risk set at its stop time; a death also joins the tied deaths' sums.
    @inline(__always)
    mutating func add(_ x: [Double], row r: Int, risk: Double, death: Bool) {
        atRisk += 1
        if death {
            denom2 += risk
            for i in 0..<p {
                let ri = risk * x[r * p + i]
                a2[i] += ri
                for j in 0...i { cmat2[i * p + j] += ri * x[r * p + j] }
            }
        } else {
            denom += risk
            for i in 0..<p {
                let ri = risk * x[r * p + i]
                a[i] += ri
                for j in 0...i { cmat[i * p + j] += ri * x[r * p + j] }
            }
        }
    }

    /// A row leaves the risk set once the sweep reaches its start.
    @inline(__always)
    mutating func remove(_ x: [Double], row r: Int, risk: Double) {
        atRisk -= 1
        if atRisk == 0 {
            reset()
            return
        }
        denom -= risk
        for i in 0..<p {
            let ri = risk * x[r * p + i]
            a[i] -= ri
            for j in 0...i { cmat[i * p + j] -= ri * x[r * p + j] }
        }
    }

    /// The tied deaths join the risk set; their loglik, score and information terms (lower
    /// triangle) are added, Breslow or Efron as coxfit6 with weights.
    mutating func addEventTime(deaths: Int, deadWeight: Double, efron: Bool, loglik: inout Double,
                               score u: inout [Double], information imat: inout [Double]) {
        denom += denom2
        for i in 0..<p {
            a[i] += a2[i]
            for j in 0...i { cmat[i * p + j] += cmat2[i * p + j] }
        }
        if !efron || deaths == 1 {
            loglik -= deadWeight * log(denom)
            for i in 0..<p {
                let xbar = a[i] / denom
                u[i] -= deadWeight * xbar
                for j in 0...i { imat[i * p + j] += deadWeight * (cmat[i * p + j] - xbar * a[j]) / denom }
            }
            return
        }
        let average = deadWeight / Double(deaths)
        for k in 0..<deaths {
            let f = Double(k) / Double(deaths)
            let d2 = denom - f * denom2
            loglik -= average * log(d2)
            for i in 0..<p {
                let xbar = (a[i] - f * a2[i]) / d2
                u[i] -= average * xbar
                for j in 0...i {
                    let xbarJ = (a[j] - f * a2[j]) / d2
                    imat[i * p + j] += average * ((cmat[i * p + j] - f * cmat2[i * p + j]) / d2 - xbar * xbarJ)
                }
            }
        }
    }
}
