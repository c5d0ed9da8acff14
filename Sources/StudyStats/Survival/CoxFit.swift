#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fitting `survival::coxph` (ties = "efron" or "breslow", optional strata, counting process,
/// case weights, cluster) by Newton-Raphson
/// with step-halving, following R's coxfit6: same centring, same order of sums, same
/// convergence rule (relative change of the log-likelihood ≤ 1e-9), same tests.
extension CoxModel {
    /// R's `control$eps`: convergence when |1 − loglik_old / loglik_new| ≤ this.
    public static let convergenceTolerance = 1e-9
    /// R's `toler.chol` (`.Machine$double.eps^0.75`): pivots below this × the largest are singular.
    static let choleskyTolerance = 1.8189894035458617e-12

    /// Fits a Cox model to the design's rows of `survival`.
    ///
    /// `survival`, `strata` (stratum codes) and `cluster` (cluster codes) are indexed like the data
    /// the design was built from; only `design.rows` are used. `survival.start` makes each row the
    /// interval `(start, time]` and `survival.weights` are case weights, as `Surv(start, stop,
    /// event)` and `weights =`. `robust` (default: a cluster is given, or a weight is not a whole
    /// number, as R decides) adds the sandwich variance: each row its own cluster without
    /// `cluster`. `maxIterations` is R's `iter.max` (20): a fit that has not converged by then
    /// keeps its last accepted step and says so.
    public static func fit(
        _ survival: SurvivalData, design: CoxDesign, strata: [Int]? = nil, cluster: [Int]? = nil,
        robust: Bool? = nil, ties: CoxTies = .efron, maxIterations: Int = 20
    ) throws -> CoxModel {
        for (name, codes) in [("strata", strata), ("cluster", cluster)] {
            if let codes, codes.count != survival.count {
                throw CoxError.lengthMismatch(name: name, expected: survival.count, actual: codes.count)
            }
        }
        let rows = design.rows
        if let weights = survival.weights, let bad = rows.first(where: { !(weights[$0] > 0 && weights[$0].isFinite) }) {
            throw CoxError.invalidWeight(row: bad, value: weights[bad])
        }
        let time = rows.map { survival.time[$0] }
        let event = rows.map { survival.event[$0] }
        let stratum = rows.map { strata?[$0] ?? 0 }
        let start = survival.start.map { s in rows.map { s[$0] } }
        let weight = survival.weights.map { w in rows.map { w[$0] } }
        guard event.contains(true) else { throw CoxError.noEvents }
        let general = start != nil || weight != nil
        let problem: any CoxObjective = general
            ? CoxCountingLikelihood(time: time, event: event, start: start, weight: weight, stratum: stratum,
                                    columns: design.columns, ties: ties)
            : CoxLikelihood(time: time, event: event, stratum: stratum, columns: design.columns, ties: ties)
        let core = try solve(problem, terms: design.terms, maxIterations: maxIterations)

        let clusterCodes = cluster.map { c in rows.map { c[$0] } }
        let isRobust = robust ?? (cluster != nil || (weight?.contains { $0 != $0.rounded(.down) } ?? false))
        var robustFit: CoxRobustVariance?
        if isRobust {
            let residuals = CoxScoreResiduals(time: time, start: start, event: event, weight: weight, stratum: stratum,
                                              columns: design.columns, ties: ties)
            robustFit = CoxRobustVariance(
                residuals: residuals.residuals(core.beta), nullResiduals: residuals.residuals(core.beta.map { _ in 0 }),
                weight: weight, cluster: clusterCodes, naive: core.variance)
        }
        let variance = robustFit?.variance ?? core.variance
        let coefficients = coefficientTable(beta: core.beta, variance: variance, terms: design.terms,
                                            naive: isRobust ? core.variance : nil)
        let df = design.terms.count
        let predictor = problem.linearPredictor(core.beta)
        // R's concordance of weighted or counting-process fits is not implemented: none rather than a wrong one.
        let concordance = general ? nil : CoxConcordance.compute(
            time: time, event: event, riskScore: predictor, strata: strata == nil ? nil : stratum,
            cluster: isRobust ? clusterCodes : nil)
        return CoxModel(
            terms: design.terms, coefficients: coefficients, variance: variance,
            naiveVariance: isRobust ? core.variance : nil,
            logLikelihoodNull: core.nullLoglik, logLikelihoodFit: core.loglik,
            likelihoodRatioTest: CoxTest(statistic: 2 * (core.loglik - core.nullLoglik), degreesOfFreedom: df),
            waldTest: CoxTest(statistic: waldStatistic(core.beta, variance: variance), degreesOfFreedom: df),
            scoreTest: CoxTest(statistic: core.scoreStatistic, degreesOfFreedom: df),
            robustScoreTest: robustFit?.scoreTest,
            ties: ties, iterations: core.iterations, count: time.count, eventCount: event.filter { $0 }.count,
            concordance: concordance, linearPredictor: predictor, warnings: core.warnings)
    }

