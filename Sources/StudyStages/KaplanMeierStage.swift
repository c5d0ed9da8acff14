import StudyCore
import StudyEngine
import StudyStats

/// `uses: survival/kaplan-meier`: Kaplan-Meier curves of input `table` (optionally one per `group`),
/// written to output `result` as JSON.
public struct KaplanMeierStage: StageKind {
    public var name: String { "survival/kaplan-meier" }
    public var version: Int { 1 }

    public init() {}

    public func run(_ context: StageKindContext) -> StageOutcome {
        SurvivalStageRunner.run(context) { (table, with) throws(SurvivalStageError) -> ResultJSON in
            try with.allowOnly(["time", "event", "group", "conf_type", "conf_level", "rmst_tau"])
            let timeName = try with.requiredString("time")
            let eventName = try with.requiredString("event")
            let groupName = try with.string("group")
            let confTypeName = try with.string("conf_type") ?? "log"
            let confType: KaplanMeier.ConfidenceType
            switch confTypeName {
            case "log": confType = .log
            case "log-log": confType = .logLog
            default: throw SurvivalStageError("setting 'conf_type' must be log or log-log, not '\(confTypeName)'")
            }
            let confLevel = try with.confLevel()
            let tau = try with.number("rmst_tau")
            if let tau, !(tau > 0) {
                throw SurvivalStageError("setting 'rmst_tau' must be positive, not \(JSONValue.format(tau))")
            }

            let time = try table.column(timeName, for: "time")
            let event = try table.column(eventName, for: "event")
            let group = try groupName.map { name throws(SurvivalStageError) in try table.column(name, for: "group") }
            let used = [time, event] + (group.map { [$0] } ?? [])
            let rows = table.completeRows(used)
            let data = try table.survival(time: time, event: event, rows: rows, used: used)
            let labels = group.map { table.labels($0, rows: rows) }
            let levels = labels.map { SurvivalStageRunner.factorLevels($0) }
            let fit = KaplanMeier.fit(data, groups: labels, levels: levels, confType: confType, confLevel: confLevel)

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
