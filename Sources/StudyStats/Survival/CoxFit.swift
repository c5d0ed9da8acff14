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
    /// design was built from; only `design.rows` are used. `maxIterations` is R's `iter.max`
    /// (20): a fit that has not converged by then keeps its last accepted step and says so.
    public static func fit(
        _ survival: SurvivalData, design: CoxDesign, strata: [Int]? = nil,
        ties: CoxTies = .efron, maxIterations: Int = 20
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
        var current = problem.evaluate([Double](repeating: 0, count: p))
        let nullLoglik = current.loglik
        var factor = current.information
        // A column in the span of others (or constant within every stratum) has no information.
        if CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance) < p {
            throw CoxError.collinear(terms: (0..<p).filter { factor[$0][$0] == 0 }.map { design.terms[$0] })
        }
        let step = CoxLinearAlgebra.solve(factor, current.score)
        let scoreStatistic = zip(step, current.score).reduce(0) { $0 + $1.0 * $1.1 }

        var newton = newtonRaphson(problem, from: current, step: step, maxIterations: maxIterations)
        current = newton.current
        let beta = newton.beta
        var iterations = newton.iterations
        if !newton.converged {
            current = problem.evaluate(beta)
            iterations = maxIterations + 1
        }
        newton.current = current

        factor = current.information
        CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance)
        let variance = CoxLinearAlgebra.inverse(factor)
        let warnings = checks(newton, variance: variance, terms: design.terms, maxIterations: maxIterations)
        let coefficients = coefficientTable(beta: beta, variance: variance, terms: design.terms)

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

    /// Where Newton-Raphson stopped: the last accepted beta with its evaluation.
    struct NewtonResult {
        var beta: [Double]
        var current: (loglik: Double, score: [Double], information: [[Double]])
        var iterations: Int
        var converged: Bool
    }

    /// Newton-Raphson as coxfit6 (survival 3.5) from beta = 0 (`null`, whose first `step` is
    /// given): converged when the relative change of the loglik is at most `convergenceTolerance`;
    /// a worse or non-finite loglik backs off towards the last accepted beta, more each time
    /// (1/2, 2/3, 3/4 of the way); at the iteration limit the fit is the last accepted beta. Under
    /// a monotone likelihood this stops, as R does, where the loglik has flattened, so se and p
    /// are R's and the warning names the term.
    static func newtonRaphson(
        _ problem: CoxLikelihood, from null: (loglik: Double, score: [Double], information: [[Double]]),
        step: [Double], maxIterations: Int
    ) -> NewtonResult {
        let p = step.count
        var beta = [Double](repeating: 0, count: p)
        var current = null
        var step = step
        var loglik = current.loglik
        var newBeta = zip(beta, step).map { $0 + $1 }
        var halving = 0
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            let trial = problem.evaluate(newBeta)
            let finite = trial.loglik.isFinite && trial.score.allSatisfy(\.isFinite)
                && trial.information.allSatisfy { $0.allSatisfy(\.isFinite) }
            if finite && abs(1 - loglik / trial.loglik) <= convergenceTolerance {
                beta = newBeta
                current = trial
                converged = true
                break
            }
            if !finite || trial.loglik < loglik {
                halving += 1
                let h = Double(halving)
                for i in 0..<p { newBeta[i] = (newBeta[i] + h * beta[i]) / (h + 1) }
            } else {
                halving = 0
                loglik = trial.loglik
                var factor = trial.information
                CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance)
                step = CoxLinearAlgebra.solve(factor, trial.score)
                beta = newBeta
                for i in 0..<p { newBeta[i] = beta[i] + step[i] }
            }
        }
        return NewtonResult(beta: beta, current: current, iterations: iterations, converged: converged)
    }

    /// R's checks (coxph.fit): after convergence, |u' · var| large relative to the coefficient
    /// means the loglik converged while the coefficient kept growing (monotone likelihood).
    static func checks(_ newton: NewtonResult, variance: [[Double]], terms: [String], maxIterations: Int) -> [CoxWarning] {
        let p = terms.count
        let (beta, score) = (newton.beta, newton.current.score)
        var warnings = [CoxWarning]()
        let influence = (0..<p).map { j in abs((0..<p).reduce(0) { $0 + score[$1] * variance[$1][j] }) }
        if newton.converged {
            let infinite = (0..<p).filter {
                !score[$0].isFinite || (influence[$0] > convergenceTolerance
                    && influence[$0] > convergenceTolerance.squareRoot() * abs(beta[$0]))
            }
            if !infinite.isEmpty { warnings.append(.infiniteCoefficients(terms: infinite.map { terms[$0] })) }
        } else {
            warnings.append(.didNotConverge(iterations: maxIterations))
        }
        return warnings
    }

    /// Each term's coefficient, hazard ratio, standard error, z, p and 95% interval.
    static func coefficientTable(beta: [Double], variance: [[Double]], terms: [String]) -> [CoxCoefficient] {
        let quantile = Distributions.normalQuantile(0.975)
        return (0..<terms.count).map { j -> CoxCoefficient in
            let se = variance[j][j].squareRoot()
            let z = beta[j] / se
            return CoxCoefficient(
                term: terms[j], coefficient: beta[j], hazardRatio: exp(beta[j]), standardError: se,
                z: z, p: Distributions.normalTwoSidedP(z),
                lowerHazardRatio95: exp(beta[j] - quantile * se), upperHazardRatio95: exp(beta[j] + quantile * se))
        }
    }
}
