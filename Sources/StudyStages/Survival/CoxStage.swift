import StudyCore
import StudyEngine
import StudyStats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `uses: survival/cox`: a Cox proportional-hazards model of input `table`, written to output `result`.
public struct CoxStage: StageKind {
    public var name: String { "survival/cox" }
    public var version: Int { 3 }

    public init() {}

    /// Settings problems that need no data (unknown or mistyped settings, ties, conf_level, the
    /// shape of categorical and interactions and whether they name covariates), all at once.
    public func check(_ declaration: StageDeclaration) -> [String] {
        SurvivalStageRunner.check(declaration, CoxSettings.read)
    }

    public func run(_ context: StageKindContext) -> StageOutcome {
        SurvivalStageRunner.run(context, CoxSettings.read) { (table, settings) throws(SurvivalStageError) -> ResultJSON in
            let (timeName, eventName, covariates, strataName) = (settings.time, settings.event, settings.covariates, settings.strata)
            let (ties, confLevel, phTest) = (settings.ties, settings.confLevel, settings.phTest)
            let (references, interactions) = (settings.references, settings.interactions)

            let input = try Self.read(table, time: timeName, event: eventName, covariates: covariates, strata: strataName,
                                      references: references)
            let (design, model) = try Self.fit(input, interactions: interactions, ties: ties, context: context)
            return Self.output(model, design: design, input: input, confLevel: confLevel, phTest: phTest, context: context).encoded
        }
    }

    /// What the fit reads from the table: the complete rows as survival data, each covariate typed
    /// (numeric, or categorical with its reference level first) and the strata as codes.
    struct Input {
        var data: SurvivalData
        var variables: [CoxVariable]
        var strataCodes: [Int]?
        /// Rows in the table before incomplete ones were dropped.
        var tableRows: Int
    }

    /// Reads the model's columns from `table`.
    static func read(_ table: SurvivalTable, time timeName: String, event eventName: String, covariates: [String],
                     strata strataName: String?, references: [String: String?]) throws(SurvivalStageError) -> Input {
        let time = try table.column(timeName, for: "time")
        let event = try table.column(eventName, for: "event")
        var covariateColumns = [Int]()
        for name in covariates { covariateColumns.append(try table.column(name, for: "covariates")) }
        let strata = try strataName.map { name throws(SurvivalStageError) in try table.column(name, for: "strata") }
        let used = [time, event] + covariateColumns + (strata.map { [$0] } ?? [])
        let rows = table.completeRows(used)
        let data = try table.survival(time: time, event: event, rows: rows, used: used)

        var variables = [CoxVariable]()
        for (name, column) in zip(covariates, covariateColumns) {
            // Typed from the bytes (as `labels` then `parse`); labels are made only for a factor.
            let numbers = table.numbers(column, rows: rows)
            // A quoted number (`"0"` from ingest/csv's category, R's factor) keeps the column categorical.
            if references[name] == nil, !table.quotedText[column], numbers.allSatisfy({ $0 != nil }) {
                variables.append(CoxVariable(name, .numeric(numbers)))
                continue
            }
            let cells = table.labels(column, rows: rows)
            var levels = SurvivalStageRunner.factorLevels(cells)
            if let reference = references[name] ?? nil {
                guard let at = levels.firstIndex(of: reference) else {
                    throw SurvivalStageError("reference level '\(reference)' of column '\(name)' does not occur; its levels: \(levels.joined(separator: ", "))")
                }
                levels.remove(at: at)
                levels.insert(reference, at: 0)
            }
            variables.append(CoxVariable(name, .categorical(cells, levels: levels)))
        }
        let strataCodes: [Int]? = strata.map { column in
            let labels = table.labels(column, rows: rows)
            let levels = SurvivalStageRunner.factorLevels(labels)
            let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
            return labels.map { index[$0]! }
        }
        return Input(data: data, variables: variables, strataCodes: strataCodes, tableRows: table.rows.count)
    }

