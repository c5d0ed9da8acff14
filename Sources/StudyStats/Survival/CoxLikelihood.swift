#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Cox partial likelihood of one data set, with its score and information, as R's coxfit6
/// computes them: rows sorted by stratum and time, sums accumulated from the last time backwards.
struct CoxLikelihood {
    /// Row indices sorted by (stratum, time), ties kept in input order for determinism.
    let order: [Int]
    let time: [Double]
    let event: [Bool]
    let stratum: [Int]
    /// Centred covariates, [term][row] in input row order.
    let x: [[Double]]
    let ties: CoxTies
    /// The same data in `order`, covariates row-major (`sortedX[k * p + i]` is term i of the k-th
    /// row in order), so that each Newton-Raphson step reads memory front to back. Empty when
    /// there are at most 8 terms: then `sortedX8` holds the rows.
    private let sortedTime: [Double]
    private let sortedEvent: [Bool]
    private let sortedStratum: [Int]
    private let sortedX: [Double]

    init(time: [Double], event: [Bool], stratum: [Int], columns: [[Double]], ties: CoxTies) {
        self.time = time
        self.event = event
        self.stratum = stratum
        self.ties = ties
        // (stratum, time, index) order: a stable radix argsort by time, then a stable split by stratum.
        let byTime = StableOrder.ascending(time)
        let single = stratum.first.map { first in stratum.allSatisfy { $0 == first } } ?? true
        if single {
            order = byTime
        } else {
            var buckets: [Int: [Int]] = [:]
            for row in byTime { buckets[stratum[row], default: []].append(row) }
            order = buckets.keys.sorted().flatMap { buckets[$0]! }
        }
        // R leaves columns made only of -1, 0 and 1 uncentred (coxph's `nocenter`).
        let x = columns.map { column in
            if column.allSatisfy({ $0 == 0 || $0 == 1 || $0 == -1 }) { return column }
            let mean = column.reduce(0, +) / Double(column.count)
            return column.map { $0 - mean }
        }
        self.x = x
        let p = x.count
        let order = self.order
        let n = order.count
        sortedTime = order.map { time[$0] }
        sortedEvent = order.map { event[$0] }
        // One stratum: no random reads to learn it.
        sortedStratum = single ? stratum : order.map { stratum[$0] }
        // Gathered a column at a time through raw pointers: reading each row through `x[i][row]`
        // was a tenth of a million-row fit. With at most 8 terms only the SIMD rows are kept
        // (`evaluateWide` rebuilds the flat layout from them when it is called).
        if p <= 8 {
            // Each subject's row is built from sequential column reads and written once, whole,
            // straight to its place in time order (a 64-byte line per subject): no intermediate
            // row array in input order, whose 64 MB of fresh pages cost more than the scatter.
            var rank = [Int](repeating: 0, count: n)
            rank.withUnsafeMutableBufferPointer { rank in
                order.withUnsafeBufferPointer { order in
                    for k in 0..<n { rank[order[k]] = k }
                }
            }
            sortedX8 = rank.withUnsafeBufferPointer { rank in
                [SIMD8<Double>](unsafeUninitializedCapacity: n) { sorted, count in
                    let base = sorted.baseAddress!
                    for k in 0..<n {
                        var row = SIMD8<Double>(repeating: 0)
                        for i in 0..<p { row[i] = x[i][k] }
                        (base + rank[k]).initialize(to: row)
                    }
                    count = n
                }
            }
            sortedX = []
        } else {
            var flat = [Double](repeating: 0, count: n * p)
            flat.withUnsafeMutableBufferPointer { flat in
                order.withUnsafeBufferPointer { order in
                    for i in 0..<p {
                        x[i].withUnsafeBufferPointer { column in
                            for k in 0..<n { flat[k * p + i] = column[order[k]] }
                        }
                    }
                }
            }
            sortedX = flat
            sortedX8 = []
        }
    }

    /// `sortedX` as one SIMD row per subject when there are at most 8 terms (zero-padded), for
    /// `evaluateNarrow`.
    private let sortedX8: [SIMD8<Double>]

