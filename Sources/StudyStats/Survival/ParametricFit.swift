#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Newton–Raphson iteration of `survival::survreg` (survreg6.c) and its starting values
/// (survreg.fit): the same start, step, step halving and stopping rule, so a fit takes the same
/// path as R's and stops after the same number of iterations.
enum ParametricFit {
    /// Where an iteration ended: the parameters, the log-likelihood there (without the `−Σ log t`
    /// correction), the inverse information, and the iteration count.
    struct Result {
        var theta: [Double]
        var loglik: Double
        var variance: [[Double]]
        var iterations: Int
        var converged: Bool
    }

    /// survreg.control's defaults: `rel.tolerance`, `toler.chol`, `iter.max`.
    static let tolerance = 1e-9
    static let choleskyTolerance = 1e-10
    static let maxIterations = 30

    /// Maximizes the likelihood from `start`: a Newton step (solved on J'J when the information is
    /// not positive definite), halved up to five times while it lowers the likelihood, the first
    /// halving keeping log σ within 1.1 of the last good value; done when the relative change of
    /// the log-likelihood is at most `tolerance` after a full step.
    static func newton(_ likelihood: inout ParametricLikelihood, start: [Double], maxIterations: Int) -> Result {
        let m = likelihood.parameterCount, scaleIndex = likelihood.columnCount
        let estimatesScale = m > scaleIndex
        var theta = start
        var loglik = likelihood.evaluate(theta, derivatives: true)
        var next = add(theta, step(likelihood, at: theta))
        var nextLoglik = likelihood.evaluate(next, derivatives: true)
        var halving = 0
        for iteration in 1...max(1, maxIterations) {
            if nextLoglik.isFinite && abs(1 - loglik / nextLoglik) <= tolerance && halving == 0 {
                return Result(theta: next, loglik: nextLoglik, variance: inverse(likelihood.information),
                              iterations: iteration, converged: true)
            }
            if !nextLoglik.isFinite || nextLoglik < loglik {
                var tries = 0
                while tries < 5 && !(nextLoglik >= loglik) {
                    halving += 1
                    for i in 0..<m { next[i] = (next[i] + theta[i]) / 2 }
                    if halving == 1 && estimatesScale && theta[scaleIndex] - next[scaleIndex] > 1.1 {
                        next[scaleIndex] = theta[scaleIndex] - 1.1
                    }
                    nextLoglik = likelihood.evaluate(next, derivatives: false)
                    tries += 1
                }
            } else {
                halving = 0
                loglik = nextLoglik
                theta = next
                next = add(next, step(likelihood, at: next))
            }
            nextLoglik = likelihood.evaluate(next, derivatives: true)
        }
        return Result(theta: next, loglik: nextLoglik, variance: inverse(likelihood.information),
                      iterations: maxIterations, converged: false)
    }

    /// The Newton step `I⁻¹ U` at the last evaluation, on J'J when I is not positive definite.
    static func step(_ likelihood: ParametricLikelihood, at theta: [Double]) -> [Double] {
        var factor = likelihood.information
        if CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance) < factor.count {
            factor = likelihood.outerProduct(theta)
            CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance)
        }
        return CoxLinearAlgebra.solve(factor, likelihood.score)
    }

    static func inverse(_ matrix: [[Double]]) -> [[Double]] {
        var factor = matrix
        CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance)
        return CoxLinearAlgebra.inverse(factor)
    }

    static func add(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 + $1 } }

    /// survreg's first guess: location and log σ from the moments of log time
    /// (`log(4·var)/2` for log σ), then the intercept from one weighted step at z = 0.
    static func initialGuess(_ distribution: ParametricDistribution, y: [Double], event: [Bool],
                             weight: [Double]) -> (intercept: Double, logScale: Double) {
        let total = weight.reduce(0, +)
        let mean = zip(y, weight).reduce(0) { $0 + $1.0 * $1.1 } / total
        let variance = zip(y, weight).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) } / total
        let guess = distribution.initial(mean: mean, variance: variance)
        let logScale = distribution.fixedScale.map { log($0) } ?? log(4 * guess.variance) / 2
        // One weighted step at z = 0 (each row's η at its own log time), as survreg.fit's `derfun`.
        let exact = distribution.zeroDerivatives(sigma: exp(logScale), event: true)
        let censored = distribution.zeroDerivatives(sigma: exp(logScale), event: false)
        var numerator = 0.0, denominator = 0.0
        for i in 0..<y.count {
            let (dg, ddg) = event[i] ? exact : censored
            let wt = -ddg * weight[i]
            numerator += weight[i] * dg + wt * y[i]
            denominator += wt
        }
        return (numerator / denominator, logScale)
    }

    /// survreg's start for the covariates: the weighted least-squares solution of the working
    /// response at z = 0 (each row's η set to its own log time) with σ from the intercept-only fit.
    static func regressionStart(_ likelihood: ParametricLikelihood, logScale: Double) -> [Double] {
        let sigma = exp(logScale), distribution = likelihood.distribution
        let exact = distribution.zeroDerivatives(sigma: sigma, event: true)
        let censored = distribution.zeroDerivatives(sigma: sigma, event: false)
        let p = likelihood.columnCount
        var gram = [Double](repeating: 0, count: p * p), right = [Double](repeating: 0, count: p)
        likelihood.x.withUnsafeBufferPointer { x in
            for i in 0..<likelihood.y.count {
                let (dg, ddg) = likelihood.event[i] ? exact : censored
                let w = likelihood.weight[i], wt = -ddg * w, response = wt * likelihood.y[i] + w * dg
                for j in 0..<p {
                    let xj = x[i * p + j]
                    right[j] += xj * response
                    for k in 0...j { gram[j * p + k] += xj * x[i * p + k] * wt }
                }
            }
        }
        var matrix = (0..<p).map { j in (0..<p).map { k in gram[max(j, k) * p + min(j, k)] } }
        CoxLinearAlgebra.cholesky(&matrix, tolerance: choleskyTolerance)
        return CoxLinearAlgebra.solve(matrix, right)
    }
}

extension ParametricDistribution {
    /// The first and second derivative of a row's log-likelihood with respect to η at z = 0, as
    /// survreg.fit's `derfun` computes them for its starting values.
    func zeroDerivatives(sigma: Double, event: Bool) -> (Double, Double) {
        let (_, h1, h2) = logTerms(0, event: event)
        return (-h1 / sigma, h2 / (sigma * sigma))
    }
}
