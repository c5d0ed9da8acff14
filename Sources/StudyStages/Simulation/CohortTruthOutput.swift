import StudyCore

/// The true parameters `simulate/cohort` writes beside its table (`"kind":"cohort-truth"`, schema
/// in README.md): the generative model as simulated, with the realised event count, so a fit of
/// the table can be checked against what made it. Written by `SimulateCohort`.
struct CohortTruthOutput: ResultModel {
    /// A stratum's Weibull baseline.
    struct Baseline: Equatable, Sendable {
        var shape: Double
        var median: Double
        var scale: Double
    }

    struct Level: Equatable, Sendable {
        var label: String
        var proportion: Double
        /// Strata levels only.
        var baseline: Baseline?
    }

    struct Factor: Equatable, Sendable {
        var column: String
        var levels: [Level]
    }

    /// A binary covariate's prevalence in one stratum.
    struct Prevalence: Equatable, Sendable {
        var stratum: String
        var value: Double
    }

    enum Covariate: Equatable, Sendable {
        case binary(column: String, prevalence: [Prevalence])
        case normal(column: String, mean: Double, sd: Double, centredInTerms: Bool)
        case categorical(Factor)
    }

    struct Effect: Equatable, Sendable {
        var term: String
        var logHR: Double
        /// `exp(logHR)`; nil when that overflows.
        var hr: Double?
    }

    struct Censoring: Equatable, Sendable {
        var accrual: Double
        var followUp: Double
        var dropout: Double
    }

    var patients: Int
    var seed: Int
    var time: String
    var event: String
    var strata: Factor
    var arms: Factor
    var covariates: [Covariate]
    var logHazardRatios: [Effect]
    var censoring: Censoring
    var decimals: Int?
    var events: Int
    var eventFraction: Double

    /// Member names only this model writes.
    enum Key {
        static let patients = "patients"
        static let arms = "arms"
        static let covariates = "covariates"
        static let logHazardRatios = "log_hazard_ratios"
        static let censoring = "censoring"
        static let decimals = "decimals"
        static let column = "column"
        static let label = "label"
        static let proportion = "proportion"
        static let shape = "shape"
        static let scale = ResultKey.scale
        static let prevalence = "prevalence"
        static let mean = "mean"
        static let sd = "sd"
        static let centredInTerms = "centred_in_terms"
        static let logHR = "log_hr"
        static let eventFraction = "event_fraction"
    }

    /// The covariate types as written.
    enum CovariateType {
        static let binary = "binary"
        static let normal = "normal"
        static let categorical = "categorical"
    }

    static let kind: String? = "cohort-truth"
    static let keys = [ResultKey.kind, Key.patients, ResultKey.seed, ResultKey.time, ResultKey.event, ResultKey.strata,
                       Key.column, ResultKey.levels, Key.label, Key.proportion, Key.shape, ResultKey.median, Key.scale,
                       Key.arms, Key.covariates, ResultKey.type, Key.prevalence, Key.mean, Key.sd, Key.centredInTerms,
                       Key.logHazardRatios, ResultKey.term, Key.logHR, ResultKey.hr, Key.censoring, ResultKey.accrual,
                       ResultKey.followUp, ResultKey.dropout, Key.decimals, ResultKey.observed, ResultKey.events,
                       Key.eventFraction]

    var encoded: ResultJSON {
        .object([
            (ResultKey.kind, .string(Self.kind!)), (Key.patients, .integer(patients)),
            (ResultKey.seed, .integer(seed)), (ResultKey.time, .string(time)), (ResultKey.event, .string(event)),
            (ResultKey.strata, Self.encode(strata)), (Key.arms, Self.encode(arms)),
            (Key.covariates, .array(covariates.map(Self.encode))),
            (Key.logHazardRatios, .array(logHazardRatios.map {
                .object([(ResultKey.term, .string($0.term)), (Key.logHR, .number($0.logHR)), (ResultKey.hr, .optional($0.hr))])
            })),
            (Key.censoring, .object([(ResultKey.accrual, .number(censoring.accrual)), (ResultKey.followUp, .number(censoring.followUp)),
                                     (ResultKey.dropout, .number(censoring.dropout))])),
            (Key.decimals, decimals.map { .integer($0) } ?? .null),
            (ResultKey.observed, .object([(ResultKey.events, .integer(events)), (Key.eventFraction, .number(eventFraction))])),
        ])
    }

