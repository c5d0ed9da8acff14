import StudyCore
import StudyEngine
import StudyReport

/// A result file a report reads, parsed and recognised by its `kind`: the bridge from the result
/// models (`KaplanMeierOutput`, …) to StudyReport's plain values. It decodes through the models and
/// names no result member itself.
struct ReportInput: Sendable {
    /// What kind of result a file holds.
    enum Kind: Sendable, CaseIterable {
        case kaplanMeier, logRank, cox, trialPower, ingestSummary
        /// Any other JSON object (e.g. a shell stage's result): a published-figures table may read
        /// values from it; no figure or other table can draw it.
        case other

        /// The name messages use: the result's `kind` tag.
        var name: String {
            switch self {
            case .kaplanMeier: return KaplanMeierOutput.kind!
            case .logRank: return LogRankOutput.kind!
            case .cox: return CoxOutput.kind!
            case .trialPower: return TrialPowerOutput.kind!
            case .ingestSummary: return "ingest/csv summary"
            case .other: return "JSON"
            }
        }

        /// The kind a `kind` tag names, nil for a tag no report reads.
        init?(tag: String) {
            guard let kind = Self.allCases.first(where: { $0 != .ingestSummary && $0 != .other && $0.name == tag }) else { return nil }
            self = kind
        }
    }

    /// The input's name in the stage's `inputs`.
    let name: String
    let kind: Kind
    let value: ResultValue
    /// SHA-256 of the file's bytes, for the provenance section.
    let digest: Digest
    /// The file as the workflow names it, for messages.
    var displayPath: String = ""

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
        if let k = value[ResultKey.kind]?.string, let known = Kind(tag: k) {
            kind = known
        } else if IngestSummaryOutput.recognises(value) {
            kind = .ingestSummary
        } else if case .object = value {
            kind = .other
        } else {
            throw ReportError("input '\(name)' ('\(displayPath)') is not a JSON object; a report reads results "
                + "(kaplan-meier, log-rank, cox, trial-power, an ingest/csv summary, or any JSON object for a published table)")
        }
        var input = ReportInput(name: name, kind: kind, value: value, digest: file.digest)
        input.displayPath = displayPath
        return input
    }

    /// Fails unless this input is one of `kinds`, naming the field that asked for it.
    func require(_ kinds: [Kind], for field: String) throws(ReportError) {
        guard kinds.contains(kind) else {
            let found = kind == .other ? "a JSON file of another kind ('\(value[ResultKey.kind]?.string ?? "no kind")')" : "a \(kind.name) result"
            throw ReportError("\(field): input '\(name)' is \(found); this needs "
                + kinds.map(\.name).joined(separator: " or "))
        }
    }

    /// The input decoded through its model; a malformed file fails naming the input, the file and
    /// the field.
    func decode<Model: ResultModel>(_ model: Model.Type) throws(ReportError) -> Model {
        do throws(ResultDecodingError) {
            return try Model.decode(value, file: displayPath.isEmpty ? name : displayPath)
        } catch {
            throw ReportError("input '\(name)' is not a valid \(kind.name) result: \(error.message); rerun the stage that writes it, or check that the input is the right file")
        }
    }

    /// The tree a published-figures path walks: for a known kind, the result as its model encodes
    /// it (so a path can only name fields of the schema, and a malformed file fails as for a
    /// figure); for any other JSON object, the file as parsed.
    func lookupTree() throws(ReportError) -> ResultValue {
        switch kind {
        case .kaplanMeier: return ResultValue(try decode(KaplanMeierOutput.self).encoded)
        case .logRank: return ResultValue(try decode(LogRankOutput.self).encoded)
        case .cox: return ResultValue(try decode(CoxOutput.self).encoded)
        case .trialPower: return ResultValue(try decode(TrialPowerOutput.self).encoded)
        case .ingestSummary: return ResultValue(try decode(IngestSummaryOutput.self).encoded)
        case .other: return value
        }
    }

    var kaplanMeier: KaplanMeierResult {
        get throws(ReportError) {
            let result = try decode(KaplanMeierOutput.self)
            let curves = result.curves.map { c in
                SurvivalCurve(group: c.group, n: c.n, events: Int(c.events.rounded()), median: c.median.estimate,
                              medianLower: c.median.lower, medianUpper: c.median.upper,
                              steps: c.steps.map { s in
                                  // Weighted fits have fractional counts; the chart and at-risk table show them rounded.
                                  SurvivalCurve.Step(time: s.time, nRisk: Int(s.nRisk.rounded()), nEvent: Int(s.nEvent.rounded()),
                                                     nCensor: Int(s.nCensor.rounded()),
                                                     survival: s.survival, lower: s.lower, upper: s.upper)
                              })
            }
            return KaplanMeierResult(timeName: result.time, confLevel: result.confLevel, curves: curves)
        }
    }

    var logRank: LogRankResult {
        get throws(ReportError) {
            let result = try decode(LogRankOutput.self)
            guard let statistic = result.statistic, let p = result.p else {
                throw ReportError("input '\(name)': the log-rank test in '\(displayPath)' is undefined (statistic or p is null), so it cannot be shown; check the groups it compares")
            }
            return LogRankResult(rho: result.rho, statistic: statistic, df: result.df, p: p,
                                 groups: result.groups.map { LogRankResult.Group(group: $0.group, n: $0.n, observed: $0.observed, expected: $0.expected) })
        }
    }

    var cox: CoxResult {
        get throws(ReportError) {
            let result = try decode(CoxOutput.self)
            let terms = result.terms.map { t in
                CoxResult.Term(term: t.term, coef: t.coef ?? .nan, hr: t.hr ?? .nan, se: t.se ?? .nan, p: t.p ?? .nan,
                               hrLower: t.hrLower, hrUpper: t.hrUpper, mayBeInfinite: t.mayBeInfinite, reference: t.reference)
            }
            let ph = result.phTest.map { ph in
                CoxResult.PHTest(terms: ph.terms.map { (term: $0.term ?? "", p: $0.p) }, global: ph.global.p)
            }
            return CoxResult(n: result.n, events: result.events, terms: terms, concordance: result.concordance,
                             warnings: result.warnings, phTest: ph)
        }
    }

    var trialPower: TrialPowerResult {
        get throws(ReportError) {
            let result = try decode(TrialPowerOutput.self)
            return TrialPowerResult(cells: result.cells.map { c in
                TrialPowerResult.Cell(hazardRatio: c.hazardRatio, sampleSize: c.sampleSize, power: c.power, mcSE: c.mcSE,
                                      meanEvents: c.meanEvents, medianHR: c.medianHR, schoenfeldPower: c.schoenfeldPower)
            })
        }
    }

    var cohort: CohortSummary {
        get throws(ReportError) {
            let result = try decode(IngestSummaryOutput.self)
            return CohortSummary(file: result.file, rowsRead: result.rowsRead, rowsKept: result.rowsKept,
                                 columns: result.columns.map { CohortSummary.Column(name: $0.name, type: $0.type, missing: $0.na, levels: $0.levels) })
        }
    }
}

/// A report problem found while running: one line naming the input, field and value.
struct ReportError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
