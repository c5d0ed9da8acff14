import StudyCore
import StudyEngine
import StudyStats

/// `uses: survival/log-rank`: the log-rank (or G-rho) test across `group`, optionally within `strata`.
public struct LogRankStage: StageKind {
    public var name: String { "survival/log-rank" }
    public var version: Int { 1 }

    public init() {}

    /// Settings problems that need no data (unknown or mistyped settings, a negative rho), all at once.
    public func check(_ declaration: StageDeclaration) -> [String] {
        SurvivalStageRunner.check(declaration, LogRankSettings.read)
    }

    public func run(_ context: StageKindContext) -> StageOutcome {
        SurvivalStageRunner.run(context, LogRankSettings.read) { (table, settings) throws(SurvivalStageError) -> ResultJSON in
            let (timeName, eventName, groupName) = (settings.time, settings.event, settings.group)
            let (strataName, rho) = (settings.strata, settings.rho)

            let time = try table.column(timeName, for: "time")
            let event = try table.column(eventName, for: "event")
            let group = try table.column(groupName, for: "group")
            let strata = try strataName.map { name throws(SurvivalStageError) in try table.column(name, for: "strata") }
            let rows = table.completeRows([time, event, group] + (strata.map { [$0] } ?? []))
            let data = try table.survival(time: time, event: event, rows: rows, used: [time, event, group] + (strata.map { [$0] } ?? []))
            guard data.event.contains(true) else {
                throw SurvivalStageError("column '\(eventName)' (event) has no events among the rows used")
            }
            let labels = table.labels(group, rows: rows)
            let levels = SurvivalStageRunner.factorLevels(labels)
            guard levels.count >= 2 else {
                throw SurvivalStageError("column '\(groupName)' (group) needs at least two groups; it has \(levels.count)")
            }
            let strataLabels = strata.map { table.labels($0, rows: rows) }
            let fitStart = PhaseClock.now()
            let test = LogRank.test(data, groups: labels, levels: levels, strata: strataLabels, rho: rho)
            context.log("timing (thread cpu): log-rank test \(PhaseClock.format(PhaseClock.now() - fitStart)) s")
            let groups = test.groups.indices.map { i -> ResultJSON in
                .object([("group", .string(test.groups[i])), ("n", .integer(test.n[i])),
                         ("observed", .number(test.observed[i])), ("expected", .number(test.expected[i]))])
            }
            return .object([
                ("kind", .string("survival/log-rank")), ("rho", .number(rho)), ("statistic", .number(test.statistic)),
                ("df", .integer(test.df)), ("p", .optional(test.p)), ("groups", .array(groups)),
                ("strata", .optional(strataName)),
                ("n", .integer(rows.count)), ("n_dropped", .integer(table.rows.count - rows.count)),
            ])
        }
    }
}
