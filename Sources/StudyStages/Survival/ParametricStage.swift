import StudyCore
import StudyEngine
import StudyStats

/// `uses: survival/parametric`: an accelerated failure time model of input `table` (R's
/// `survreg`), written to output `result`. Covariates are read and coded as `survival/cox` reads
/// them (`CoxStage.read`, `CoxDesign`); right-censored data only.
public struct ParametricStage: StageKind {
    public var name: String { "survival/parametric" }
    public var version: Int { 1 }

    public init() {}

    /// Settings problems that need no data (unknown or mistyped settings, the distribution,
    /// conf_level, `start:`, the shape of categorical and interactions), all at once.
    public func check(_ declaration: StageDeclaration) -> [String] {
        SurvivalStageRunner.check(declaration, ParametricSettings.read)
    }

    public func run(_ context: StageKindContext) -> StageOutcome {
        SurvivalStageRunner.run(context, ParametricSettings.read) { (table, settings) throws(SurvivalStageError) -> ResultJSON in
            let input = try CoxStage.read(table, settings.coxColumns)
            try Self.requirePositiveTimes(table, settings: settings, data: input.data)
            let (design, model) = try Self.fit(input, settings: settings)
            if !model.converged {
                context.log("warning: the fit did not converge in \(model.iterations) iterations (R's survreg warns the same); its numbers are the last iterate")
            }
            return Self.output(model, design: design, input: input, confLevel: settings.confLevel).encoded
        }
    }

    /// Fails on the first row whose time is ≤ 0 or not finite, naming its line: log time is undefined there.
    static func requirePositiveTimes(_ table: SurvivalTable, settings: ParametricSettings,
                                     data: SurvivalData) throws(SurvivalStageError) {
        guard let bad = data.time.firstIndex(where: { !($0 > 0 && $0.isFinite) }) else { return }
        var used = [try table.column(settings.time, for: "time"), try table.column(settings.event, for: "event")]
        for name in settings.covariates { used.append(try table.column(name, for: "covariates")) }
        let row = table.completeRows(used)[bad]
        throw SurvivalStageError("column '\(settings.time)' (time) must hold positive, finite times for a parametric model: line "
            + "\(table.lines[row]) has '\(NumberFormat.trimmed(table.rows[row][used[0]]))'; the \(settings.distribution.rawValue) model "
            + "is on log time (R's survreg: invalid survival times for this distribution); drop or correct such rows")
    }

    /// Builds the design (none for an intercept-only model) and fits it.
    static func fit(_ input: CoxStage.Input, settings: ParametricSettings) throws(SurvivalStageError) -> (CoxDesign?, ParametricModel) {
        do {
            let design = settings.covariates.isEmpty ? nil : try CoxDesign.build(input.variables, interactions: settings.interactions)
            let events = input.data.event.filter { $0 }.count
            let parameters = 1 + (design?.terms.count ?? 0) + (settings.distribution.fixedScale == nil ? 1 : 0)
            guard parameters <= events else {
                throw SurvivalStageError("the model has \(parameters) parameters but only \(events) events; use fewer covariates")
            }
            return (design, try ParametricModel.fit(input.data, design: design, distribution: settings.distribution))
        } catch let error as SurvivalStageError {
            throw error
        } catch let error as CoxError {
            throw SurvivalStageError(message(error))
        } catch {
            throw SurvivalStageError("\(error)")
        }
    }

    /// The design's refusals, in survreg's words where CoxError's speak of coxph.
    static func message(_ error: CoxError) -> String {
        switch error {
        case let .constantColumn(name):
            "column '\(name)' is constant among the rows used, so its coefficient is not identified (R's survreg reports NA); drop it from the model"
        case let .singleLevel(column, level):
            "categorical covariate '\(column)' has one level, '\(level)', among the rows used; R's survreg refuses it "
                + "(contrasts can be applied only to factors with 2 or more levels); drop '\(column)' from the covariates, "
                + "or keep rows with other levels (check the filter and the rows dropped for missing values)"
        default:
            error.description
        }
    }

    /// The result model of a fit.
    static func output(_ model: ParametricModel, design: CoxDesign?, input: CoxStage.Input, confLevel: Double) -> ParametricOutput {
        let ratios = Dictionary(uniqueKeysWithValues: (model.hazardRatios(level: confLevel) ?? []).map { ($0.term, $0) })
        let terms = model.coefficients.map { c in
            ParametricOutput.Term(term: c.term, coef: c.coefficient.finiteOrNil, se: c.standardError.finiteOrNil,
                                  z: c.z.finiteOrNil, p: c.p.finiteOrNil, hazardRatio: ratios[c.term].map { r in
                ParametricOutput.HazardRatio(hr: r.hazardRatio.finiteOrNil, lower: r.lower.finiteOrNil, upper: r.upper.finiteOrNil)
            })
        }
        let logScale = model.logScale.map { s in
            ParametricOutput.Estimate(estimate: s.coefficient.finiteOrNil, se: s.standardError.finiteOrNil,
                                      z: s.z.finiteOrNil, p: s.p.finiteOrNil)
        }
        let test = model.likelihoodRatio
        return ParametricOutput(
            distribution: model.distribution.rawValue, n: model.count, events: model.eventCount,
            nDropped: input.tableRows - model.count, confLevel: confLevel, terms: terms, scale: model.scale.finiteOrNil,
            logScale: logScale, loglikNull: model.logLikelihoodNull.finiteOrNil, loglikFit: model.logLikelihoodFit.finiteOrNil,
            likelihoodRatio: CoxOutput.Test(statistic: test.statistic.finiteOrNil, df: test.df, p: test.p.finiteOrNil),
            vcov: model.variance.map { row in row.map(\.finiteOrNil) }, iterations: model.iterations, converged: model.converged)
    }
}
