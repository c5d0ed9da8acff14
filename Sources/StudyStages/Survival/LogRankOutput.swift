import StudyCore

/// The result `survival/log-rank` writes (schema in README.md): the test statistic, its degrees of
/// freedom and p-value, and observed and expected events per group. Written by `LogRankStage`,
/// read by `report/html`.
struct LogRankOutput: ResultModel {
    struct Group: Equatable, Sendable {
        var group: String
        var n: Int
        var observed: Double
        var expected: Double
    }

    var rho: Double
    /// The chi-square statistic; nil when not finite.
    var statistic: Double?
    var df: Int
    /// Nil when undefined (no degrees of freedom).
    var p: Double?
    var groups: [Group]
    /// The strata column, when the test was stratified.
    var strata: String?
    var n: Int
    var nDropped: Int

    /// Member names only this model writes.
    enum Key {
        static let rho = "rho"
        static let expected = "expected"
    }

    static let kind: String? = "survival/log-rank"
    static let keys = [ResultKey.kind, Key.rho, ResultKey.statistic, ResultKey.df, ResultKey.p, ResultKey.groups, ResultKey.group,
                       ResultKey.n, ResultKey.observed, Key.expected, ResultKey.strata, ResultKey.nDropped]

    var encoded: ResultJSON {
        let groups = groups.map { g -> ResultJSON in
            .object([(ResultKey.group, .string(g.group)), (ResultKey.n, .integer(g.n)),
                     (ResultKey.observed, .number(g.observed)), (Key.expected, .number(g.expected))])
        }
        return .object([
            (ResultKey.kind, .string(Self.kind!)), (Key.rho, .number(rho)), (ResultKey.statistic, .optional(statistic)),
            (ResultKey.df, .integer(df)), (ResultKey.p, .optional(p)), (ResultKey.groups, .array(groups)),
            (ResultKey.strata, .optional(strata)),
            (ResultKey.n, .integer(n)), (ResultKey.nDropped, .integer(nDropped)),
        ])
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> LogRankOutput {
        let groups = try root.member(ResultKey.groups).items().map { (g) throws(ResultDecodingError) -> Group in
            Group(group: try g.member(ResultKey.group).label(), n: try g.member(ResultKey.n).integer(),
                  observed: try g.member(ResultKey.observed).number(), expected: try g.member(Key.expected).number())
        }
        return LogRankOutput(
            rho: try root.member(Key.rho).number(), statistic: try root.member(ResultKey.statistic).optionalNumber(),
            df: try root.member(ResultKey.df).integer(), p: try root.member(ResultKey.p).optionalNumber(), groups: groups,
            strata: try root.member(ResultKey.strata).optionalString(), n: try root.member(ResultKey.n).integer(),
            nDropped: try root.member(ResultKey.nDropped).integer())
    }
}