    /// Keeps exp() of the linear predictor finite, like R's `coxsafe`. R clamps at 22; that bound
    /// is only reached when a coefficient runs to infinity, and there it makes the loglik flat and
    /// Newton-Raphson wander until the iteration limit. At 500 the loglik converges, so a
    /// monotone likelihood is reported as such; exp(500) and sums of it stay finite.
    static func safe(_ eta: Double) -> Double { min(max(eta, -200), 500) }

    /// The weights with which one event time's sums enter the score and information, so that
    /// the Efron average over its `deaths` tied events costs O(deaths) scalar work plus one
    /// O(p²) update instead of O(deaths × p²) with a vector division per information row.
    ///
    /// Death k (0-based) of d sees the denominator d2_k = denom − f_k · denom2, f_k = k / d, and
    /// the sums S − f_k · S2; its contributions are (C − f C2) / d2 to the information and
    /// (a − f a2)(a − f a2)ᵀ / d2² subtracted from it, (a − f a2) / d2 to the mean. Expanding
    /// the products gives s0 = Σ 1/d2, s1 = Σ f/d2, t0 = Σ 1/d2², t1 = Σ f/d2², t2 = Σ f²/d2².
    /// Breslow (and a single death) is the case f = 0 with d2 = denom for all d deaths.
    /// Subtracts the log denominators from `loglik`.
    @inline(__always)
    static func deathWeights(deaths: Int, denom: Double, denom2: Double, efron: Bool, loglik: inout Double)
        -> (s0: Double, s1: Double, t0: Double, t1: Double, t2: Double) {
        if deaths == 1 || !efron {
            let d = Double(deaths)
            loglik -= d * log(denom)
            let r = 1 / denom
            let s0 = d * r
            return (s0, 0, s0 * r, 0, 0)
        }
        var s0 = 0.0, s1 = 0.0, t0 = 0.0, t1 = 0.0, t2 = 0.0
        let perDeath = 1 / Double(deaths)
        for k in 0..<deaths {
            let f = Double(k) * perDeath
            let d2 = denom - f * denom2
            loglik -= log(d2)
            let r = 1 / d2
            let fr = f * r
            s0 += r
            s1 += fr
            t0 += r * r
            t1 += fr * r
            t2 += fr * fr
        }
        return (s0, s1, t0, t1, t2)
    }

    /// The linear predictor beta · (x − mean) of each row, in input order.
    func linearPredictor(_ beta: [Double]) -> [Double] {
        // Column by column into one buffer: the same sum, term 0 first, for every row.
        var eta = [Double](repeating: 0, count: time.count)
        eta.withUnsafeMutableBufferPointer { eta in
            for (b, column) in zip(beta, x) {
                column.withUnsafeBufferPointer { column in
                    for k in 0..<eta.count { eta[k] += b * column[k] }
                }
            }
        }
        return eta
    }

    /// Log partial likelihood, score vector and information matrix (full symmetric) at `beta`.
    func evaluate(_ beta: [Double]) -> (loglik: Double, score: [Double], information: [[Double]]) {
        evaluate(beta, visit: nil)
    }

    /// As `evaluate(_:)`; `visit` also receives each event time with its score and information
    /// contributions (the information lower triangle only), in decreasing time order.
    ///
    /// The sums are those of R's coxfit6 in the same order of operations; matrices are flat p × p
    /// buffers (element [i][j] at i * p + j) read without bounds checks, the hot loop of a fit.
    func evaluate(
        _ beta: [Double], visit: ((_ time: Double, _ score: [Double], _ information: [[Double]]) -> Void)?
    ) -> (loglik: Double, score: [Double], information: [[Double]]) {
        if beta.count <= 8 && !sortedX8.isEmpty { return evaluateNarrow(beta, visit: visit) }
        return evaluateWide(beta, visit: visit)
    }

