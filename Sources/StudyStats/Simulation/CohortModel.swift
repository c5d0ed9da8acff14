#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The generative model of a virtual cohort: strata with their own Weibull baseline, treatment
/// arms, covariates, log hazard ratios (with interactions) under proportional hazards within
/// stratum, and censoring by uniform accrual, fixed follow-up and exponential dropout.
///
/// Variables are numbered: 0 is the stratum, 1 the arm, 2 + k covariate k. Term names follow
/// `CoxDesign` (`treatment=immunotherapy`, `liver`, `liver:treatment=immunotherapy`), so a Cox fit
/// of the simulated table with the same variables names its coefficients as the model names its
/// true effects. Built by `CohortModel(...)`; simulated by `CohortSimulation.simulate`.
public struct CohortModel: Sendable, Equatable {
    /// The stratifying factor (e.g. cancer type); one Weibull baseline per level.
    public var strata: CohortFactor
    /// The baseline of each stratum, in `strata.levels` order.
    public var baselines: [WeibullBaseline]
    /// The treatment factor; its first level is the reference arm.
    public var arms: CohortFactor
    /// Further covariates, in column order.
    public var covariates: [CohortCovariate]
    /// True log hazard ratios.
    public var effects: [CohortEffect]
    /// How follow-up ends without an event.
    public var censoring: CohortCensoring

    /// Creates a model; `baselines` has one entry per stratum level.
    public init(strata: CohortFactor, baselines: [WeibullBaseline], arms: CohortFactor, covariates: [CohortCovariate],
                effects: [CohortEffect], censoring: CohortCensoring) {
        precondition(baselines.count == strata.levels.count, "one baseline per stratum")
        self.strata = strata
        self.baselines = baselines
        self.arms = arms
        self.covariates = covariates
        self.effects = effects
        self.censoring = censoring
    }

    /// Variable names: stratum, arm, then covariates.
    public var variableNames: [String] { [strata.name, arms.name] + covariates.map(\.name) }

    /// The term named as `CoxDesign` names design columns, or a one-line reason it is not one.
    ///
    /// Parts joined by `:` multiply; a part is `name=level` for a non-reference level of a factor
    /// (stratum, arm or categorical covariate) or `name` for a binary or normal covariate.
    public func term(named name: String) -> Result<[CohortTermFactor], CohortModelError> {
        var factors = [CohortTermFactor]()
        let names = variableNames
        for part in name.split(separator: ":", omittingEmptySubsequences: false).map(String.init) {
            if let eq = part.firstIndex(of: "=") {
                let variable = String(part[..<eq]), level = String(part[part.index(after: eq)...])
                guard let v = names.firstIndex(of: variable) else { return .failure(.unknownVariable(term: name, variable: variable, known: names)) }
                guard let levels = levels(of: v) else { return .failure(.notAFactor(term: name, variable: variable)) }
                guard let l = levels.firstIndex(of: level) else { return .failure(.unknownLevel(term: name, variable: variable, level: level, levels: levels)) }
                guard l > 0 else { return .failure(.referenceLevel(term: name, variable: variable, level: level)) }
                factors.append(.indicator(variable: v, level: l))
            } else {
                guard let v = names.firstIndex(of: part) else { return .failure(.unknownVariable(term: name, variable: part, known: names)) }
                guard v >= 2 && !covariates[v - 2].isFactor else {
                    return .failure(.factorWithoutLevel(term: name, variable: part, example: levels(of: v)?.dropFirst().first ?? "LEVEL"))
                }
                let centre: Double
                if case let .normal(_, mean, _) = covariates[v - 2] { centre = mean } else { centre = 0 }
                factors.append(.value(variable: v, centre: centre))
            }
        }
        if factors.count == 1, case .indicator(0, _) = factors[0] {
            return .failure(.strataMainEffect(term: name))
        }
        return .success(factors)
    }

    /// The levels of variable `v` when it is a factor.
    func levels(of v: Int) -> [String]? {
        switch v {
        case 0: return strata.levels
        case 1: return arms.levels
        default:
            if case let .categorical(factor) = covariates[v - 2] { return factor.levels }
            return nil
        }
    }
}

/// A categorical variable with its levels (the first is the reference) and their proportions.
public struct CohortFactor: Sendable, Equatable {
    /// Column name.
    public var name: String
    /// Level labels.
    public var levels: [String]
    /// Probability of each level; they sum to 1.
    public var proportions: [Double]

