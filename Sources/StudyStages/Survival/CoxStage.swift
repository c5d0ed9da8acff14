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

            let time = try table.column(timeName, for: "time")
            let event = try table.column(eventName, for: "event")
            var covariateColumns = [Int]()
            for name in covariates { covariateColumns.append(try table.column(name, for: "covariates")) }
            let strata = try strataName.map { name throws(SurvivalStageError) in try table.column(name, for: "strata") }
            let rows = table.completeRows([time, event] + covariateColumns + (strata.map { [$0] } ?? []))
            let data = try table.survival(time: time, event: event, rows: rows, used: [time, event] + covariateColumns + (strata.map { [$0] } ?? []))

            var variables = [CoxVariable]()
            for (name, column) in zip(covariates, covariateColumns) {
                let cells = table.labels(column, rows: rows)
                let numbers = cells.map { NumberFormat.parse($0) }
                // A quoted number (`"0"` from ingest/csv's category, R's factor) keeps the column categorical.
                if references[name] == nil, !table.quotedText[column], numbers.allSatisfy({ $0 != nil }) {
                    variables.append(CoxVariable(name, .numeric(numbers)))
                    continue
                }
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

            let design: CoxDesign
            let model: CoxModel
            // What R's coxph does from a data frame (design, fit, concordance), timed apart from
            // reading and typing the table, for the survival benchmark.
            let fitStart = PhaseClock.now()
            do {
                design = try CoxDesign.build(variables, interactions: interactions)
                let events = data.event.filter { $0 }.count
                guard design.terms.count <= events else {
                    throw SurvivalStageError("the model has \(design.terms.count) terms but only \(events) events; use fewer covariates")
                }
                model = try CoxModel.fit(data, design: design, strata: strataCodes, ties: ties)
            } catch let error as SurvivalStageError {
                throw error
            } catch {
                throw SurvivalStageError("\(error)")
            }
            context.log("timing (thread cpu): cox model (design + fit) \(PhaseClock.format(PhaseClock.now() - fitStart)) s")

            // Every view of the result carries a warning: the log (echoed by `studyflow run`), the
            // JSON `warnings`, and a `may_be_infinite` mark on each term it names (the report flags it).
            for warning in model.warnings { context.log("warning: \(warning)") }
            let infinite = Set(model.warnings.flatMap { w -> [String] in
                if case .infiniteCoefficients(let terms) = w { terms } else { [] }
            })
            let quantile = Distributions.normalQuantile(1 - (1 - confLevel) / 2)
            let terms = model.coefficients.map { c -> ResultJSON in
                let lower = confLevel == 0.95 ? c.lowerHazardRatio95 : exp(c.coefficient - quantile * c.standardError)
                let upper = confLevel == 0.95 ? c.upperHazardRatio95 : exp(c.coefficient + quantile * c.standardError)
                var members: [(String, ResultJSON)] = [
                    ("term", .string(c.term)), ("coef", .number(c.coefficient)), ("hr", .number(c.hazardRatio)),
                    ("se", .number(c.standardError)), ("z", .number(c.z)), ("p", .number(c.p)),
                    ("hr_lower", .number(lower)), ("hr_upper", .number(upper)),
                ]
                if infinite.contains(c.term) { members.append(("may_be_infinite", .bool(true))) }
                return .object(members)
            }
            func test(_ t: CoxTest) -> ResultJSON {
                .object([("statistic", .number(t.statistic)), ("df", .integer(t.degreesOfFreedom)), ("p", .number(t.p))])
            }
            let converged = !model.warnings.contains { if case .didNotConverge = $0 { true } else { false } }
            var ph: ResultJSON = .null
            if phTest {
                let zph = CoxZph.compute(data, design: design, strata: strataCodes, model: model)
                ph = .object([
                    ("transform", .string("km")),
                    ("terms", .array(zph.terms.map { term in
                        .object([("term", .string(term.name)), ("chisq", .number(term.test.statistic)),
                                 ("df", .integer(term.test.degreesOfFreedom)), ("p", .number(term.test.p))])
                    })),
                    ("global", .object([("chisq", .number(zph.global.statistic)),
                                        ("df", .integer(zph.global.degreesOfFreedom)), ("p", .number(zph.global.p))])),
                ])
            }
            return .object([
                ("kind", .string("survival/cox")), ("ties", .string(ties.rawValue)),
                ("n", .integer(model.count)), ("events", .integer(model.eventCount)),
                ("n_dropped", .integer(table.rows.count - model.count)),
                ("terms", .array(terms)),
                ("loglik", .object([("null", .number(model.logLikelihoodNull)), ("fit", .number(model.logLikelihoodFit))])),
                ("tests", .object([("likelihood_ratio", test(model.likelihoodRatioTest)), ("wald", test(model.waldTest)),
                                   ("score", test(model.scoreTest))])),
                ("concordance", .object([("estimate", .number(model.concordance.concordance)),
                                         ("se", .number(model.concordance.standardError))])),
                ("vcov", .array(model.variance.map { row in .array(row.map { .number($0) }) })),
                ("iterations", .integer(model.iterations)), ("converged", .bool(converged)),
                ("warnings", .array(model.warnings.map { .string($0.description) })),
                ("ph_test", ph),
            ])
        }
    }
}
