import StudyCore
import StudyEngine
import StudyStats

/// `uses: survival/log-rank`: the log-rank (or G-rho) test across `group`, optionally within `strata`.
public struct LogRankStage: StageKind {
    public var name: String { "survival/log-rank" }
    public var version: Int { 1 }

    public init() {}

    /// Settings problems that need no data (unknown or mistyped settings, a negative rho, `start` or
    /// `weights`, which R's survdiff does not define), all at once.
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
            let fitStart = SystemClock.threadCPUSeconds()
            let test = LogRank.test(data, groups: labels, levels: levels, strata: strataLabels, rho: rho)
            context.log("timing (thread cpu): log-rank test \(PhaseClock.format(SystemClock.threadCPUSeconds() - fitStart)) s")
            let groups = test.groups.indices.map { i in
                LogRankOutput.Group(group: test.groups[i], n: test.n[i], observed: test.observed[i], expected: test.expected[i])
            }
            return LogRankOutput(rho: rho, statistic: test.statistic.finiteOrNil, df: test.df, p: test.p?.finiteOrNil,
                                 groups: groups, strata: strataName, n: rows.count,
                                 nDropped: table.rows.count - rows.count).encoded
        }
    }
}