    /// What Newton-Raphson gives for one likelihood: the coefficients and model-based variance,
    /// the log-likelihoods, the score test at 0, iterations and warnings.
    struct Solution {
        var beta: [Double]
        var variance: [[Double]]
        var nullLoglik: Double
        var loglik: Double
        var scoreStatistic: Double
        var iterations: Int
        var warnings: [CoxWarning]
    }

    /// The null model's score test, then Newton-Raphson and the checks of coxph.fit.
    static func solve(_ problem: any CoxObjective, terms: [String], maxIterations: Int) throws -> Solution {
        let p = terms.count
        var current = problem.evaluate([Double](repeating: 0, count: p))
        let nullLoglik = current.loglik
        var factor = current.information
        // A column in the span of others (or constant within every stratum) has no information.
        if CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance) < p {
            throw CoxError.collinear(terms: (0..<p).filter { factor[$0][$0] == 0 }.map { terms[$0] })
        }
        let step = CoxLinearAlgebra.solve(factor, current.score)
        let scoreStatistic = zip(step, current.score).reduce(0) { $0 + $1.0 * $1.1 }

        var newton = newtonRaphson(problem, from: current, step: step, maxIterations: maxIterations)
        current = newton.current
        var iterations = newton.iterations
        if !newton.converged {
            current = problem.evaluate(newton.beta)
            iterations = maxIterations + 1
        }
        newton.current = current
        factor = current.information
        CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance)
        let variance = CoxLinearAlgebra.inverse(factor)
        return Solution(
            beta: newton.beta, variance: variance, nullLoglik: nullLoglik, loglik: current.loglik,
            scoreStatistic: scoreStatistic, iterations: iterations,
            warnings: checks(newton, variance: variance, terms: terms, maxIterations: maxIterations))
    }

    /// beta' · variance⁻¹ · beta with R's generalized Cholesky (coxph.wtest).
    static func waldStatistic(_ beta: [Double], variance: [[Double]]) -> Double {
        var factor = variance
        CoxLinearAlgebra.cholesky(&factor, tolerance: choleskyTolerance)
        return zip(CoxLinearAlgebra.solve(factor, beta), beta).reduce(0) { $0 + $1.0 * $1.1 }
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
        _ problem: any CoxObjective, from null: (loglik: Double, score: [Double], information: [[Double]]),
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

    /// Each term's coefficient, hazard ratio, standard error, z, p and 95% interval. With a robust
    /// fit `variance` is the robust one (z, p and the interval use it, as R's summary) and `naive`
    /// the model-based one that `standardError` reports.
    static func coefficientTable(beta: [Double], variance: [[Double]], terms: [String],
                                 naive: [[Double]]? = nil) -> [CoxCoefficient] {
        let quantile = Distributions.normalQuantile(0.975)
        return (0..<terms.count).map { j -> CoxCoefficient in
            let se = variance[j][j].squareRoot()
            let z = beta[j] / se
            return CoxCoefficient(
                term: terms[j], coefficient: beta[j], hazardRatio: exp(beta[j]),
                standardError: naive.map { $0[j][j].squareRoot() } ?? se, robustStandardError: naive == nil ? nil : se,
                z: z, p: Distributions.normalTwoSidedP(z),
                lowerHazardRatio95: exp(beta[j] - quantile * se), upperHazardRatio95: exp(beta[j] + quantile * se))
        }
    }
}
