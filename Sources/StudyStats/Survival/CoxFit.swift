#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fitting `survival::coxph` (ties = "efron" or "breslow", optional strata) by Newton-Raphson
/// with step-halving, following R's coxfit6: same centring, same order of sums, same
/// convergence rule (relative change of the log-likelihood ≤ 1e-9), same tests.
extension CoxModel {
    /// R's `control$eps`: convergence when |1 − loglik_old / loglik_new| ≤ this.
    public static let convergenceTolerance = 1e-9
    /// R's `toler.chol` (`.Machine$double.eps^0.75`): pivots below this × the largest are singular.
    static let choleskyTolerance = 1.8189894035458617e-12

    /// Fits a Cox model to the design's rows of `survival`.
    ///
    /// `survival` and `strata` (stratum codes, one per subject) are indexed like the data the
    /// design was built from; only `design.rows` are used. `maxIterations` is a safety limit well
    /// above R's 20 so that the fit always iterates to convergence.
    public static func fit(
        _ survival: SurvivalData, design: CoxDesign, strata: [Int]? = nil,
        ties: CoxTies = .efron, maxIterations: Int = 100
    ) throws -> CoxModel {
        if let strata, strata.count != survival.count {
            throw CoxError.lengthMismatch(name: "strata", expected: survival.count, actual: strata.count)
        }
        let time = design.rows.map { survival.time[$0] }
        let event = design.rows.map { survival.event[$0] }
        let stratum = design.rows.map { strata?[$0] ?? 0 }
        guard event.contains(true) else { throw CoxError.noEvents }
        let p = design.terms.count
        let problem = CoxLikelihood(time: time, event: event, stratum: stratum, columns: design.columns, ties: ties)

        // Null model: the score test and loglik at beta = 0.
        var beta = [Double](repeating: 0, count: p)
        var current = problem.evaluate(beta)
        let nullLoglik = current.loglik
        var factor = current.information
        // A column in the span of others (or constant within every stratum) has no information.
        if CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance) < p {
            throw CoxError.collinear(terms: (0..<p).filter { factor[$0][$0] == 0 }.map { design.terms[$0] })
        }
        var step = CoxLinearAlgebra.solve(factor, current.score)
        let scoreStatistic = zip(step, current.score).reduce(0) { $0 + $1.0 * $1.1 }

