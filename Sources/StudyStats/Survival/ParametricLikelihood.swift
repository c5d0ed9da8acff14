#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log-likelihood of an accelerated failure time model on log time, with its score and
/// information, as `survival`'s survregc1 computes them for survreg's Newton–Raphson fit:
/// parameters `(β_0 … β_{p-1}, log σ)`, the last one absent when σ is fixed.
///
/// Each row contributes `h(z) − δ log σ` with `z = (log t − x'β)/σ`, h the log density (event,
/// δ = 1) or log survival (censored) of the error distribution. The design is held row-major so one
/// pass over the rows accumulates everything, and an evaluation allocates nothing per row.
struct ParametricLikelihood {
    let distribution: ParametricDistribution
    /// Number of design columns (the first is the intercept).
    let columnCount: Int
    /// The design, row-major: `x[i * columnCount + j]`.
    let x: [Double]
    /// log time of each row.
    let y: [Double]
    let event: [Bool]
    let weight: [Double]

    /// After `evaluate(_:derivatives: true)`: the score and the information (minus the Hessian).
    private(set) var score: [Double]
    private(set) var information: [[Double]]

    init(distribution: ParametricDistribution, columns: [[Double]], y: [Double], event: [Bool], weight: [Double]) {
        let p = columns.count, n = y.count
        var x = [Double](repeating: 0, count: n * p)
        for (j, column) in columns.enumerated() { for i in 0..<n { x[i * p + j] = column[i] } }
        self.distribution = distribution
        self.columnCount = p
        self.x = x
        self.y = y
        self.event = event
        self.weight = weight
        let m = p + (distribution.fixedScale == nil ? 1 : 0)
        score = [Double](repeating: 0, count: m)
        information = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
    }

    /// Number of parameters: the coefficients and, when estimated, log σ.
    var parameterCount: Int { score.count }

    /// The per-row derivatives of the log-likelihood with respect to η and log σ at `theta`, handed
    /// to `body` with the row's log-likelihood term: `(i, l, dη, dη², dη dlogσ, dlogσ, dlogσ²)`.
    @inline(__always)
    private func forEachRow(_ theta: [Double],
                            _ body: (Int, Double, Double, Double, Double, Double, Double) -> Void) {
        let p = columnCount
        let logScale = distribution.fixedScale.map { log($0) } ?? theta[p]
        let sigma = exp(logScale), inverse = 1 / sigma
        theta.withUnsafeBufferPointer { beta in x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in event.withUnsafeBufferPointer { event in
                for i in 0..<y.count {
                    var eta = 0.0
                    for j in 0..<p { eta += beta[j] * x[i * p + j] }
                    let z = (y[i] - eta) * inverse
                    let (h, h1, h2) = distribution.logTerms(z, event: event[i])
                    let d = event[i] ? 1.0 : 0.0
                    body(i, h - d * logScale, -h1 * inverse, h2 * inverse * inverse, (z * h2 + h1) * inverse,
                         -z * h1 - d, z * h1 + z * z * h2)
                }
            } }
        } }
    }

    /// The log-likelihood at `theta` (without the `−Σ log t` of the events, which does not depend on
    /// the parameters); with `derivatives`, also fills `score` and `information`.
    mutating func evaluate(_ theta: [Double], derivatives: Bool) -> Double {
        let p = columnCount, m = parameterCount
        var loglik = 0.0
        guard derivatives else {
            weight.withUnsafeBufferPointer { w in forEachRow(theta) { i, l, _, _, _, _, _ in loglik += w[i] * l } }
            return loglik
        }
        // Lower triangle of the information and the score, flat, summed in one pass over the rows.
        var u = [Double](repeating: 0, count: m), info = [Double](repeating: 0, count: m * m)
        u.withUnsafeMutableBufferPointer { u in info.withUnsafeMutableBufferPointer { info in
            weight.withUnsafeBufferPointer { w in x.withUnsafeBufferPointer { x in
                forEachRow(theta) { i, l, gEta, gEtaEta, gEtaScale, gScale, gScaleScale in
                    let wi = w[i]
                    loglik += wi * l
                    let row = i * p
                    for j in 0..<p {
                        let xj = x[row + j] * wi
                        u[j] += xj * gEta
                        let a = xj * gEtaEta
                        for k in 0...j { info[j * m + k] -= a * x[row + k] }
                        if m > p { info[p * m + j] -= xj * gEtaScale }
                    }
                    if m > p {
                        u[p] += wi * gScale
                        info[p * m + p] -= wi * gScaleScale
                    }
                }
            } }
        } }
        for j in 0..<m {
            score[j] = u[j]
            for k in 0...j { (information[j][k], information[k][j]) = (info[j * m + k], info[j * m + k]) }
        }
        return loglik
    }

    /// J'J, the sum over rows of the outer product of each row's score, at `theta`: survreg's
    /// fallback for a Newton step when the information is not positive definite.
    func outerProduct(_ theta: [Double]) -> [[Double]] {
        let p = columnCount, m = parameterCount
        var jj = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var g = [Double](repeating: 0, count: m)
        forEachRow(theta) { i, _, gEta, _, _, gScale, _ in
            for j in 0..<p { g[j] = x[i * p + j] * gEta }
            if m > p { g[p] = gScale }
            for j in 0..<m { for k in 0...j { jj[j][k] += weight[i] * g[j] * g[k] } }
        }
        for j in 0..<m { for k in 0..<j { jj[k][j] = jj[j][k] } }
        return jj
    }
}
