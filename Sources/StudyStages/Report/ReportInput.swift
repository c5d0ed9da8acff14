import StudyCore
import StudyEngine
import StudyReport

/// A result file a report reads, parsed and recognised by its `kind`: the bridge from the JSON
/// schemas in README.md "Built-in stage kinds" to StudyReport's plain models.
struct ReportInput: Sendable {
    /// What kind of result a file holds.
    enum Kind: String, Sendable {
        case kaplanMeier = "survival/kaplan-meier"
        case logRank = "survival/log-rank"
        case cox = "survival/cox"
        case trialPower = "trial-power"
        case ingestSummary = "ingest/csv summary"
        /// Any other JSON object (e.g. a shell stage's result): a published-figures table may read
        /// values from it; no figure or other table can draw it.
        case other = "JSON"
    }

    /// The input's name in the stage's `inputs`.
    let name: String
    let kind: Kind
    let value: ResultValue
    /// SHA-256 of the file's bytes, for the provenance section.
    let digest: Digest

    /// Parses input `name`, read as `file` (whose digest is that of exactly those bytes, see
    /// `StageKindContext.readInput`); the error is one line naming the input and file.
    static func load(name: String, file: InputBytes, displayPath: String) throws(ReportError) -> ReportInput {
        let bytes = file.bytes
        let value: ResultValue
        do throws(ResultJSONError) {
            value = try ResultValue.parse(bytes)
        } catch {
            throw ReportError("input '\(name)' ('\(displayPath)') is not JSON: \(error.message)")
        }
        let kind: Kind
        if let k = value["kind"]?.string, let known = Kind(rawValue: k) {
            kind = known
        } else if value["rows"] != nil, value["columns"] != nil {
            kind = .ingestSummary
        } else if case .object = value {
            kind = .other
        } else {
            throw ReportError("input '\(name)' ('\(displayPath)') is not a JSON object; a report reads results "
                + "(kaplan-meier, log-rank, cox, trial-power, an ingest/csv summary, or any JSON object for a published table)")
        }
        return ReportInput(name: name, kind: kind, value: value, digest: file.digest)
    }

    /// Fails unless this input is one of `kinds`, naming the field that asked for it.
    func require(_ kinds: [Kind], for field: String) throws(ReportError) {
        guard kinds.contains(kind) else {
            let found = kind == .other ? "a JSON file of another kind ('\(value["kind"]?.string ?? "no kind")')" : "a \(kind.rawValue) result"
            throw ReportError("\(field): input '\(name)' is \(found); this needs "
                + kinds.map(\.rawValue).joined(separator: " or "))
        }
    }

    var kaplanMeier: KaplanMeierResult {
        get throws(ReportError) {
            let curves = try (value["curves"]?.array ?? []).map { (c) throws(ReportError) -> SurvivalCurve in
                var steps: [SurvivalCurve.Step] = []
                if case .table(let table)? = c["steps"] {
                    steps = try columnarSteps(table)
                }
                let stepValues: [ResultValue] = steps.isEmpty ? (c["steps"]?.array ?? []) : []
                steps.reserveCapacity(stepValues.count)
                for s in stepValues {
                    guard case .object(let m) = s, m.count >= 6 else { throw malformed("curves[].steps[]") }
                    // Members come in schema order; look them up by name all the same.
                    steps.append(SurvivalCurve.Step(
                        time: s["time"]?.double ?? .nan, nRisk: s["n_risk"]?.int ?? 0, nEvent: s["n_event"]?.int ?? 0,
                        nCensor: s["n_censor"]?.int ?? 0, survival: s["survival"]?.double ?? .nan,
                        lower: s["lower"]?.double, upper: s["upper"]?.double))
                }
                let median = c["median"]
                return SurvivalCurve(group: c["group"]?.string ?? "all", n: c["n"]?.int ?? 0, events: c["events"]?.int ?? 0,
                                     median: median?["estimate"]?.double, medianLower: median?["lower"]?.double,
                                     medianUpper: median?["upper"]?.double, steps: steps)
            }
            return KaplanMeierResult(timeName: value["time"]?.string ?? "time", confLevel: value["conf_level"]?.double ?? 0.95,
                                     curves: curves)
        }
    }

