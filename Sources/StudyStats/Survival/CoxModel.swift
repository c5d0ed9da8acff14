/// The result of a Cox proportional-hazards fit, matching `survival::coxph` (ties = "efron" by
/// default, or "breslow") as R 4.2 / survival 3.5 prints it in `summary(coxph(...))`.
///
/// Built by `CoxModel.fit(_:design:strata:ties:maxIterations:)` (CoxFit.swift); the proportional-hazards
/// test is `CoxZph.compute` (`survival::cox.zph`).
public struct CoxModel: Sendable, Equatable {
    /// Names of the design columns, one per coefficient, in design order.
    public var terms: [String]
    /// One row of the coefficient table per term.
    public var coefficients: [CoxCoefficient]
    /// The variance matrix of the coefficients (R's `vcov(fit)`): the inverse of the information
    /// at the fit, or the robust (sandwich) variance when the fit is robust.
    public var variance: [[Double]]
    /// The model-based variance of a robust fit (R's `fit$naive.var`); nil when not robust.
    public var naiveVariance: [[Double]]?
    /// Partial log-likelihood at beta = 0.
    public var logLikelihoodNull: Double
    /// Partial log-likelihood at the fitted coefficients.
    public var logLikelihoodFit: Double
    /// Likelihood-ratio test of all coefficients: 2 · (loglik at fit − loglik at 0).
    public var likelihoodRatioTest: CoxTest
    /// Wald test of all coefficients: coef' · variance⁻¹ · coef.
    public var waldTest: CoxTest
    /// Score (log-rank) test at beta = 0: u' · information⁻¹ · u, as `coxph` computes it.
    public var scoreTest: CoxTest
    /// The robust score test at beta = 0 of a robust fit (R's `fit$rscore`, summary's "Robust").
    public var robustScoreTest: CoxTest?
    /// How tied event times were handled.
    public var ties: CoxTies
    /// Newton-Raphson iterations R's criterion needed (R's `iter`).
    public var iterations: Int
    /// Number of subjects used (rows without a missing value).
    public var count: Int
    /// Number of events among the subjects used.
    public var eventCount: Int
    /// Harrell's concordance of the linear predictor, as `coxph` reports it; nil for weighted or
    /// counting-process fits, whose concordance is not computed.
    public var concordance: CoxConcordance?
    /// The linear predictor of each used row, centred as R centres it (`predict(fit, type = "lp")`).
    public var linearPredictor: [Double]
    /// Problems that did not stop the fit, such as a coefficient running to infinity.
    public var warnings: [CoxWarning]
}

/// How tied event times enter the partial likelihood (R's `ties` argument of `coxph`).
public enum CoxTies: String, Sendable, Equatable, CaseIterable {
    /// Efron's approximation: R's default.
    case efron
    /// Breslow's approximation.
    case breslow
}

/// One row of the coefficient table of `summary(coxph(...))`.
public struct CoxCoefficient: Sendable, Equatable {
    /// The term (design column) name.
    public var term: String
    /// The log hazard ratio (R's `coef`).
    public var coefficient: Double
    /// exp(coef) (R's `exp(coef)`).
    public var hazardRatio: Double
    /// Model-based standard error of the coefficient (R's `se(coef)`).
    public var standardError: Double
    /// Robust (sandwich) standard error (R's `robust se`); nil when the fit is not robust.
    public var robustStandardError: Double?
    /// coef / se, the robust se when there is one (R's `z`).
    public var z: Double
    /// Two-sided normal p value of `z` (R's `Pr(>|z|)`).
    public var p: Double
    /// exp(coef − 1.959964 · se), the robust se when there is one (R's `lower .95`).
    public var lowerHazardRatio95: Double
    /// exp(coef + 1.959964 · se), the robust se when there is one (R's `upper .95`).
    public var upperHazardRatio95: Double
}

