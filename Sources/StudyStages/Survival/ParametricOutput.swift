import StudyCore

/// The result `survival/parametric` writes (schema in README.md): the accelerated failure time
/// coefficients in R's order with `(Intercept)` first, and for Weibull and exponential models each
/// covariate's hazard-ratio form; the scale and its log with a standard error (absent for the
/// exponential, whose scale is fixed at 1); the log-likelihoods, the likelihood-ratio test, the
/// variance matrix and convergence. Non-finite numbers are nil here and `null` in the file.
struct ParametricOutput: ResultModel {
    struct Term: Equatable, Sendable {
        var term: String
        var coef: Double?
        var se: Double?
        var z: Double?
        var p: Double?
        /// Weibull and exponential covariates: `exp(-coef/scale)` and its interval; nil otherwise
        /// (the intercept, and the log-normal and log-logistic models, which are not proportional hazards).
        var hazardRatio: HazardRatio?
    }

    struct HazardRatio: Equatable, Sendable {
        var hr: Double?
        var lower: Double?
        var upper: Double?
    }

    /// A row of R's summary table without a term name (`Log(scale)`).
    struct Estimate: Equatable, Sendable {
        var estimate: Double?
        var se: Double?
        var z: Double?
        var p: Double?
    }

    var distribution: String
    var n: Int
    var events: Int
    var nDropped: Int
    var confLevel: Double
    var terms: [Term]
    var scale: Double?
    /// nil for the exponential (σ fixed).
    var logScale: Estimate?
    var loglikNull: Double?
    var loglikFit: Double?
    var likelihoodRatio: CoxOutput.Test
    /// Over (coefficients…, log scale), as R's `vcov(fit)`.
    var vcov: [[Double?]]
    var iterations: Int
    var converged: Bool

    /// Member names only this model writes.
    enum Key {
        static let distribution = "distribution"
        static let logScale = "log_scale"
    }

    static let kind: String? = "survival/parametric"
    static let keys = [ResultKey.kind, Key.distribution, ResultKey.n, ResultKey.events, ResultKey.nDropped, ResultKey.confLevel,
                       ResultKey.terms, ResultKey.term, ResultKey.coef, ResultKey.se, ResultKey.z, ResultKey.p, ResultKey.hr,
                       ResultKey.hrLower, ResultKey.hrUpper, ResultKey.scale, Key.logScale, ResultKey.estimate,
                       ResultKey.loglik, ResultKey.null, ResultKey.fit, ResultKey.tests, ResultKey.likelihoodRatio,
                       ResultKey.statistic, ResultKey.df, ResultKey.vcov, ResultKey.iterations, ResultKey.converged]

    var encoded: ResultJSON {
        let terms = terms.map { t -> ResultJSON in
            var members: [(String, ResultJSON)] = [
                (ResultKey.term, .string(t.term)), (ResultKey.coef, .optional(t.coef)), (ResultKey.se, .optional(t.se)),
                (ResultKey.z, .optional(t.z)), (ResultKey.p, .optional(t.p)),
            ]
            if let ratio = t.hazardRatio {
                members += [(ResultKey.hr, .optional(ratio.hr)), (ResultKey.hrLower, .optional(ratio.lower)),
                            (ResultKey.hrUpper, .optional(ratio.upper))]
            }
            return .object(members)
        }
        let logScale: ResultJSON = logScale.map { e in
            .object([(ResultKey.estimate, .optional(e.estimate)), (ResultKey.se, .optional(e.se)),
                     (ResultKey.z, .optional(e.z)), (ResultKey.p, .optional(e.p))])
        } ?? .null
        let test = likelihoodRatio
        return .object([
            (ResultKey.kind, .string(Self.kind!)), (Key.distribution, .string(distribution)),
            (ResultKey.n, .integer(n)), (ResultKey.events, .integer(events)), (ResultKey.nDropped, .integer(nDropped)),
            (ResultKey.confLevel, .number(confLevel)), (ResultKey.terms, .array(terms)),
            (ResultKey.scale, .optional(scale)), (Key.logScale, logScale),
            (ResultKey.loglik, .object([(ResultKey.null, .optional(loglikNull)), (ResultKey.fit, .optional(loglikFit))])),
            (ResultKey.tests, .object([(ResultKey.likelihoodRatio, .object([
                (ResultKey.statistic, .optional(test.statistic)), (ResultKey.df, .integer(test.df)), (ResultKey.p, .optional(test.p)),
            ]))])),
            (ResultKey.vcov, .array(vcov.map { row in .array(row.map { .optional($0) }) })),
            (ResultKey.iterations, .integer(iterations)), (ResultKey.converged, .bool(converged)),
        ])
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> ParametricOutput {
        let terms = try root.member(ResultKey.terms).items().map { (t) throws(ResultDecodingError) -> Term in
            // Present (even as null) exactly on the terms that have a hazard-ratio form.
            let ratio: HazardRatio? = t.value[ResultKey.hr] == nil ? nil : HazardRatio(
                hr: try t.member(ResultKey.hr).optionalNumber(), lower: try t.member(ResultKey.hrLower).optionalNumber(),
                upper: try t.member(ResultKey.hrUpper).optionalNumber())
            return Term(term: try t.member(ResultKey.term).string(), coef: try t.member(ResultKey.coef).optionalNumber(),
                        se: try t.member(ResultKey.se).optionalNumber(), z: try t.member(ResultKey.z).optionalNumber(),
                        p: try t.member(ResultKey.p).optionalNumber(), hazardRatio: ratio)
        }
        let logScale = try root.member(Key.logScale)
        let estimate: Estimate? = logScale.value.isNull ? nil : Estimate(
            estimate: try logScale.member(ResultKey.estimate).optionalNumber(), se: try logScale.member(ResultKey.se).optionalNumber(),
            z: try logScale.member(ResultKey.z).optionalNumber(), p: try logScale.member(ResultKey.p).optionalNumber())
        let loglik = try root.member(ResultKey.loglik)
        let test = try root.member(ResultKey.tests).member(ResultKey.likelihoodRatio)
        let vcov = try root.member(ResultKey.vcov).items().map { (row) throws(ResultDecodingError) -> [Double?] in
            try row.items().map { (v) throws(ResultDecodingError) -> Double? in try v.optionalNumber() }
        }
        return ParametricOutput(
            distribution: try root.member(Key.distribution).string(), n: try root.member(ResultKey.n).integer(),
            events: try root.member(ResultKey.events).integer(), nDropped: try root.member(ResultKey.nDropped).integer(),
            confLevel: try root.member(ResultKey.confLevel).number(), terms: terms,
            scale: try root.member(ResultKey.scale).optionalNumber(), logScale: estimate,
            loglikNull: try loglik.member(ResultKey.null).optionalNumber(), loglikFit: try loglik.member(ResultKey.fit).optionalNumber(),
            likelihoodRatio: CoxOutput.Test(statistic: try test.member(ResultKey.statistic).optionalNumber(),
                                            df: try test.member(ResultKey.df).integer(), p: try test.member(ResultKey.p).optionalNumber()),
            vcov: vcov, iterations: try root.member(ResultKey.iterations).integer(), converged: try root.member(ResultKey.converged).bool())
    }
}
