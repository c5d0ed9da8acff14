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
    public var version: Int { 4 }

    public init() {}

    /// Settings problems that need no data (unknown or mistyped settings, ties, conf_level, the
    /// shape of categorical and interactions and whether they name covariates), all at once.
    public func check(_ declaration: StageDeclaration) -> [String] {
        SurvivalStageRunner.check(declaration, CoxSettings.read)
    }

    public func run(_ context: StageKindContext) -> StageOutcome {
        SurvivalStageRunner.run(context, CoxSettings.read) { (table, settings) throws(SurvivalStageError) -> ResultJSON in
            let input = try Self.read(table, settings)
            let (design, model) = try Self.fit(input, interactions: settings.interactions, ties: settings.ties, context: context)
            return Self.output(model, design: design, input: input, confLevel: settings.confLevel, phTest: settings.phTest,
                               context: context).encoded
        }
    }

    /// What the fit reads from the table: the complete rows as survival data, each covariate typed
    /// (numeric, or categorical with its reference level first) and the strata as codes.
    struct Input {
        var data: SurvivalData
        var variables: [CoxVariable]
        var strataCodes: [Int]?
        /// Cluster codes (`cluster:`), one per complete row.
        var clusterCodes: [Int]?
        /// Rows in the table before incomplete ones were dropped.
        var tableRows: Int
    }

    /// Reads the model's columns from `table`: rows missing any used value (time, event, start,
    /// weights, a covariate, a strata or the cluster column) are dropped, as R's `na.omit`.
    static func read(_ table: SurvivalTable, _ settings: CoxSettings) throws(SurvivalStageError) -> Input {
        let time = try table.column(settings.time, for: "time")
        let event = try table.column(settings.event, for: "event")
        let start = try settings.start.map { name throws(SurvivalStageError) in try table.column(name, for: "start") }
        let weights = try settings.weights.map { name throws(SurvivalStageError) in try table.column(name, for: "weights") }
        var covariateColumns = [Int]()
        for name in settings.covariates { covariateColumns.append(try table.column(name, for: "covariates")) }
        var strata = [Int]()
        for name in settings.strata { strata.append(try table.column(name, for: "strata")) }
        let cluster = try settings.cluster.map { name throws(SurvivalStageError) in try table.column(name, for: "cluster") }
        let used = [time, event] + [start, weights].compactMap { $0 } + covariateColumns + strata + [cluster].compactMap { $0 }
        let rows = table.completeRows(used)
        let data = try table.survival(time: time, event: event, start: start, weights: weights, rows: rows, used: used)
        if let weights, let at = data.weights?.firstIndex(where: { $0 <= 0 }) {
            throw SurvivalStageError("column '\(table.header[weights])' (weights) must be positive for survival/cox, as R's coxph requires: "
                + "line \(table.lines[rows[at]]) has '\(NumberFormat.trimmed(table.rows[rows[at]][weights]))'; drop the row or give it a positive weight")
        }
        let variables = try covariates(table, names: settings.covariates, columns: covariateColumns, rows: rows,
                                       references: settings.references)
        return Input(data: data, variables: variables, strataCodes: strata.isEmpty ? nil : codes(table, strata, rows: rows),
                     clusterCodes: cluster.map { codes(table, [$0], rows: rows) }, tableRows: table.rows.count)
    }

    /// Each covariate typed: numeric, or categorical with its reference level first.
    static func covariates(_ table: SurvivalTable, names: [String], columns: [Int], rows: [Int],
                           references: [String: String?]) throws(SurvivalStageError) -> [CoxVariable] {
        var variables = [CoxVariable]()
        for (name, column) in zip(names, columns) {
            // Typed from the bytes (as `labels` then `parse`); labels are made only for a factor.
            // A quoted number (`"0"` from ingest/csv's category, R's factor) keeps the column categorical.
            if references[name] == nil, !table.quotedText[column], let numbers = table.numericColumn(column, rows: rows) {
                variables.append(CoxVariable(name, .numbers(numbers)))
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
        return variables
    }

    /// A code per row for each combination of the cells of `columns` (R's `strata(a, b)`, or a
    /// cluster's values), numbered in the factor order of the combined labels.
    static func codes(_ table: SurvivalTable, _ columns: [Int], rows: [Int]) -> [Int] {
        let labels = columns.count == 1 ? table.labels(columns[0], rows: rows)
            : rows.map { r in columns.map { NumberFormat.trimmed(table.rows[r][$0]) }.joined(separator: "\u{1F}") }
        let levels = columns.count == 1 ? SurvivalStageRunner.factorLevels(labels) : Array(Set(labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        return labels.map { index[$0]! }
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
            model = try CoxModel.fit(input.data, design: design, strata: input.strataCodes, cluster: input.clusterCodes, ties: ties)
        } catch let error as SurvivalStageError {
            throw error
        } catch {
            throw SurvivalStageError("\(error)")
        }
        context.log("timing (thread cpu): cox model (design + fit) \(PhaseClock.format(SystemClock.threadCPUSeconds() - fitStart)) s")
        return (design, model)
    }

    /// The reference level of each categorical term (`name=level` → the first level of `name`).
    static func references(_ variables: [CoxVariable]) -> [String: String] {
        var out: [String: String] = [:]
        for variable in variables {
            guard case .categorical(_, let levels?) = variable.values, let reference = levels.first else { continue }
            for level in levels.dropFirst() { out["\(variable.name)=\(level)"] = reference }
        }
        return out
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
        let references = Self.references(input.variables)
        let terms = model.coefficients.map { c in
            // The interval uses the robust se of a robust fit, as R's summary does.
            let se = c.robustStandardError ?? c.standardError
            let lower = confLevel == 0.95 ? c.lowerHazardRatio95 : exp(c.coefficient - quantile * se)
            let upper = confLevel == 0.95 ? c.upperHazardRatio95 : exp(c.coefficient + quantile * se)
            return CoxOutput.Term(term: c.term, coef: c.coefficient.finiteOrNil, hr: c.hazardRatio.finiteOrNil,
                                  se: c.standardError.finiteOrNil, robustSE: c.robustStandardError?.finiteOrNil,
                                  z: c.z.finiteOrNil, p: c.p.finiteOrNil,
                                  hrLower: lower.finiteOrNil, hrUpper: upper.finiteOrNil, mayBeInfinite: infinite.contains(c.term),
                                  reference: references[c.term])
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
            robustScore: model.robustScoreTest.map(test),
            concordance: model.concordance?.concordance.finiteOrNil, concordanceSE: model.concordance?.standardError.finiteOrNil,
            vcov: model.variance.map { row in row.map(\.finiteOrNil) }, iterations: model.iterations,
            converged: !model.warnings.contains { if case .didNotConverge = $0 { true } else { false } },
            warnings: model.warnings.map(\.description), phTest: ph)
    }
}