    /// The scalar loop, for any number of terms.
    func evaluateWide(
        _ beta: [Double], visit: ((_ time: Double, _ score: [Double], _ information: [[Double]]) -> Void)?
    ) -> (loglik: Double, score: [Double], information: [[Double]]) {
        let p = beta.count
        var loglik = 0.0
        let sums = WideSums(p: p)
        defer { sums.deallocate() }
        var denom = 0.0
        let n = order.count
        let efron = ties == .efron
        let null = beta.allSatisfy { $0 == 0 }
        let sortedX = sortedX.isEmpty ? sortedX8.flatMap { row in (0..<p).map { row[$0] } } : sortedX
        sortedTime.withUnsafeBufferPointer { time in
        sortedEvent.withUnsafeBufferPointer { event in
        sortedStratum.withUnsafeBufferPointer { stratum in
        sortedX.withUnsafeBufferPointer { x in
        beta.withUnsafeBufferPointer { beta in
            var position = n - 1
            var currentStratum: Int? = nil
            while position >= 0 {
                if stratum[position] != currentStratum {
                    currentStratum = stratum[position]
                    denom = 0
                    sums.a.update(repeating: 0)
                    sums.cmat.update(repeating: 0)
                }
                let stratumNow = stratum[position]
                let deathTime = time[position]
                var deaths = 0
                var denom2 = 0.0
                sums.startEventTime()
                while position >= 0, time[position] == deathTime, stratum[position] == stratumNow {
                    let row = x.baseAddress! + position * p
                    var zbeta = 0.0
                    var risk = 1.0
                    // At beta = 0 (the null model) every risk is exp(0) = 1 exactly.
                    if !null {
                        for i in 0..<p { zbeta += beta[i] * row[i] }
                        zbeta = Self.safe(zbeta)
                        risk = exp(zbeta)
                    }
                    if event[position] {
                        deaths += 1
                        denom2 += risk
                        loglik += zbeta
                        for i in 0..<p { sums.du[i] += row[i] }
                        WideSums.accumulate(row, risk: risk, p: p, into: sums.a2, sums.cmat2)
                    } else {
                        denom += risk
                        WideSums.accumulate(row, risk: risk, p: p, into: sums.a, sums.cmat)
                    }
                    position -= 1
                }
                guard deaths > 0 else { continue }
                denom += denom2
                sums.addEventTime(Self.deathWeights(deaths: deaths, denom: denom, denom2: denom2, efron: efron, loglik: &loglik))
                if let visit {
                    visit(deathTime, Array(sums.du), (0..<p).map { i in (0..<p).map { j in sums.dimat[i * p + j] } })
                }
            }
        } } } } }
        var information = (0..<p).map { i in Array(sums.imat[(i * p)..<(i * p + p)]) }
        for i in 0..<p { for j in 0..<i { information[j][i] = information[i][j] } }
        return (loglik, Array(sums.u), information)
    }

    /// `matrix[i] += weighted[i] * row` for i < p, on the lanes j ≤ i that are kept only (lanes 0-1
    /// for rows 0-1, 0-3 for rows 2-3): a third fewer vector operations in the hottest loop of a
    /// fit, each kept lane computed exactly as before. The skipped lanes lie above the diagonal.
    @inline(__always)
    private static func accumulateLower(_ matrix: UnsafeMutableBufferPointer<SIMD8<Double>>,
                                        _ weighted: SIMD8<Double>, _ row: SIMD8<Double>, _ p: Int) {
        var i = 0
        while i < p && i < 2 { matrix[i].lowHalf.lowHalf += weighted[i] * row.lowHalf.lowHalf; i += 1 }
        while i < p && i < 4 { matrix[i].lowHalf += weighted[i] * row.lowHalf; i += 1 }
        while i < p { matrix[i] += weighted[i] * row; i += 1 }
    }

