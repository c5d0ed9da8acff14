#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log-likelihood of an accelerated failure time model on log time, with its score, information
/// and the outer-product matrix J'J, as `survival`'s survregc1 computes them for survreg's
/// Newton–Raphson fit: parameters `(β_0 … β_{p-1}, log σ)`, the last one absent when σ is fixed.
///
/// Each row contributes `h(z) − δ log σ` with `z = (log t − x'β)/σ`, h the log density (event,
/// δ = 1) or log survival (censored) of the error distribution. Work arrays are allocated once, so
/// an evaluation allocates nothing per row.
struct ParametricLikelihood {
    let distribution: ParametricDistribution
    /// Design columns (the first is the intercept), one entry per row.
    let columns: [[Double]]
    /// log time of each row.
    let y: [Double]
    let event: [Bool]
    let weight: [Double]

    /// After `evaluate(_:derivatives: true)`: the score, information (minus the Hessian) and J'J.
    private(set) var score: [Double]
    private(set) var information: [[Double]]
    private(set) var outer: [[Double]]

    private var eta: [Double]
    private var dEta: [Double], dEtaEta: [Double], dEtaScale: [Double], jjEta: [Double], jjEtaScale: [Double]

    init(distribution: ParametricDistribution, columns: [[Double]], y: [Double], event: [Bool], weight: [Double]) {
        self.distribution = distribution
        self.columns = columns
        self.y = y
        self.event = event
        self.weight = weight
        let m = columns.count + (distribution.fixedScale == nil ? 1 : 0)
        score = [Double](repeating: 0, count: m)
        information = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        outer = information
        let zeros = [Double](repeating: 0, count: y.count)
        (eta, dEta, dEtaEta, dEtaScale, jjEta, jjEtaScale) = (zeros, zeros, zeros, zeros, zeros, zeros)
    }

    /// Number of parameters: the coefficients and, when estimated, log σ.
    var parameterCount: Int { score.count }

    /// The log-likelihood at `theta` (without the `−Σ log t` of the events, which does not depend on
    /// the parameters); with `derivatives`, also fills `score`, `information` and `outer`.
    mutating func evaluate(_ theta: [Double], derivatives: Bool) -> Double {
        let p = columns.count, n = y.count
        for i in 0..<n { eta[i] = 0 }
        for j in 0..<p {
            let beta = theta[j]
            columns[j].withUnsafeBufferPointer { x in for i in 0..<n { eta[i] += beta * x[i] } }
        }
        let logScale = distribution.fixedScale.map { log($0) } ?? theta[p]
        let sigma = exp(logScale)
        var loglik = 0.0, uScale = 0.0, iScale = 0.0, jjScale = 0.0
        for i in 0..<n {
            let z = (y[i] - eta[i]) / sigma
            let (h, h1, h2) = distribution.logTerms(z, event: event[i])
            let w = weight[i], d = event[i] ? 1.0 : 0.0
            loglik += w * (h - d * logScale)
            guard derivatives else { continue }
            let gEta = -h1 / sigma, gScale = -z * h1 - d
            dEta[i] = w * gEta
            dEtaEta[i] = -w * h2 / (sigma * sigma)
            dEtaScale[i] = -w * (z * h2 + h1) / sigma
            jjEta[i] = w * gEta * gEta
            jjEtaScale[i] = w * gEta * gScale
            uScale += w * gScale
            iScale -= w * (z * h1 + z * z * h2)
            jjScale += w * gScale * gScale
        }
        if derivatives { accumulate(uScale: uScale, iScale: iScale, jjScale: jjScale) }
        return loglik
    }

    /// Sums the per-row derivative arrays against the design columns.
    private mutating func accumulate(uScale: Double, iScale: Double, jjScale: Double) {
        let p = columns.count
        for j in 0..<p {
            score[j] = Self.dot(columns[j], dEta)
            for k in 0...j {
                let info = Self.dot(columns[j], columns[k], dEtaEta)
                let jj = Self.dot(columns[j], columns[k], jjEta)
                (information[j][k], information[k][j], outer[j][k], outer[k][j]) = (info, info, jj, jj)
            }
        }
        guard parameterCount > p else { return }
        score[p] = uScale
        information[p][p] = iScale
        outer[p][p] = jjScale
        for j in 0..<p {
            let info = Self.dot(columns[j], dEtaScale), jj = Self.dot(columns[j], jjEtaScale)
            (information[p][j], information[j][p], outer[p][j], outer[j][p]) = (info, info, jj, jj)
        }
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
    }

    private static func dot(_ a: [Double], _ b: [Double], _ c: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] * c[i] }
        return sum
    }
}
