import StudyCore
import StudyEngine
import StudyStats

/// `uses: survival/cumulative-incidence`: Aalen–Johansen cumulative incidence of competing events
/// in input `table` (event codes: 0 censored, any other number an event type), optionally one set
/// of curves per `group` with Gray's test per event type, written to output `result` as JSON.
public struct CumulativeIncidenceStage: StageKind {
    public var name: String { "survival/cumulative-incidence" }
    public var version: Int { 1 }

    public init() {}

    /// More event types or groups than this is a column named by mistake (a time, an id), not a
    /// competing-risks design; refusing it keeps a typo from taking minutes and gigabytes.
    static let maxEventTypes = 20
    static let maxGroups = 100

    /// Settings problems that need no data (unknown or mistyped settings, conf_level, labels that
    /// are not event codes, repeated or empty names), all at once, so they stop the workflow at load.
    public func check(_ declaration: StageDeclaration) -> [String] {
        SurvivalStageRunner.check(declaration, CumulativeIncidenceSettings.read)
    }

    public func run(_ context: StageKindContext) -> StageOutcome {
        SurvivalStageRunner.run(context, CumulativeIncidenceSettings.read) { (table, settings) throws(SurvivalStageError) -> ResultJSON in
            let time = try table.column(settings.time, for: "time")
            let event = try table.column(settings.event, for: "event")
            let group = try settings.group.map { name throws(SurvivalStageError) in try table.column(name, for: "group") }
            let used = [time, event] + (group.map { [$0] } ?? [])
            let rows = table.completeRows(used)
            let outcome = try Self.outcomes(table, time: time, event: event, rows: rows, used: used, labels: settings.labels)
            let labels = group.map { table.labels($0, rows: rows) }
            let levels = labels.map { SurvivalStageRunner.factorLevels($0) }
            if let levels, levels.count > Self.maxGroups, let groupName = settings.group {
                throw SurvivalStageError("column '\(groupName)' (group) has \(levels.count) levels; cumulative incidence compares at most \(Self.maxGroups) groups (Gray's test grows with their square): name a grouping column, not an identifier or a measurement")
            }
            let fitStart = SystemClock.threadCPUSeconds()
            let fit = CumulativeIncidence.fit(time: outcome.time, cause: outcome.cause, causes: outcome.names.count,
                                              groups: labels, levels: levels, confLevel: settings.confLevel)
            var tests: [CumulativeIncidenceOutput.Test]?
            if let labels, let levels, levels.count >= 2 {
                let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
                let groupIndex = labels.map { index[$0]! }
                tests = outcome.names.indices.map { k in
                    let test = GrayTest.test(time: outcome.time, cause: outcome.cause, of: k + 1, group: groupIndex, groups: levels.count)
                    return CumulativeIncidenceOutput.Test(event: outcome.names[k], statistic: test.statistic?.finiteOrNil,
                                                          df: test.df, p: test.p?.finiteOrNil)
                }
            }
            context.log("timing (thread cpu): cumulative incidence \(PhaseClock.format(SystemClock.threadCPUSeconds() - fitStart)) s")
            let curves = fit.curves.map { curve in
                CumulativeIncidenceOutput.Curve(
                    group: curve.group ?? "all", event: outcome.names[curve.cause - 1], n: curve.n, events: Int(curve.events),
                    steps: curve.steps.map { s in
                        .init(time: s.time, estimate: s.estimate, stdErr: s.stdErr.finiteOrNil,
                              lower: s.lower?.finiteOrNil, upper: s.upper?.finiteOrNil)
                    })
            }
            return CumulativeIncidenceOutput(time: settings.time, event: settings.event, group: settings.group,
                                             confLevel: settings.confLevel, n: rows.count, nDropped: table.rows.count - rows.count,
                                             curves: curves, tests: tests).encoded
        }
    }

    /// Times and event types of `rows`: codes other than 0 become types 1…k in numeric order, each
    /// named by `labels` (every code must then have a label) or by the code as a number prints.
    static func outcomes(_ table: SurvivalTable, time: Int, event: Int, rows: [Int], used: [Int], labels: [Double: String])
        throws(SurvivalStageError) -> (time: [Double], cause: [Int], names: [String]) {
        guard !rows.isEmpty else {
            throw SurvivalStageError("no rows left after dropping rows with NA in \(used.map { "'\(table.header[$0])'" }.joined(separator: ", "))")
        }
        var times = [Double](), codes = [Double]()
        times.reserveCapacity(rows.count)
        codes.reserveCapacity(rows.count)
        let name = table.header[event]
        for r in rows {
            let cell = NumberFormat.trimmed(table.rows[r][time])
            guard let t = NumberFormat.parse(cell), t.isFinite else {
                throw SurvivalStageError("column '\(table.header[time])' (time) is not numeric: line \(table.lines[r]) has '\(cell)'")
            }
            guard t >= 0 else {
                throw SurvivalStageError("column '\(table.header[time])' (time) has a negative time: line \(table.lines[r]) has '\(cell)'")
            }
            let e = NumberFormat.trimmed(table.rows[r][event])
            guard let code = NumberFormat.parse(e), code.isFinite else {
                throw SurvivalStageError("column '\(name)' (event) must hold numeric event codes (0 censored, 1, 2, … the event types): line \(table.lines[r]) has '\(e)'")
            }
            if code != 0 && !labels.isEmpty && labels[code] == nil {
                throw SurvivalStageError("column '\(name)' (event) has code \(JSONValue.format(code)) on line \(table.lines[r]), which with.labels does not name; add \(JSONValue.format(code)): NAME to with.labels")
            }
            times.append(t)
            codes.append(code)
        }
        let types = Set(codes.filter { $0 != 0 }).sorted()
        guard !types.isEmpty else {
            throw SurvivalStageError("column '\(name)' (event) has no events among the rows used (every code is 0, censored)")
        }
        guard types.count <= maxEventTypes else {
            throw SurvivalStageError("column '\(name)' (event) has \(types.count) distinct event codes; an event column holds 0 for censored and one code per event type (at most \(maxEventTypes)): name the event-code column, not a time or a measurement")
        }
        let index = Dictionary(uniqueKeysWithValues: types.enumerated().map { ($1, $0 + 1) })
        let cause = codes.map { $0 == 0 ? 0 : index[$0]! }
        return (times, cause, types.map { labels[$0] ?? JSONValue.format($0) })
    }
}