    /// Steps from a curve's columnar steps, without building an object per step.
    private func columnarSteps(_ table: RecordTable) throws(ReportError) -> [SurvivalCurve.Step] {
        guard let time = table.column("time"), let survival = table.column("survival") else {
            throw malformed("curves[].steps[].time and survival")
        }
        let risk = table.column("n_risk"), event = table.column("n_event"), censor = table.column("n_censor")
        let lower = table.column("lower"), upper = table.column("upper")
        func int(_ r: Int, _ c: Int?) -> Int { c.flatMap { table.value(r, $0) }.map { Int($0) } ?? 0 }
        var steps: [SurvivalCurve.Step] = []
        steps.reserveCapacity(table.count)
        for r in 0..<table.count {
            steps.append(SurvivalCurve.Step(
                time: table.value(r, time) ?? .nan, nRisk: int(r, risk), nEvent: int(r, event), nCensor: int(r, censor),
                survival: table.value(r, survival) ?? .nan, lower: lower.flatMap { table.value(r, $0) },
                upper: upper.flatMap { table.value(r, $0) }))
        }
        return steps
    }

    var logRank: LogRankResult {
        get throws(ReportError) {
            guard let p = value["p"]?.double, let statistic = value["statistic"]?.double else { throw malformed("p") }
            let groups = (value["groups"]?.array ?? []).map { g in
                LogRankResult.Group(group: g["group"]?.string ?? "", n: g["n"]?.int ?? 0,
                                    observed: g["observed"]?.double ?? .nan, expected: g["expected"]?.double ?? .nan)
            }
            return LogRankResult(rho: value["rho"]?.double ?? 0, statistic: statistic, df: value["df"]?.int ?? 0, p: p,
                                 groups: groups)
        }
    }

    var cox: CoxResult {
        get throws(ReportError) {
            guard let termValues = value["terms"]?.array else { throw malformed("terms") }
            let terms = try termValues.map { (t) throws(ReportError) -> CoxResult.Term in
                guard let name = t["term"]?.string else { throw malformed("terms[].term") }
                return CoxResult.Term(term: name, coef: t["coef"]?.double ?? .nan, hr: t["hr"]?.double ?? .nan,
                                      se: t["se"]?.double ?? .nan, p: t["p"]?.double ?? .nan,
                                      hrLower: t["hr_lower"]?.double, hrUpper: t["hr_upper"]?.double,
                                      mayBeInfinite: t["may_be_infinite"].map { if case .bool(true) = $0 { true } else { false } } ?? false)
            }
            return CoxResult(n: value["n"]?.int ?? 0, events: value["events"]?.int ?? 0, terms: terms,
                             concordance: value["concordance"]?["estimate"]?.double,
                             warnings: (value["warnings"]?.array ?? []).compactMap { $0.string })
        }
    }

    var trialPower: TrialPowerResult {
        get throws(ReportError) {
            guard let cellValues = value["cells"]?.array else { throw malformed("cells") }
            let cells = try cellValues.map { (c) throws(ReportError) -> TrialPowerResult.Cell in
                guard let hr = c["hazard_ratio"]?.double, let n = c["sample_size"]?.int, let power = c["power"]?.double
                else { throw malformed("cells[].hazard_ratio, sample_size and power") }
                return TrialPowerResult.Cell(hazardRatio: hr, sampleSize: n, power: power, mcSE: c["mc_se"]?.double ?? 0,
                                             meanEvents: c["mean_events"]?.double, medianHR: c["median_hr"]?.double,
                                             schoenfeldPower: c["schoenfeld_power"]?.double)
            }
            return TrialPowerResult(cells: cells)
        }
    }

    var cohort: CohortSummary {
        let rows = value["rows"]
        let columns = (value["columns"]?.array ?? []).map { c in
            CohortSummary.Column(name: c["name"]?.string ?? "", type: c["type"]?.string ?? "", missing: c["na"]?.int ?? 0,
                                 levels: c["levels"]?.array?.compactMap(\.string))
        }
        return CohortSummary(file: value["file"]?.string ?? name, rowsRead: rows?["read"]?.int ?? 0,
                             rowsKept: rows?["kept"]?.int ?? 0, columns: columns)
    }

    private func malformed(_ field: String) -> ReportError {
        ReportError("input '\(name)': malformed \(kind.rawValue) result: missing or wrong '\(field)'")
    }
}

/// A report problem found while running: one line naming the input, field and value.
struct ReportError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