    /// `evaluate` for at most 8 terms with one SIMD8 lane per term. Each lane does exactly the scalar
    /// operations, in the same order, of the element it stands for (no sums are reassociated), so the
    /// results are bit for bit those of the scalar loop. The upper triangle is left partly
    /// uncomputed (`accumulateLower`) and what is computed of it is discarded.
    func evaluateNarrow(
        _ beta: [Double], visit: ((_ time: Double, _ score: [Double], _ information: [[Double]]) -> Void)?
    ) -> (loglik: Double, score: [Double], information: [[Double]]) {
        typealias V = SIMD8<Double>
        let p = beta.count
        let zero = V(repeating: 0)
        var loglik = 0.0
        var sums = NarrowSums(p: p)
        defer { sums.deallocate() }
        var denom = 0.0
        let n = order.count
        let efron = ties == .efron
        let null = beta.allSatisfy { $0 == 0 }
        sortedTime.withUnsafeBufferPointer { time in
        sortedEvent.withUnsafeBufferPointer { event in
        sortedStratum.withUnsafeBufferPointer { stratum in
        sortedX8.withUnsafeBufferPointer { x in
        beta.withUnsafeBufferPointer { beta in
            var position = n - 1
            var currentStratum: Int? = nil
            while position >= 0 {
                if stratum[position] != currentStratum {
                    currentStratum = stratum[position]
                    (denom, sums.a) = (0, zero)
                    sums.cmat.update(repeating: zero)
                }
                let stratumNow = stratum[position]
                let deathTime = time[position]
                var deaths = 0
                var denom2 = 0.0
                sums.startEventTime()
                while position >= 0, time[position] == deathTime, stratum[position] == stratumNow {
                    let row = x[position]
                    var zbeta = 0.0
                    var risk = 1.0
                    // At beta = 0 (the null model) every risk is exp(0) = 1 exactly.
                    if !null {
                        for i in 0..<p { zbeta += beta[i] * row[i] }
                        zbeta = Self.safe(zbeta)
                        risk = exp(zbeta)
                    }
                    let riskRow = risk * row
                    if event[position] {
                        deaths += 1
                        denom2 += risk
                        loglik += zbeta
                        sums.du += row
                        sums.a2 += riskRow
                        Self.accumulateLower(sums.cmat2, riskRow, row, p)
                    } else {
                        denom += risk
                        sums.a += riskRow
                        Self.accumulateLower(sums.cmat, riskRow, row, p)
                    }
                    position -= 1
                }
                guard deaths > 0 else { continue }
                denom += denom2
                sums.addEventTime(Self.deathWeights(deaths: deaths, denom: denom, denom2: denom2, efron: efron, loglik: &loglik))
                if let visit {
                    visit(deathTime, (0..<p).map { sums.du[$0] },
                          (0..<p).map { i in (0..<p).map { j in j <= i ? sums.dimat[i][j] : 0 } })
                }
            }
        } } } } }
        var information = (0..<p).map { i in (0..<p).map { j in sums.imat[i][j] } }
        for i in 0..<p { for j in 0..<i { information[j][i] = information[i][j] } }
        return (loglik, (0..<p).map { sums.u[$0] }, information)
    }
}

/// `CoxLikelihood.evaluateWide`'s running sums as flat buffers, p × p matrices row-major with only
/// the lower triangle used; read and written without bounds checks in the hottest loop of a fit.
private struct WideSums {
    let p: Int
    /// Risk-set sums (`a`, `cmat`) and those of the deaths tied at the current time (`a2`, `cmat2`).
    let a: UnsafeMutableBufferPointer<Double>, a2: UnsafeMutableBufferPointer<Double>
    let cmat: UnsafeMutableBufferPointer<Double>, cmat2: UnsafeMutableBufferPointer<Double>
    /// The current event time's score and information (`du`, `dimat`), and their totals (`u`, `imat`).
    let du: UnsafeMutableBufferPointer<Double>, dimat: UnsafeMutableBufferPointer<Double>
    let u: UnsafeMutableBufferPointer<Double>, imat: UnsafeMutableBufferPointer<Double>

    /// Zeroed sums for `p` terms; `deallocate()` them when done.
    init(p: Int) {
        func zeros(_ count: Int) -> UnsafeMutableBufferPointer<Double> {
            let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
            buffer.initialize(repeating: 0)
            return buffer
        }
        self.p = p
        (a, a2, du, u) = (zeros(p), zeros(p), zeros(p), zeros(p))
        (cmat, cmat2, dimat, imat) = (zeros(p * p), zeros(p * p), zeros(p * p), zeros(p * p))
    }

    func deallocate() {
        for buffer in [a, a2, cmat, cmat2, du, dimat, u, imat] { buffer.deallocate() }
    }

    /// Clears the tied deaths' sums and the event time's contributions.
    @inline(__always)
    func startEventTime() {
        a2.update(repeating: 0)
        du.update(repeating: 0)
        cmat2.update(repeating: 0)
        dimat.update(repeating: 0)
    }

