import StudyCore
import StudyEngine
import StudyStats

/// `uses: survival/fine-gray`: the Fine–Gray subdistribution hazard model of one `cause` in input
/// `table`, as R's `finegray()` + weighted `coxph`, written to output `result`.
public struct FineGrayStage: StageKind {
    public var name: String { "survival/fine-gray" }
    public var version: Int { 2 }

    public init() {}

    /// Settings problems that need no data, all at once.
    public func check(_ declaration: StageDeclaration) -> [String] {
        SurvivalStageRunner.check(declaration, FineGraySettings.read)
    }

    public func run(_ context: StageKindContext) -> StageOutcome {
        SurvivalStageRunner.run(context, FineGraySettings.read) { (table, settings) throws(SurvivalStageError) -> ResultJSON in
            let input = try Self.read(table, settings)
            let design: CoxDesign
            let fit: (model: CoxModel, expansion: FineGray)
            do {
                design = try CoxDesign.build(input.variables, interactions: settings.interactions)
                let events = input.status.filter { $0 == 1 }.count
                guard design.terms.count <= events else {
                    throw SurvivalStageError("the model has \(design.terms.count) terms but only \(events) events of cause '\(settings.cause)'; use fewer covariates")
                }
                fit = try FineGray.fit(time: input.time, status: input.status, cause: 1, design: design,
                                       cluster: input.clusterCodes, ties: settings.ties)
            } catch let error as SurvivalStageError {
                throw error
            } catch {
                throw SurvivalStageError("\(error)")
            }
            let coxInput = CoxStage.Input(data: fit.expansion.data, variables: [], strataCodes: nil, clusterCodes: nil,
                                          tableRows: table.rows.count)
            var cox = CoxStage.output(fit.model, design: design, input: coxInput, confLevel: settings.confLevel,
                                      phTest: false, context: context)
            cox.n = design.rows.count
            cox.nDropped = table.rows.count - design.rows.count
            let competing = design.rows.filter { input.status[$0] == 2 }.count
            return FineGrayOutput(cause: settings.cause, competingEvents: competing, expandedRows: fit.expansion.data.count,
                                  fit: cox).encoded
        }
    }

    /// The complete rows as times, statuses (0 censored, 1 the cause, 2 a competing cause),
    /// covariates and cluster codes.
    struct Input {
        var time: [Double]
        var status: [Int]
        var variables: [CoxVariable]
        var clusterCodes: [Int]?
    }

    /// Reads the outcome, the covariates and the cluster column of the rows with no missing value.
    static func read(_ table: SurvivalTable, _ settings: FineGraySettings) throws(SurvivalStageError) -> Input {
        let time = try table.column(settings.time, for: "time")
        let event = try table.column(settings.event, for: "event")
        var covariateColumns = [Int]()
        for name in settings.covariates { covariateColumns.append(try table.column(name, for: "covariates")) }
        let cluster = try settings.cluster.map { name throws(SurvivalStageError) in try table.column(name, for: "cluster") }
        let used = [time, event] + covariateColumns + [cluster].compactMap { $0 }
        let rows = table.completeRows(used)
        guard !rows.isEmpty else {
            throw SurvivalStageError("no rows left after dropping rows with NA in \(used.map { "'\(table.header[$0])'" }.joined(separator: ", "))")
        }
        var times = [Double](), status = [Int]()
        let causeNumber = NumberFormat.parse(settings.cause)
        var causes = Set<String>()
        for r in rows {
            let cell = NumberFormat.trimmed(table.rows[r][time])
            guard let t = NumberFormat.parse(cell), t.isFinite, t >= 0 else {
                throw SurvivalStageError("column '\(table.header[time])' (time) must hold numbers ≥ 0: line \(table.lines[r]) has '\(cell)'")
            }
            times.append(t)
            let e = NumberFormat.trimmed(table.rows[r][event])
            // Codes only: a text label such as "censored" must not silently become a cause.
            guard let code = NumberFormat.parse(e), code >= 0, code == code.rounded() else {
                throw SurvivalStageError("column '\(table.header[event])' (event) must hold 0 for censored and a positive whole number "
                    + "for each cause: line \(table.lines[r]) has '\(e)'; recode the column (e.g. with ingest/csv's map)")
            }
            if code == 0 { status.append(0); continue }
            causes.insert(e)
            status.append(code == causeNumber ? 1 : 2)
        }
        guard status.contains(1) else {
            let seen = SurvivalStageRunner.factorLevels(Array(causes))
            throw SurvivalStageError("cause '\(settings.cause)' does not occur in column '\(table.header[event])' (event) among the rows used; "
                + (seen.isEmpty ? "every row is censored (0)" : "its causes: \(seen.joined(separator: ", "))") + "; set cause to one of them")
        }
        let variables = try CoxStage.covariates(table, names: settings.covariates, columns: covariateColumns, rows: rows,
                                                references: settings.references)
        return Input(time: times, status: status, variables: variables,
                     clusterCodes: cluster.map { CoxStage.codes(table, [$0], rows: rows) })
    }
}