        // Newton-Raphson as coxfit6: halve the step whenever the loglik gets worse.
        var loglik = current.loglik
        var newBeta = zip(beta, step).map { $0 + $1 }
        var halving = false
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            let trial = problem.evaluate(newBeta)
            let finite = trial.loglik.isFinite && trial.score.allSatisfy(\.isFinite)
            if finite && !halving && abs(1 - loglik / trial.loglik) <= convergenceTolerance {
                beta = newBeta
                current = trial
                converged = true
                break
            }
            if iterations == maxIterations {
                // Keep the last finite point: never report NaN.
                if finite { beta = newBeta; current = trial } else { current = problem.evaluate(beta) }
                break
            }
            if !finite || trial.loglik < loglik {
                halving = true
                for i in 0..<p { newBeta[i] = (newBeta[i] + beta[i]) / 2 }
            } else {
                halving = false
                loglik = trial.loglik
                factor = trial.information
                CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance)
                step = CoxLinearAlgebra.solve(factor, trial.score)
                beta = newBeta
                for i in 0..<p { newBeta[i] = beta[i] + step[i] }
            }
        }

        factor = current.information
        CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance)
        let variance = CoxLinearAlgebra.inverse(factor)

        var warnings = [CoxWarning]()
        if !converged { warnings.append(.didNotConverge(iterations: iterations)) }
        // R's check for monotone likelihood: |u' · var| large relative to the coefficient.
        let influence = (0..<p).map { j in abs((0..<p).reduce(0) { $0 + current.score[$1] * variance[$1][j] }) }
        let infinite = (0..<p).filter {
            influence[$0] > convergenceTolerance && influence[$0] > convergenceTolerance.squareRoot() * abs(beta[$0])
        }
        if !infinite.isEmpty { warnings.append(.infiniteCoefficients(terms: infinite.map { design.terms[$0] })) }

        let quantile = Distributions.normalQuantile(0.975)
        let coefficients = (0..<p).map { j -> CoxCoefficient in
            let se = variance[j][j].squareRoot()
            let z = beta[j] / se
            return CoxCoefficient(
                term: design.terms[j], coefficient: beta[j], hazardRatio: exp(beta[j]), standardError: se,
                z: z, p: Distributions.normalTwoSidedP(z),
                lowerHazardRatio95: exp(beta[j] - quantile * se), upperHazardRatio95: exp(beta[j] + quantile * se))
        }

        var varianceFactor = variance
        CoxLinearAlgebra.cholesky(&varianceFactor, tolerance: choleskyTolerance)
        let waldSolve = CoxLinearAlgebra.solve(varianceFactor, beta)
        let wald = zip(waldSolve, beta).reduce(0) { $0 + $1.0 * $1.1 }
        let df = p

        let predictor = problem.linearPredictor(beta)
        let concordance = CoxConcordance.compute(
            time: time, event: event, riskScore: predictor, strata: strata == nil ? nil : stratum)
        return CoxModel(
            terms: design.terms, coefficients: coefficients, variance: variance,
            logLikelihoodNull: nullLoglik, logLikelihoodFit: current.loglik,
            likelihoodRatioTest: CoxTest(statistic: 2 * (current.loglik - nullLoglik), degreesOfFreedom: df),
            waldTest: CoxTest(statistic: wald, degreesOfFreedom: df),
            scoreTest: CoxTest(statistic: scoreStatistic, degreesOfFreedom: df),
            ties: ties, iterations: iterations, count: time.count, eventCount: event.filter { $0 }.count,
            concordance: concordance, linearPredictor: predictor, warnings: warnings)
    }
}

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

    init(time: [Double], event: [Bool], stratum: [Int], columns: [[Double]], ties: CoxTies) {
        self.time = time
        self.event = event
        self.stratum = stratum
        self.ties = ties
        order = time.indices.sorted {
            (stratum[$0], time[$0], $0) < (stratum[$1], time[$1], $1)
        }
        // R leaves columns made only of -1, 0 and 1 uncentred (coxph's `nocenter`).
        x = columns.map { column in
            if column.allSatisfy({ $0 == 0 || $0 == 1 || $0 == -1 }) { return column }
            let mean = column.reduce(0, +) / Double(column.count)
            return column.map { $0 - mean }
        }
    }

    /// Keeps exp() of the linear predictor finite, like R's `coxsafe`. R clamps at 22; that bound
    /// is only reached when a coefficient runs to infinity, and there it makes the loglik flat and
    /// Newton-Raphson wander until the iteration limit. At 500 the loglik converges, so a
    /// monotone likelihood is reported as such; exp(500) and sums of it stay finite.
    static func safe(_ eta: Double) -> Double { min(max(eta, -200), 500) }

    /// The linear predictor beta · (x − mean) of each row, in input order.
    func linearPredictor(_ beta: [Double]) -> [Double] {
        time.indices.map { i in beta.indices.reduce(0) { $0 + beta[$1] * x[$1][i] } }
    }

    /// Log partial likelihood, score vector and information matrix (full symmetric) at `beta`.
    func evaluate(_ beta: [Double]) -> (loglik: Double, score: [Double], information: [[Double]]) {
        evaluate(beta, visit: nil)
    }

    /// As `evaluate(_:)`; `visit` also receives each event time with its score and information
    /// contributions (the information lower triangle only), in decreasing time order.
    func evaluate(
        _ beta: [Double], visit: ((_ time: Double, _ score: [Double], _ information: [[Double]]) -> Void)?
    ) -> (loglik: Double, score: [Double], information: [[Double]]) {
        let p = beta.count
        var loglik = 0.0
        var u = [Double](repeating: 0, count: p)
        var imat = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var du = u, dimat = imat
        var a = [Double](repeating: 0, count: p), a2 = a
        var cmat = imat, cmat2 = imat
        var denom = 0.0
        var position = order.count - 1
        var currentStratum: Int? = nil
        while position >= 0 {
            let first = order[position]
            if stratum[first] != currentStratum {
                currentStratum = stratum[first]
                denom = 0
                for i in 0..<p { a[i] = 0; for j in 0..<p { cmat[i][j] = 0 } }
            }
            let deathTime = time[first]
            var deaths = 0
            var denom2 = 0.0
            for i in 0..<p { a2[i] = 0; du[i] = 0; for j in 0..<p { cmat2[i][j] = 0; dimat[i][j] = 0 } }
            while position >= 0, time[order[position]] == deathTime, stratum[order[position]] == currentStratum {
                let row = order[position]
                var zbeta = 0.0
                for i in 0..<p { zbeta += beta[i] * x[i][row] }
                zbeta = Self.safe(zbeta)
                let risk = exp(zbeta)
                if event[row] {
                    deaths += 1
                    denom2 += risk
                    loglik += zbeta
                    for i in 0..<p {
                        du[i] += x[i][row]
                        a2[i] += risk * x[i][row]
                        for j in 0...i { cmat2[i][j] += risk * x[i][row] * x[j][row] }
                    }
                } else {
                    denom += risk
                    for i in 0..<p {
                        a[i] += risk * x[i][row]
                        for j in 0...i { cmat[i][j] += risk * x[i][row] * x[j][row] }
                    }
                }
                position -= 1
            }
            guard deaths > 0 else { continue }
            denom += denom2
            for i in 0..<p {
                a[i] += a2[i]
                for j in 0...i { cmat[i][j] += cmat2[i][j] }
            }
            if deaths == 1 || ties == .breslow {
                let d = Double(deaths)
                loglik -= d * log(denom)
                for i in 0..<p {
                    let mean = a[i] / denom
                    du[i] -= d * mean
                    for j in 0...i { dimat[i][j] += d * (cmat[i][j] - mean * a[j]) / denom }
                }
            } else {
                for k in 0..<deaths {
                    let fraction = Double(k) / Double(deaths)
                    let d2 = denom - fraction * denom2
                    loglik -= log(d2)
                    for i in 0..<p {
                        let mean = (a[i] - fraction * a2[i]) / d2
                        du[i] -= mean
                        for j in 0...i {
                            dimat[i][j] += ((cmat[i][j] - fraction * cmat2[i][j]) - mean * (a[j] - fraction * a2[j])) / d2
                        }
                    }
                }
            }
            for i in 0..<p {
                u[i] += du[i]
                for j in 0...i { imat[i][j] += dimat[i][j] }
            }
            visit?(deathTime, du, dimat)
        }
        for i in 0..<p { for j in 0..<i { imat[j][i] = imat[i][j] } }
        return (loglik, u, imat)
    }
}
