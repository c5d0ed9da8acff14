import StudyCore
import StudyEngine
import StudyStats

/// `uses: survival/kaplan-meier`: Kaplan-Meier curves of input `table` (optionally one per `group`),
/// written to output `result` as JSON.
public struct KaplanMeierStage: StageKind {
    public var name: String { "survival/kaplan-meier" }
    public var version: Int { 2 }

    public init() {}

    /// Settings problems that need no data (unknown or mistyped settings, conf_type, conf_level,
    /// rmst_tau, start naming the time column), all at once, so they stop the workflow at load.
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
            let start = try settings.start.map { name throws(SurvivalStageError) in try table.column(name, for: "start") }
            let weights = try settings.weights.map { name throws(SurvivalStageError) in try table.column(name, for: "weights") }
            let used = [time, event] + [group, start, weights].compactMap { $0 }
            let rows = table.completeRows(used)
            let data = try table.survival(time: time, event: event, start: start, weights: weights, rows: rows, used: used)
            let labels = group.map { table.labels($0, rows: rows) }
            let levels = labels.map { SurvivalStageRunner.factorLevels($0) }
            let fitStart = SystemClock.threadCPUSeconds()
            let fit = KaplanMeier.fit(data, groups: labels, levels: levels, confType: confType, confLevel: confLevel)
            context.log("timing (thread cpu): km fit \(PhaseClock.format(SystemClock.threadCPUSeconds() - fitStart)) s")

            let curves = fit.curves.map { Self.output($0, tau: tau) }
            var difference: KaplanMeierOutput.MeanDifference?
            if let tau, group != nil, fit.curves.count == 2 {
                let d = KaplanMeierMeanDifference(first: fit.curves[0], second: fit.curves[1], tau: tau, confLevel: confLevel)
                difference = KaplanMeierOutput.MeanDifference(
                    groups: fit.curves.map { $0.group ?? "" }, estimate: d.estimate.finiteOrNil, se: d.standardError.finiteOrNil,
                    lower: d.lower.finiteOrNil, upper: d.upper.finiteOrNil, p: d.p?.finiteOrNil)
            }
            return KaplanMeierOutput(time: timeName, event: eventName, group: groupName, confType: confTypeName,
                                     confLevel: confLevel, n: rows.count, nDropped: table.rows.count - rows.count,
                                     curves: curves, rmstDifference: difference).encoded
        }
    }

    /// One fitted curve as the result writes it (non-finite numbers as null).
    static func output(_ curve: KaplanMeierCurve, tau: Double?) -> KaplanMeierOutput.Curve {
        KaplanMeierOutput.Curve(
            group: curve.group ?? "all", n: curve.n, events: curve.events,
            median: KaplanMeierOutput.Median(estimate: curve.median.estimate?.finiteOrNil, lower: curve.median.lower?.finiteOrNil,
                                             upper: curve.median.upper?.finiteOrNil),
            rmst: tau.map { tau in
                let mean = curve.restrictedMean(tau: tau)
                return KaplanMeierOutput.RestrictedMean(tau: tau, estimate: mean.estimate.finiteOrNil, se: mean.standardError.finiteOrNil)
            },
            steps: curve.steps.map { step in
                KaplanMeierOutput.Step(time: step.time, nRisk: step.nRisk, nEvent: step.nEvent, nCensor: step.nCensor,
                                       survival: step.survival, stdErr: step.stdErr.finiteOrNil,
                                       lower: step.lower?.finiteOrNil, upper: step.upper?.finiteOrNil)
            })
    }
}