    /// Builds the design and fits it: what R's coxph does from a data frame (design, fit,
    /// concordance), timed apart from reading and typing the table, for the survival benchmark.
    static func fit(_ input: Input, interactions: [[String]], ties: CoxTies,
                    context: StageKindContext) throws(SurvivalStageError) -> (CoxDesign, CoxModel) {
        let fitStart = SystemClock.threadCPUSeconds()
        let design: CoxDesign
        let model: CoxModel
        do {
            design = try CoxDesign.build(input.variables, interactions: interactions)
            let events = input.data.event.filter { $0 }.count
            guard design.terms.count <= events else {
                throw SurvivalStageError("the model has \(design.terms.count) terms but only \(events) events; use fewer covariates")
            }
            model = try CoxModel.fit(input.data, design: design, strata: input.strataCodes, ties: ties)
        } catch let error as SurvivalStageError {
            throw error
        } catch {
            throw SurvivalStageError("\(error)")
        }
        context.log("timing (thread cpu): cox model (design + fit) \(PhaseClock.format(SystemClock.threadCPUSeconds() - fitStart)) s")
        return (design, model)
    }

    /// The result model of a fit, with the proportional-hazards test when asked for.
    static func output(_ model: CoxModel, design: CoxDesign, input: Input, confLevel: Double, phTest: Bool,
                       context: StageKindContext) -> CoxOutput {
        // Every view of the result carries a warning: the log (echoed by `studyflow run`), the
        // JSON `warnings`, and a `may_be_infinite` mark on each term it names (the report flags it).
        for warning in model.warnings { context.log("warning: \(warning)") }
        let infinite = Set(model.warnings.flatMap { w -> [String] in
            if case .infiniteCoefficients(let terms) = w { terms } else { [] }
        })
        let quantile = Distributions.normalQuantile(1 - (1 - confLevel) / 2)
        let terms = model.coefficients.map { c in
            let lower = confLevel == 0.95 ? c.lowerHazardRatio95 : exp(c.coefficient - quantile * c.standardError)
            let upper = confLevel == 0.95 ? c.upperHazardRatio95 : exp(c.coefficient + quantile * c.standardError)
            return CoxOutput.Term(term: c.term, coef: c.coefficient.finiteOrNil, hr: c.hazardRatio.finiteOrNil,
                                  se: c.standardError.finiteOrNil, z: c.z.finiteOrNil, p: c.p.finiteOrNil,
                                  hrLower: lower.finiteOrNil, hrUpper: upper.finiteOrNil, mayBeInfinite: infinite.contains(c.term))
        }
        func test(_ t: CoxTest) -> CoxOutput.Test {
            CoxOutput.Test(statistic: t.statistic.finiteOrNil, df: t.degreesOfFreedom, p: t.p.finiteOrNil)
        }
        func row(_ t: CoxTest, term: String?) -> CoxOutput.PHTerm {
            CoxOutput.PHTerm(term: term, chisq: t.statistic.finiteOrNil, df: t.degreesOfFreedom, p: t.p.finiteOrNil)
        }
        var ph: CoxOutput.PHTest?
        if phTest {
            let zph = CoxZph.compute(input.data, design: design, strata: input.strataCodes, model: model)
            ph = CoxOutput.PHTest(transform: "km", terms: zph.terms.map { row($0.test, term: $0.name) },
                                  global: row(zph.global, term: nil))
        }
        return CoxOutput(
            ties: model.ties.rawValue, n: model.count, events: model.eventCount, nDropped: input.tableRows - model.count,
            terms: terms, loglikNull: model.logLikelihoodNull.finiteOrNil, loglikFit: model.logLikelihoodFit.finiteOrNil,
            likelihoodRatio: test(model.likelihoodRatioTest), wald: test(model.waldTest), score: test(model.scoreTest),
            concordance: model.concordance.concordance.finiteOrNil, concordanceSE: model.concordance.standardError.finiteOrNil,
            vcov: model.variance.map { row in row.map(\.finiteOrNil) }, iterations: model.iterations,
            converged: !model.warnings.contains { if case .didNotConverge = $0 { true } else { false } },
            warnings: model.warnings.map(\.description), phTest: ph)
    }
}
