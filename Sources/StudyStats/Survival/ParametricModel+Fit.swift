#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ParametricModel {
    /// Fits `distribution` to right-censored `data` with the columns of `design` (nil or empty:
    /// intercept only), as `survreg(Surv(time, event) ~ …, dist = …)`: an intercept-only fit first
    /// (its log-likelihood is the null one, its σ the start), then the full model from the
    /// weighted least-squares start, on covariates centred and scaled as survreg does (0/1 columns
    /// are left alone), with the coefficients and variance transformed back.
    /// `data.start` is not supported (right censoring only); `data.weights` are case weights.
    public static func fit(_ data: SurvivalData, design: CoxDesign?, distribution: ParametricDistribution)
        throws(ParametricError) -> ParametricModel {
        let n = data.count
        if let design, design.rows.count != n { throw .lengthMismatch(design: design.rows.count, data: n) }
        if let bad = data.time.firstIndex(where: { !($0 > 0 && $0.isFinite) }) { throw .invalidTime(index: bad) }
        guard data.event.contains(true) else { throw .noEvents }
        let y = data.time.map { log($0) }
        let weight = (0..<n).map { data.weight($0) }
        let covariates = design?.columns ?? []
        let (scaled, center, spread) = standardized(covariates)
        let ones = [Double](repeating: 1, count: n)
        let estimatesScale = distribution.fixedScale == nil

        let guess = ParametricFit.initialGuess(distribution, y: y, event: data.event, weight: weight)
        let scaleStart = estimatesScale ? [guess.logScale] : []
        var null: ParametricFit.Result?
        var start = [guess.intercept] + scaleStart
        if !covariates.isEmpty {
            var likelihood = ParametricLikelihood(distribution: distribution, columns: [ones], y: y, event: data.event, weight: weight)
            null = ParametricFit.newton(&likelihood, start: start, maxIterations: 20)
        }
        var likelihood = ParametricLikelihood(distribution: distribution, columns: [ones] + scaled, y: y, event: data.event, weight: weight)
        if let null {
            let logScale = estimatesScale ? null.theta[1] : guess.logScale
            start = ParametricFit.regressionStart(likelihood, logScale: logScale) + (estimatesScale ? [logScale] : [])
        }
        let fit = ParametricFit.newton(&likelihood, start: start, maxIterations: ParametricFit.maxIterations)

        // survreg reports the likelihood of T, not of log T: each event adds log(d log t / dt) = −log t.
        var correction = 0.0
        for i in 0..<n where data.event[i] { correction -= weight[i] * y[i] }
        guard fit.loglik.isFinite, fit.theta.allSatisfy(\.isFinite) else { throw .notFinite(iterations: fit.iterations) }
        let (theta, variance) = unstandardize(fit.theta, fit.variance, center: center, spread: spread)
        let terms = ["(Intercept)"] + (design?.terms ?? [])
        func row(_ k: Int, _ term: String) -> Coefficient {
            let se = variance[k][k].squareRoot(), z = theta[k] / se
            return Coefficient(term: term, coefficient: theta[k], standardError: se, z: z, p: Distributions.normalTwoSidedP(z))
        }
        return ParametricModel(
            distribution: distribution, coefficients: terms.enumerated().map { row($0.offset, $0.element) },
            scale: estimatesScale ? exp(theta[terms.count]) : distribution.fixedScale!,
            logScale: estimatesScale ? row(terms.count, "Log(scale)") : nil, variance: variance,
            logLikelihoodNull: (null ?? fit).loglik + correction, logLikelihoodFit: fit.loglik + correction,
            iterations: fit.iterations, converged: fit.converged, count: n, eventCount: data.event.filter { $0 }.count)
    }

    /// survreg.fit's rescaling: each column not entirely 0/1 is centred on its mean and divided by
    /// its standard deviation (n − 1), which conditions the Newton steps; 0/1 columns are kept.
    static func standardized(_ columns: [[Double]]) -> (columns: [[Double]], center: [Double], spread: [Double]) {
        var out = [[Double]](), center = [Double](), spread = [Double]()
        for column in columns {
            if column.allSatisfy({ $0 == 0 || $0 == 1 }) {
                out.append(column)
                center.append(0)
                spread.append(1)
                continue
            }
            let mean = column.reduce(0, +) / Double(column.count)
            var squares = 0.0
            for x in column { squares += (x - mean) * (x - mean) }
            let sd = (squares / Double(column.count - 1)).squareRoot()
            out.append(column.map { ($0 - mean) / sd })
            center.append(mean)
            spread.append(sd)
        }
        return (out, center, spread)
    }

    /// Maps parameters and variance on the standardized columns back to the original ones:
    /// `β_j = β'_j / s_j`, `β_0 = β'_0 − Σ c_j β'_j / s_j`, and `V = A V' Aᵀ` for that linear map A.
    static func unstandardize(_ theta: [Double], _ variance: [[Double]], center: [Double],
                              spread: [Double]) -> ([Double], [[Double]]) {
        let m = theta.count
        var map = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for i in 0..<m { map[i][i] = 1 }
        for (j, (c, s)) in zip(center, spread).enumerated() {
            map[j + 1][j + 1] = 1 / s
            map[0][j + 1] = -c / s
        }
        let mapped = (0..<m).map { i in (0..<m).reduce(0) { $0 + map[i][$1] * theta[$1] } }
        var out = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for i in 0..<m {
            for j in 0..<m {
                var sum = 0.0
                for k in 0..<m where map[i][k] != 0 {
                    for l in 0..<m where map[j][l] != 0 { sum += map[i][k] * variance[k][l] * map[j][l] }
                }
                out[i][j] = sum
            }
        }
        return (mapped, out)
    }
}