    /// `vector[i] += risk · row[i]` and the lower triangle of `matrix += risk · row · rowᵀ`.
    @inline(__always)
    static func accumulate(_ row: UnsafePointer<Double>, risk: Double, p: Int,
                           into vector: UnsafeMutableBufferPointer<Double>, _ matrix: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<p {
            let xi = row[i]
            vector[i] += risk * xi
            let riskXi = risk * xi
            for j in 0...i { matrix[i * p + j] += riskXi * row[j] }
        }
    }

    /// The tied deaths join the risk set; then the event time's score `du` and information
    /// `dimat` follow from the sums with `CoxLikelihood.deathWeights`' weights, and are added to
    /// the totals.
    @inline(__always)
    func addEventTime(_ weights: (s0: Double, s1: Double, t0: Double, t1: Double, t2: Double)) {
        for i in 0..<p {
            a[i] += a2[i]
            for j in 0...i { cmat[i * p + j] += cmat2[i * p + j] }
        }
        let (s0, s1, t0, t1, t2) = weights
        for i in 0..<p {
            du[i] -= s0 * a[i] - s1 * a2[i]
            let ai = t0 * a[i], a2i = t2 * a2[i]
            for j in 0...i {
                let sums = s0 * cmat[i * p + j] - s1 * cmat2[i * p + j]
                let cross = a[i] * a2[j] + a2[i] * a[j]
                let squares = (ai * a[j] - t1 * cross) + a2i * a2[j]
                dimat[i * p + j] += sums - squares
            }
        }
        for i in 0..<p {
            u[i] += du[i]
            for j in 0...i { imat[i * p + j] += dimat[i * p + j] }
        }
    }
}

/// `CoxLikelihood.evaluateNarrow`'s running sums with one SIMD8 lane per term: vectors as values,
/// matrices as p rows (lower lanes used). Each lane does exactly the scalar operations of
/// `WideSums` for the element it stands for, so the results are bit for bit the same.
private struct NarrowSums {
    typealias V = SIMD8<Double>
    let p: Int
    /// Risk-set sums (`a`, `cmat`) and those of the deaths tied at the current time (`a2`, `cmat2`).
    var a = V(repeating: 0), a2 = V(repeating: 0)
    let cmat: UnsafeMutableBufferPointer<V>, cmat2: UnsafeMutableBufferPointer<V>
    /// The current event time's score and information (`du`, `dimat`), and their totals (`u`, `imat`).
    var du = V(repeating: 0), u = V(repeating: 0)
    let dimat: UnsafeMutableBufferPointer<V>, imat: UnsafeMutableBufferPointer<V>

    /// Zeroed sums for `p` ≤ 8 terms; `deallocate()` them when done.
    init(p: Int) {
        func zeros() -> UnsafeMutableBufferPointer<V> {
            let buffer = UnsafeMutableBufferPointer<V>.allocate(capacity: p)
            buffer.initialize(repeating: V(repeating: 0))
            return buffer
        }
        self.p = p
        (cmat, cmat2, dimat, imat) = (zeros(), zeros(), zeros(), zeros())
    }

    func deallocate() {
        for buffer in [cmat, cmat2, dimat, imat] { buffer.deallocate() }
    }

    /// Clears the tied deaths' sums and the event time's contributions.
    @inline(__always)
    mutating func startEventTime() {
        (a2, du) = (V(repeating: 0), V(repeating: 0))
        cmat2.update(repeating: V(repeating: 0))
        dimat.update(repeating: V(repeating: 0))
    }

    /// `WideSums.addEventTime` lane by lane; every lane of `dimat`, the upper ones too (discarded):
    /// once per event time, not per row.
    @inline(__always)
    mutating func addEventTime(_ weights: (s0: Double, s1: Double, t0: Double, t1: Double, t2: Double)) {
        a += a2
        for i in 0..<p { cmat[i] += cmat2[i] }
        let (s0, s1, t0, t1, t2) = weights
        du -= s0 * a - s1 * a2
        for i in 0..<p {
            let ai = t0 * a[i], a2i = t2 * a2[i]
            let sums: V = s0 * cmat[i] - s1 * cmat2[i]
            let cross: V = a[i] * a2 + a2[i] * a
            let squares: V = (ai * a - t1 * cross) + a2i * a2
            dimat[i] += sums - squares
        }
        u += du
        for i in 0..<p { imat[i] += dimat[i] }
    }
}