    private static func levels(_ f: Factor) -> ResultJSON {
        .array(f.levels.map { level in
            var members: [(String, ResultJSON)] = [(Key.label, .string(level.label)), (Key.proportion, .number(level.proportion))]
            if let b = level.baseline {
                members += [(Key.shape, .number(b.shape)), (ResultKey.median, .number(b.median)), (Key.scale, .number(b.scale))]
            }
            return .object(members)
        })
    }

    private static func encode(_ f: Factor) -> ResultJSON {
        .object([(Key.column, .string(f.column)), (ResultKey.levels, levels(f))])
    }

    private static func encode(_ covariate: Covariate) -> ResultJSON {
        switch covariate {
        case let .binary(column, prevalence):
            return .object([(Key.column, .string(column)), (ResultKey.type, .string(CovariateType.binary)),
                            (Key.prevalence, .object(prevalence.map { ($0.stratum, .number($0.value)) }))])
        case let .normal(column, mean, sd, centred):
            return .object([(Key.column, .string(column)), (ResultKey.type, .string(CovariateType.normal)),
                            (Key.mean, .number(mean)), (Key.sd, .number(sd)), (Key.centredInTerms, .bool(centred))])
        case let .categorical(f):
            return .object([(Key.column, .string(f.column)), (ResultKey.type, .string(CovariateType.categorical)),
                            (ResultKey.levels, levels(f))])
        }
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> CohortTruthOutput {
        let effects = try root.member(Key.logHazardRatios).items().map { (e) throws(ResultDecodingError) -> Effect in
            Effect(term: try e.member(ResultKey.term).string(), logHR: try e.member(Key.logHR).number(),
                   hr: try e.member(ResultKey.hr).optionalNumber())
        }
        let censoring = try root.member(Key.censoring), observed = try root.member(ResultKey.observed)
        return CohortTruthOutput(
            patients: try root.member(Key.patients).integer(), seed: try root.member(ResultKey.seed).integer(),
            time: try root.member(ResultKey.time).string(), event: try root.member(ResultKey.event).string(),
            strata: try factor(root.member(ResultKey.strata), baselines: true),
            arms: try factor(root.member(Key.arms), baselines: false),
            covariates: try root.member(Key.covariates).items().map(covariate), logHazardRatios: effects,
            censoring: Censoring(accrual: try censoring.member(ResultKey.accrual).number(),
                                 followUp: try censoring.member(ResultKey.followUp).number(),
                                 dropout: try censoring.member(ResultKey.dropout).number()),
            decimals: try root.member(Key.decimals).optionalInteger(), events: try observed.member(ResultKey.events).integer(),
            eventFraction: try observed.member(Key.eventFraction).number())
    }

    private static func factor(_ field: ResultField, baselines: Bool) throws(ResultDecodingError) -> Factor {
        let levels = try field.member(ResultKey.levels).items().map { (l) throws(ResultDecodingError) -> Level in
            let baseline: Baseline? = baselines
                ? Baseline(shape: try l.member(Key.shape).number(), median: try l.member(ResultKey.median).number(),
                           scale: try l.member(Key.scale).number())
                : nil
            return Level(label: try l.member(Key.label).label(), proportion: try l.member(Key.proportion).number(), baseline: baseline)
        }
        return Factor(column: try field.member(Key.column).string(), levels: levels)
    }

    private static func covariate(_ field: ResultField) throws(ResultDecodingError) -> Covariate {
        let column = try field.member(Key.column).string()
        let type = try field.member(ResultKey.type)
        switch try type.string() {
        case CovariateType.binary:
            let prevalence = try field.member(Key.prevalence).members().map { (m) throws(ResultDecodingError) -> Prevalence in
                Prevalence(stratum: m.0, value: try m.1.number())
            }
            return .binary(column: column, prevalence: prevalence)
        case CovariateType.normal:
            return .normal(column: column, mean: try field.member(Key.mean).number(), sd: try field.member(Key.sd).number(),
                           centredInTerms: try field.member(Key.centredInTerms).bool())
        case CovariateType.categorical:
            return .categorical(try factor(field, baselines: false))
        case let other:
            throw type.failure("expected \(CovariateType.binary), \(CovariateType.normal) or \(CovariateType.categorical), found \(JSONValue.quoted(other))")
        }
    }
}
