import StudyCore

/// The result `survival/kaplan-meier` writes (schema in README.md): the settings echoed, then one
/// curve per group with its median, optional restricted mean and steps. Written by
/// `KaplanMeierStage`, read by `report/html` and by `simulate/trial`'s `control_median_from`.
struct KaplanMeierOutput: ResultModel {
    /// One step of a curve: the estimate just after `time`. Counts are summed case weights when
    /// the fit was weighted (whole numbers otherwise).
    struct Step: Equatable, Sendable {
        var time: Double
        var nRisk: Double
        var nEvent: Double
        var nCensor: Double
        var survival: Double
        /// Standard error of -log S (Greenwood's, or the jackknife's for non-integer weights); nil
        /// where not finite (after the curve reaches 0).
        var stdErr: Double?
        var lower: Double?
        var upper: Double?
    }

    /// The median survival and its confidence limits; nil where not reached.
    struct Median: Equatable, Sendable {
        var estimate: Double?
        var lower: Double?
        var upper: Double?
    }

    /// The restricted mean survival time up to `tau`.
    struct RestrictedMean: Equatable, Sendable {
        var tau: Double
        var estimate: Double?
        var se: Double?
    }

    /// `rmst_difference`: the second group's restricted mean minus the first's, with its normal
    /// interval at the stage's confidence level.
    struct MeanDifference: Equatable, Sendable {
        /// The two groups, first then second.
        var groups: [String]
        var estimate: Double?
        var se: Double?
        var lower: Double?
        var upper: Double?
        var p: Double?
    }

    struct Curve: Equatable, Sendable {
        /// The group label, `all` for an ungrouped fit.
        var group: String
        var n: Int
        /// Events (summed case weights when weighted).
        var events: Double
        var median: Median
        /// Present when `rmst_tau` was given.
        var rmst: RestrictedMean?
        var steps: [Step]
    }

    var time: String
    var event: String
    var group: String?
    var confType: String
    var confLevel: Double
    var n: Int
    var nDropped: Int
    var curves: [Curve]
    /// Present when `rmst_tau` was given and the group has exactly two levels.
    var rmstDifference: MeanDifference? = nil

    /// Member names only this model writes.
    enum Key {
        static let confType = "conf_type"
        static let confLevel = ResultKey.confLevel
        static let curves = ResultKey.curves
        static let rmst = "rmst"
        static let rmstDifference = "rmst_difference"
        static let tau = "tau"
        static let nRisk = "n_risk"
        static let nEvent = "n_event"
        static let nCensor = "n_censor"
        static let survival = "survival"
    }

    static let kind: String? = "survival/kaplan-meier"
    static let keys = [ResultKey.kind, ResultKey.time, ResultKey.event, ResultKey.group, Key.confType, ResultKey.confLevel,
                       ResultKey.n, ResultKey.nDropped, ResultKey.curves, ResultKey.events, ResultKey.median, ResultKey.estimate,
                       ResultKey.lower, ResultKey.upper, Key.rmst, Key.tau, ResultKey.se, ResultKey.steps, Key.nRisk, Key.nEvent,
                       Key.nCensor, Key.survival, ResultKey.stdErr, Key.rmstDifference, ResultKey.groups, ResultKey.p]

    /// `rmst_difference` is written only when there is one, so a result without it keeps the bytes
    /// it had before the member existed.
    var encoded: ResultJSON {
        var members: [(String, ResultJSON)] = [
            (ResultKey.kind, .string(Self.kind!)), (ResultKey.time, .string(time)), (ResultKey.event, .string(event)),
            (ResultKey.group, .optional(group)), (Key.confType, .string(confType)), (ResultKey.confLevel, .number(confLevel)),
            (ResultKey.n, .integer(n)), (ResultKey.nDropped, .integer(nDropped)),
            (ResultKey.curves, .array(curves.map(Self.encode))),
        ]
        if let rmstDifference { members.append((Key.rmstDifference, Self.encode(rmstDifference))) }
        return .object(members)
    }

    private static func encode(_ d: MeanDifference) -> ResultJSON {
        .object([(ResultKey.groups, .array(d.groups.map(ResultJSON.string))), (ResultKey.estimate, .optional(d.estimate)),
                 (ResultKey.se, .optional(d.se)), (ResultKey.lower, .optional(d.lower)), (ResultKey.upper, .optional(d.upper)),
                 (ResultKey.p, .optional(d.p))])
    }

