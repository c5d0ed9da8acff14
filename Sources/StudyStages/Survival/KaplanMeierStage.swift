import StudyCore
import StudyEngine
import StudyStats

/// `uses: survival/kaplan-meier`: Kaplan-Meier curves of input `table` (optionally one per `group`),
/// written to output `result` as JSON.
public struct KaplanMeierStage: StageKind {
    public var name: String { "survival/kaplan-meier" }
    public var version: Int { 1 }

    public init() {}

    /// Settings problems that need no data (unknown or mistyped settings, conf_type, conf_level,
    /// rmst_tau), all at once, so they stop the workflow at load.
    public func check(_ declaration: StageDeclaration) -> [String] {
        SurvivalStageRunner.check(declaration, KaplanMeierSettings.read)
    }

    public func run(_ context: StageKindContext) -> StageOutcome {
        SurvivalStageRunner.run(context, KaplanMeierSettings.read) { (table, settings) throws(SurvivalStageError) -> ResultJSON in
            let (timeName, eventName, groupName) = (settings.time, settings.event, settings.group)
            let (confTypeName, confType) = (settings.confTypeName, settings.confType)
            let (confLevel, tau) = (settings.confLevel, settings.tau)

            let time = try table.column(timeName, for: "time")
            let event = try table.column(eventName, for: "event")
            let group = try groupName.map { name throws(SurvivalStageError) in try table.column(name, for: "group") }
            let used = [time, event] + (group.map { [$0] } ?? [])
            let rows = table.completeRows(used)
            let data = try table.survival(time: time, event: event, rows: rows, used: used)
            let labels = group.map { table.labels($0, rows: rows) }
            let levels = labels.map { SurvivalStageRunner.factorLevels($0) }
            let fitStart = PhaseClock.now()
            let fit = KaplanMeier.fit(data, groups: labels, levels: levels, confType: confType, confLevel: confLevel)
            context.log("timing (thread cpu): km fit \(PhaseClock.format(PhaseClock.now() - fitStart)) s")

            let curves = fit.curves.map { curve -> ResultJSON in
                let rmst: ResultJSON = tau.map { tau in
                    let mean = curve.restrictedMean(tau: tau)
                    return .object([("tau", .number(tau)), ("estimate", .number(mean.estimate)), ("se", .number(mean.standardError))])
                } ?? .null
                let steps = curve.steps.map { step -> ResultJSON in
                    .object([
                        ("time", .number(step.time)), ("n_risk", .integer(step.nRisk)),
                        ("n_event", .integer(step.nEvent)), ("n_censor", .integer(step.nCensor)),
                        ("survival", .number(step.survival)), ("std_err", .number(step.stdErr)),
                        ("lower", .optional(step.lower)), ("upper", .optional(step.upper)),
                    ])
                }
                return .object([
                    ("group", .string(curve.group ?? "all")), ("n", .integer(curve.n)), ("events", .integer(curve.events)),
                    ("median", .object([("estimate", .optional(curve.median.estimate)),
                                        ("lower", .optional(curve.median.lower)), ("upper", .optional(curve.median.upper))])),
                    ("rmst", rmst), ("steps", .array(steps)),
                ])
            }
            return .object([
                ("kind", .string("survival/kaplan-meier")), ("time", .string(timeName)), ("event", .string(eventName)),
                ("group", .optional(groupName)), ("conf_type", .string(confTypeName)), ("conf_level", .number(confLevel)),
                ("n", .integer(rows.count)), ("n_dropped", .integer(table.rows.count - rows.count)),
                ("curves", .array(curves)),
            ])
        }
    }
}