    /// Creates a factor.
    public init(name: String, levels: [String], proportions: [Double]) {
        precondition(levels.count == proportions.count && !levels.isEmpty, "one proportion per level")
        self.name = name
        self.levels = levels
        self.proportions = proportions
    }
}

/// A stratum's baseline survival exp(−(t / scale)^shape), given by its shape and median.
public struct WeibullBaseline: Sendable, Equatable {
    /// Weibull shape: 1 is exponential, above 1 a rising hazard.
    public var shape: Double
    /// Median survival at the reference covariate values.
    public var median: Double

    /// Creates a baseline.
    public init(shape: Double, median: Double) {
        self.shape = shape
        self.median = median
    }

    /// The Weibull scale that gives `median`: median / (log 2)^(1 / shape).
    public var scale: Double { median / pow(M_LN2, 1 / shape) }
}

/// A covariate of the cohort.
public enum CohortCovariate: Sendable, Equatable {
    /// 0/1 with a probability per stratum (in stratum level order).
    case binary(name: String, prevalence: [Double])
    /// Normal with a mean and SD; in a term it enters centred, x − mean, so the baselines are
    /// those of an average patient.
    case normal(name: String, mean: Double, sd: Double)
    /// A factor, written by its level labels.
    case categorical(CohortFactor)

    /// Column name.
    public var name: String {
        switch self {
        case let .binary(name, _), let .normal(name, _, _): return name
        case let .categorical(factor): return factor.name
        }
    }

    var isFactor: Bool { if case .categorical = self { return true } else { return false } }
}

/// One factor of a term's product.
public enum CohortTermFactor: Sendable, Equatable {
    /// 1 when `variable` is at `level`, else 0.
    case indicator(variable: Int, level: Int)
    /// The variable's value minus `centre`.
    case value(variable: Int, centre: Double)
}

/// A true log hazard ratio of a term.
public struct CohortEffect: Sendable, Equatable {
    /// The term's name, as `CoxDesign` names it.
    public var term: String
    /// The product the term multiplies.
    public var factors: [CohortTermFactor]
    /// The log hazard ratio per unit of the product.
    public var logHazardRatio: Double

    /// Creates an effect.
    public init(term: String, factors: [CohortTermFactor], logHazardRatio: Double) {
        self.term = term
        self.factors = factors
        self.logHazardRatio = logHazardRatio
    }
}

/// Censoring: entry uniform over `accrual`, analysis `followUp` after the last entry, and
/// exponential dropout at hazard `dropout` per time unit.
public struct CohortCensoring: Sendable, Equatable {
    /// Length of uniform accrual (0: everyone enters at once).
    public var accrual: Double
    /// Follow-up after the last entry.
    public var followUp: Double
    /// Exponential dropout hazard (0: none).
    public var dropout: Double

    /// Creates censoring settings.
    public init(accrual: Double, followUp: Double, dropout: Double) {
        self.accrual = accrual
        self.followUp = followUp
        self.dropout = dropout
    }
}

/// Why a term name does not name a term of the model.
public enum CohortModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A part names no column.
    case unknownVariable(term: String, variable: String, known: [String])
    /// `name=level` on a binary or normal covariate.
    case notAFactor(term: String, variable: String)
    /// `name=level` with a level the factor does not have.
    case unknownLevel(term: String, variable: String, level: String, levels: [String])
    /// `name=level` on the reference level, which has no coefficient.
    case referenceLevel(term: String, variable: String, level: String)
    /// A factor named without a level.
    case factorWithoutLevel(term: String, variable: String, example: String)
    /// A main effect of the stratum, which its baseline already absorbs.
    case strataMainEffect(term: String)

    /// The problem in one line, with the fix.
    public var description: String {
        switch self {
        case let .unknownVariable(term, variable, known):
            return "term '\(term)' names '\(variable)', which is not a column; columns: \(known.joined(separator: ", "))"
        case let .notAFactor(term, variable):
            return "term '\(term)': '\(variable)' is not categorical; write it without '=LEVEL'"
        case let .unknownLevel(term, variable, level, levels):
            return "term '\(term)': '\(level)' is not a level of '\(variable)'; levels: \(levels.joined(separator: ", "))"
        case let .referenceLevel(term, variable, level):
            return "term '\(term)': '\(level)' is the reference level of '\(variable)' (listed first); name another level"
        case let .factorWithoutLevel(term, variable, example):
            return "term '\(term)': '\(variable)' is categorical; name a level, e.g. '\(variable)=\(example)'"
        case let .strataMainEffect(term):
            return "term '\(term)': each stratum's baseline already sets its hazard; use the stratum only in interactions"
        }
    }
}