    private static func encode(_ curve: Curve) -> ResultJSON {
        let rmst: ResultJSON = curve.rmst.map { mean in
            .object([(Key.tau, .number(mean.tau)), (ResultKey.estimate, .optional(mean.estimate)), (ResultKey.se, .optional(mean.se))])
        } ?? .null
        let steps = curve.steps.map { step -> ResultJSON in
            .object([
                (ResultKey.time, .number(step.time)), (Key.nRisk, .number(step.nRisk)),
                (Key.nEvent, .number(step.nEvent)), (Key.nCensor, .number(step.nCensor)),
                (Key.survival, .number(step.survival)), (ResultKey.stdErr, .optional(step.stdErr)),
                (ResultKey.lower, .optional(step.lower)), (ResultKey.upper, .optional(step.upper)),
            ])
        }
        return .object([
            (ResultKey.group, .string(curve.group)), (ResultKey.n, .integer(curve.n)), (ResultKey.events, .number(curve.events)),
            (ResultKey.median, .object([(ResultKey.estimate, .optional(curve.median.estimate)),
                                        (ResultKey.lower, .optional(curve.median.lower)), (ResultKey.upper, .optional(curve.median.upper))])),
            (Key.rmst, rmst), (ResultKey.steps, .array(steps)),
        ])
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> KaplanMeierOutput {
        let curves = try root.member(ResultKey.curves).items().map { (c) throws(ResultDecodingError) -> Curve in
            let median = try c.member(ResultKey.median)
            let rmst = try c.optionalMember(Key.rmst).map { (r) throws(ResultDecodingError) -> RestrictedMean in
                RestrictedMean(tau: try r.member(Key.tau).number(), estimate: try r.member(ResultKey.estimate).optionalNumber(),
                               se: try r.member(ResultKey.se).optionalNumber())
            }
            return Curve(group: try c.member(ResultKey.group).label(), n: try c.member(ResultKey.n).integer(),
                         events: try c.member(ResultKey.events).number(),
                         median: Median(estimate: try median.member(ResultKey.estimate).optionalNumber(),
                                        lower: try median.member(ResultKey.lower).optionalNumber(),
                                        upper: try median.member(ResultKey.upper).optionalNumber()),
                         rmst: rmst, steps: try steps(c.member(ResultKey.steps)))
        }
        return KaplanMeierOutput(
            time: try root.member(ResultKey.time).string(), event: try root.member(ResultKey.event).string(),
            group: try root.member(ResultKey.group).optionalString(), confType: try root.member(Key.confType).string(),
            confLevel: try root.member(ResultKey.confLevel).number(), n: try root.member(ResultKey.n).integer(),
            nDropped: try root.member(ResultKey.nDropped).integer(), curves: curves,
            rmstDifference: try root.optionalMember(Key.rmstDifference).map { (d) throws(ResultDecodingError) -> MeanDifference in
                MeanDifference(groups: try d.member(ResultKey.groups).items().map { (g) throws(ResultDecodingError) in try g.label() },
                               estimate: try d.member(ResultKey.estimate).optionalNumber(), se: try d.member(ResultKey.se).optionalNumber(),
                               lower: try d.member(ResultKey.lower).optionalNumber(), upper: try d.member(ResultKey.upper).optionalNumber(),
                               p: try d.member(ResultKey.p).optionalNumber())
            })
    }

    /// A curve's steps; the parser keeps a long curve by column, and this reads it without building
    /// an object per step (a 100,000-step curve is the report benchmark's case).
    private static func steps(_ field: ResultField) throws(ResultDecodingError) -> [Step] {
        guard case .table(let table) = field.value else {
            return try field.items().map { (s) throws(ResultDecodingError) -> Step in
                Step(time: try s.member(ResultKey.time).number(), nRisk: try s.member(Key.nRisk).number(),
                     nEvent: try s.member(Key.nEvent).number(), nCensor: try s.member(Key.nCensor).number(),
                     survival: try s.member(Key.survival).number(), stdErr: try s.member(ResultKey.stdErr).optionalNumber(),
                     lower: try s.member(ResultKey.lower).optionalNumber(), upper: try s.member(ResultKey.upper).optionalNumber())
            }
        }
        func column(_ key: String) throws(ResultDecodingError) -> Int {
            guard let c = table.column(key) else { throw ResultDecodingError(file: field.file, path: field.path.index(0).member(key).text, problem: "missing") }
            return c
        }
        let time = try column(ResultKey.time), risk = try column(Key.nRisk), event = try column(Key.nEvent)
        let censor = try column(Key.nCensor), survival = try column(Key.survival), stdErr = try column(ResultKey.stdErr)
        let lower = try column(ResultKey.lower), upper = try column(ResultKey.upper)
        func required(_ r: Int, _ c: Int) throws(ResultDecodingError) -> Double {
            guard let v = table.value(r, c) else {
                let found = ResultField.describe(table.value(r, c).map(ResultValue.number) ?? .null)
                throw ResultDecodingError(file: field.file, path: field.path.index(r).member(table.keys[c]).text,
                                          problem: "expected a number, found \(found)")
            }
            return v
        }
        var steps: [Step] = []
        steps.reserveCapacity(table.count)
        for r in 0..<table.count {
            steps.append(Step(
                time: try required(r, time), nRisk: try required(r, risk),
                nEvent: try required(r, event), nCensor: try required(r, censor),
                survival: try required(r, survival), stdErr: table.value(r, stdErr),
                lower: table.value(r, lower), upper: table.value(r, upper)))
        }
        return steps
    }
}