/// A chi-square test of all coefficients together.
public struct CoxTest: Sendable, Equatable {
    /// The chi-square statistic.
    public var statistic: Double
    /// Degrees of freedom: the number of coefficients.
    public var degreesOfFreedom: Int
    /// The upper-tail chi-square p value.
    public var p: Double

    /// A test whose p value comes from the chi-square upper tail.
    public init(statistic: Double, degreesOfFreedom: Int) {
        self.statistic = statistic
        self.degreesOfFreedom = degreesOfFreedom
        self.p = Distributions.chiSquareUpperTail(statistic, df: Double(degreesOfFreedom))
    }
}

/// A problem that did not stop a Cox fit but limits what its numbers mean.
public enum CoxWarning: Sendable, Equatable, CustomStringConvertible {
    /// Monotone likelihood: the log-likelihood converged while these coefficients kept growing.
    case infiniteCoefficients(terms: [String])
    /// Newton-Raphson stopped at the iteration limit before meeting the convergence criterion.
    case didNotConverge(iterations: Int)

    /// The message, worded like R's warning.
    public var description: String {
        switch self {
        case let .infiniteCoefficients(terms):
            let names = terms.map { "'\($0)'" }.joined(separator: ", ")
            return "loglik converged before \(names); the coefficient may be infinite (monotone likelihood), "
                + "so its se, p value and interval are not meaningful; merge or drop levels without events, "
                + "or fit a penalized (Firth) Cox model"
        case let .didNotConverge(iterations):
            return "ran out of iterations (\(iterations)) and did not converge; raise the iteration limit"
        }
    }
}

/// A Cox fit or design that cannot be computed.
public enum CoxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Design columns that are linear combinations of earlier columns.
    case collinear(terms: [String])
    /// The design and the survival data disagree in length, or a column has the wrong length.
    case lengthMismatch(name: String, expected: Int, actual: Int)
    /// No row is left after dropping rows with missing values, or no event remains.
    case noEvents
    /// A term or interaction names a column that is not in the design's columns.
    case unknownColumn(String)
    /// A categorical value that is not among the levels given for its column.
    case unknownLevel(column: String, level: String)
    /// A case weight that is not a positive finite number (R's coxph: "Invalid weights, must be >0").
    case invalidWeight(row: Int, value: Double)
    /// A design column is constant, so its coefficient is not identified.
    case constantColumn(String)
    /// A categorical covariate with a single level among the rows used: R's `model.matrix` refuses
    /// it ("contrasts can be applied only to factors with 2 or more levels").
    case singleLevel(column: String, level: String)

    /// The message: lowercase, names quoted, ending with a fix when there is one.
    public var description: String {
        switch self {
        case let .collinear(terms):
            let names = terms.map { "'\($0)'" }.joined(separator: ", ")
            return "collinear design: \(names) \(terms.count == 1 ? "is a linear combination" : "are linear combinations") of earlier terms; drop \(terms.count == 1 ? "it" : "them") from the model"
        case let .lengthMismatch(name, expected, actual):
            return "column '\(name)' has \(actual) values but the data have \(expected) rows"
        case .noEvents:
            return "no events left after dropping rows with missing values; check the event column"
        case let .unknownColumn(name):
            return "unknown column '\(name)'; add it to the design's columns"
        case let .unknownLevel(column, level):
            return "value '\(level)' of column '\(column)' is not among its given levels; add it to the levels"
        case let .invalidWeight(row, value):
            return "weight \(value) of row \(row + 1) is not a positive number (R's coxph refuses it); drop the row or give it a positive weight"
        case let .constantColumn(name):
            return "column '\(name)' is constant among the rows used, so its coefficient is not identified (R's coxph reports NA); drop it from the model"
        case let .singleLevel(column, level):
            return "categorical covariate '\(column)' has one level, '\(level)', among the rows used; R's coxph refuses it "
                + "(contrasts can be applied only to factors with 2 or more levels); drop '\(column)' from the covariates, "
                + "or keep rows with other levels (check the filter and the rows dropped for missing values)"
        }
    }
}
