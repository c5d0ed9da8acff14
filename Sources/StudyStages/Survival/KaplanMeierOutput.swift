import StudyCore

/// The result `survival/kaplan-meier` writes (schema in README.md): the settings echoed, then one
/// curve per group with its median, optional restricted mean and steps. Written by
/// `KaplanMeierStage`, read by `report/html` and by `simulate/trial`'s `control_median_from`.
struct KaplanMeierOutput: ResultModel {
    /// One step of a curve: the estimate just after `time`.
    struct Step: Equatable, Sendable {
        var time: Double
        var nRisk: Int
        var nEvent: Int
        var nCensor: Int
        var survival: Double
        /// Greenwood standard error; nil where not finite (after the curve reaches 0).
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

    struct Curve: Equatable, Sendable {
        /// The group label, `all` for an ungrouped fit.
        var group: String
        var n: Int
        var events: Int
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

    /// Member names only this model writes.
    enum Key {
        static let confType = "conf_type"
        static let confLevel = ResultKey.confLevel
        static let curves = "curves"
        static let rmst = "rmst"
        static let tau = "tau"
        static let lower = "lower"
        static let upper = "upper"
        static let steps = "steps"
        static let nRisk = "n_risk"
        static let nEvent = "n_event"
        static let nCensor = "n_censor"
        static let survival = "survival"
        static let stdErr = "std_err"
    }

    static let kind: String? = "survival/kaplan-meier"
    static let keys = [ResultKey.kind, ResultKey.time, ResultKey.event, ResultKey.group, Key.confType, Key.confLevel,
                       ResultKey.n, ResultKey.nDropped, Key.curves, ResultKey.events, ResultKey.median, ResultKey.estimate,
                       Key.lower, Key.upper, Key.rmst, Key.tau, ResultKey.se, Key.steps, Key.nRisk, Key.nEvent,
                       Key.nCensor, Key.survival, Key.stdErr]

    var encoded: ResultJSON {
        .object([
            (ResultKey.kind, .string(Self.kind!)), (ResultKey.time, .string(time)), (ResultKey.event, .string(event)),
            (ResultKey.group, .optional(group)), (Key.confType, .string(confType)), (Key.confLevel, .number(confLevel)),
            (ResultKey.n, .integer(n)), (ResultKey.nDropped, .integer(nDropped)),
            (Key.curves, .array(curves.map(Self.encode))),
        ])
    }

    private static func encode(_ curve: Curve) -> ResultJSON {
        let rmst: ResultJSON = curve.rmst.map { mean in
            .object([(Key.tau, .number(mean.tau)), (ResultKey.estimate, .optional(mean.estimate)), (ResultKey.se, .optional(mean.se))])
        } ?? .null
        let steps = curve.steps.map { step -> ResultJSON in
            .object([
                (ResultKey.time, .number(step.time)), (Key.nRisk, .integer(step.nRisk)),
                (Key.nEvent, .integer(step.nEvent)), (Key.nCensor, .integer(step.nCensor)),
                (Key.survival, .number(step.survival)), (Key.stdErr, .optional(step.stdErr)),
                (Key.lower, .optional(step.lower)), (Key.upper, .optional(step.upper)),
            ])
        }
        return .object([
            (ResultKey.group, .string(curve.group)), (ResultKey.n, .integer(curve.n)), (ResultKey.events, .integer(curve.events)),
            (ResultKey.median, .object([(ResultKey.estimate, .optional(curve.median.estimate)),
                                        (Key.lower, .optional(curve.median.lower)), (Key.upper, .optional(curve.median.upper))])),
            (Key.rmst, rmst), (Key.steps, .array(steps)),
        ])
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> KaplanMeierOutput {
        let curves = try root.member(Key.curves).items().map { (c) throws(ResultDecodingError) -> Curve in
            let median = try c.member(ResultKey.median)
            let rmst = try c.optionalMember(Key.rmst).map { (r) throws(ResultDecodingError) -> RestrictedMean in
                RestrictedMean(tau: try r.member(Key.tau).number(), estimate: try r.member(ResultKey.estimate).optionalNumber(),
                               se: try r.member(ResultKey.se).optionalNumber())
            }
            return Curve(group: try c.member(ResultKey.group).label(), n: try c.member(ResultKey.n).integer(),
                         events: try c.member(ResultKey.events).integer(),
                         median: Median(estimate: try median.member(ResultKey.estimate).optionalNumber(),
                                        lower: try median.member(Key.lower).optionalNumber(),
                                        upper: try median.member(Key.upper).optionalNumber()),
                         rmst: rmst, steps: try steps(c.member(Key.steps)))
        }
        return KaplanMeierOutput(
            time: try root.member(ResultKey.time).string(), event: try root.member(ResultKey.event).string(),
            group: try root.member(ResultKey.group).optionalString(), confType: try root.member(Key.confType).string(),
            confLevel: try root.member(Key.confLevel).number(), n: try root.member(ResultKey.n).integer(),
            nDropped: try root.member(ResultKey.nDropped).integer(), curves: curves)
    }

    /// A curve's steps; the parser keeps a long curve by column, and this reads it without building
    /// an object per step (a 100,000-step curve is the report benchmark's case).
    private static func steps(_ field: ResultField) throws(ResultDecodingError) -> [Step] {
        guard case .table(let table) = field.value else {
            return try field.items().map { (s) throws(ResultDecodingError) -> Step in
                Step(time: try s.member(ResultKey.time).number(), nRisk: try s.member(Key.nRisk).integer(),
                     nEvent: try s.member(Key.nEvent).integer(), nCensor: try s.member(Key.nCensor).integer(),
                     survival: try s.member(Key.survival).number(), stdErr: try s.member(Key.stdErr).optionalNumber(),
                     lower: try s.member(Key.lower).optionalNumber(), upper: try s.member(Key.upper).optionalNumber())
            }
        }
        func column(_ key: String) throws(ResultDecodingError) -> Int {
            guard let c = table.column(key) else { throw ResultDecodingError(file: field.file, path: field.path.index(0).member(key).text, problem: "missing") }
            return c
        }
        let time = try column(ResultKey.time), risk = try column(Key.nRisk), event = try column(Key.nEvent)
        let censor = try column(Key.nCensor), survival = try column(Key.survival), stdErr = try column(Key.stdErr)
        let lower = try column(Key.lower), upper = try column(Key.upper)
        func required(_ r: Int, _ c: Int, whole: Bool) throws(ResultDecodingError) -> Double {
            guard let v = table.value(r, c), !whole || (v == v.rounded() && abs(v) < 9e15) else {
                let found = ResultField.describe(table.value(r, c).map(ResultValue.number) ?? .null)
                throw ResultDecodingError(file: field.file, path: field.path.index(r).member(table.keys[c]).text,
                                          problem: "expected \(whole ? "a whole number" : "a number"), found \(found)")
            }
            return v
        }
        var steps: [Step] = []
        steps.reserveCapacity(table.count)
        for r in 0..<table.count {
            steps.append(Step(
                time: try required(r, time, whole: false), nRisk: Int(try required(r, risk, whole: true)),
                nEvent: Int(try required(r, event, whole: true)), nCensor: Int(try required(r, censor, whole: true)),
                survival: try required(r, survival, whole: false), stdErr: table.value(r, stdErr),
                lower: table.value(r, lower), upper: table.value(r, upper)))
        }
        return steps
    }
}
