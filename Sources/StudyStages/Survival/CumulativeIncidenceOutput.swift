import StudyCore

/// The result `survival/cumulative-incidence` writes (schema in README.md): the settings echoed,
/// one curve per (group, event type) with its Aalen–Johansen steps, and Gray's test per event type
/// when there are groups to compare. Written by `CumulativeIncidenceStage`.
struct CumulativeIncidenceOutput: ResultModel {
    /// One step of a curve: the cumulative incidence just after `time`.
    struct Step: Equatable, Sendable {
        var time: Double
        var estimate: Double
        /// Infinitesimal-jackknife standard error on the probability scale.
        var stdErr: Double?
        /// Log-scale limits; nil where the estimate is 0.
        var lower: Double?
        var upper: Double?
    }

    struct Curve: Equatable, Sendable {
        /// The group label, `all` for an ungrouped fit.
        var group: String
        /// The event type: its label, or the code as a number prints.
        var event: String
        var n: Int
        /// Events of this type in the group.
        var events: Int
        var steps: [Step]
    }

    /// Gray's test of one event type across the groups.
    struct Test: Equatable, Sendable {
        var event: String
        /// Nil when the variance is singular (cmprsk's −1).
        var statistic: Double?
        var df: Int
        var p: Double?
    }

    var time: String
    var event: String
    var group: String?
    var confLevel: Double
    var n: Int
    var nDropped: Int
    var curves: [Curve]
    /// Nil without a group or with a single group.
    var tests: [Test]?

    static let kind: String? = "survival/cumulative-incidence"
    static let keys = [ResultKey.kind, ResultKey.time, ResultKey.event, ResultKey.group, ResultKey.confLevel, ResultKey.n,
                       ResultKey.nDropped, ResultKey.curves, ResultKey.events, ResultKey.steps, ResultKey.estimate,
                       ResultKey.stdErr, ResultKey.lower, ResultKey.upper, ResultKey.tests, ResultKey.statistic, ResultKey.df,
                       ResultKey.p]

    var encoded: ResultJSON {
        let tests: ResultJSON = tests.map { list in
            .array(list.map { t in
                .object([(ResultKey.event, .string(t.event)), (ResultKey.statistic, .optional(t.statistic)),
                         (ResultKey.df, .integer(t.df)), (ResultKey.p, .optional(t.p))])
            })
        } ?? .null
        return .object([
            (ResultKey.kind, .string(Self.kind!)), (ResultKey.time, .string(time)), (ResultKey.event, .string(event)),
            (ResultKey.group, .optional(group)), (ResultKey.confLevel, .number(confLevel)), (ResultKey.n, .integer(n)),
            (ResultKey.nDropped, .integer(nDropped)), (ResultKey.curves, .array(curves.map(Self.encode))), (ResultKey.tests, tests),
        ])
    }

    private static func encode(_ curve: Curve) -> ResultJSON {
        .object([
            (ResultKey.group, .string(curve.group)), (ResultKey.event, .string(curve.event)), (ResultKey.n, .integer(curve.n)),
            (ResultKey.events, .integer(curve.events)),
            (ResultKey.steps, .array(curve.steps.map { s in
                .object([(ResultKey.time, .number(s.time)), (ResultKey.estimate, .number(s.estimate)),
                         (ResultKey.stdErr, .optional(s.stdErr)), (ResultKey.lower, .optional(s.lower)),
                         (ResultKey.upper, .optional(s.upper))])
            })),
        ])
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> CumulativeIncidenceOutput {
        let curves = try root.member(ResultKey.curves).items().map { (c) throws(ResultDecodingError) -> Curve in
            Curve(group: try c.member(ResultKey.group).label(), event: try c.member(ResultKey.event).label(),
                  n: try c.member(ResultKey.n).integer(), events: try c.member(ResultKey.events).integer(),
                  steps: try c.member(ResultKey.steps).items().map { (s) throws(ResultDecodingError) -> Step in
                      Step(time: try s.member(ResultKey.time).number(), estimate: try s.member(ResultKey.estimate).number(),
                           stdErr: try s.member(ResultKey.stdErr).optionalNumber(), lower: try s.member(ResultKey.lower).optionalNumber(),
                           upper: try s.member(ResultKey.upper).optionalNumber())
                  })
        }
        let tests = try root.optionalMember(ResultKey.tests).map { (list) throws(ResultDecodingError) -> [Test] in
            try list.items().map { (t) throws(ResultDecodingError) -> Test in
                Test(event: try t.member(ResultKey.event).label(), statistic: try t.member(ResultKey.statistic).optionalNumber(),
                     df: try t.member(ResultKey.df).integer(), p: try t.member(ResultKey.p).optionalNumber())
            }
        }
        return CumulativeIncidenceOutput(
            time: try root.member(ResultKey.time).string(), event: try root.member(ResultKey.event).string(),
            group: try root.member(ResultKey.group).optionalString(), confLevel: try root.member(ResultKey.confLevel).number(),
            n: try root.member(ResultKey.n).integer(), nDropped: try root.member(ResultKey.nDropped).integer(),
            curves: curves, tests: tests)
    }
}
