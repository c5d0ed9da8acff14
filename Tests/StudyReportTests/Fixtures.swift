import StudyReport

/// Small hand-made results with every feature a chart draws (censoring, undefined limits, a median
/// not reached), so golden files stay short enough to review.
enum Fixtures {
    static func step(_ t: Double, _ risk: Int, _ event: Int, _ censor: Int, _ s: Double, _ lo: Double?, _ hi: Double?)
        -> SurvivalCurve.Step {
        SurvivalCurve.Step(time: t, nRisk: risk, nEvent: event, nCensor: censor, survival: s, lower: lo, upper: hi)
    }

    static let kaplanMeier = KaplanMeierResult(timeName: "time", confLevel: 0.95, curves: [
        SurvivalCurve(group: "Liver metastasis", n: 6, events: 5, median: 8, medianLower: 5, medianUpper: nil, steps: [
            step(2, 6, 1, 0, 5.0 / 6, 0.583, 1), step(5, 5, 1, 1, 4.0 / 6, 0.379, 1), step(8, 3, 1, 0, 4.0 / 9, 0.173, 1),
            step(11, 2, 1, 0, 2.0 / 9, 0.039, 1), step(14, 1, 1, 0, 0, nil, nil),
        ]),
        SurvivalCurve(group: "No liver metastasis", n: 5, events: 2, median: nil, steps: [
            step(4, 5, 1, 0, 0.8, 0.552, 1), step(9, 4, 0, 1, 0.8, 0.552, 1), step(12, 3, 1, 1, 8.0 / 15, 0.231, 1),
            step(17, 1, 0, 1, 8.0 / 15, 0.231, 1),
        ]),
    ])

    static let logRank = LogRankResult(rho: 0, statistic: 4.1, df: 1, p: 0.0429, groups: [
        .init(group: "Liver metastasis", n: 6, observed: 5, expected: 3.1),
        .init(group: "No liver metastasis", n: 5, observed: 2, expected: 3.9),
    ])

    static let cox = CoxResult(n: 228, events: 165, terms: [
        .init(term: "age", coef: 0.011, hr: 1.011, se: 0.0092, p: 0.23, hrLower: 0.993, hrUpper: 1.03),
        .init(term: "sex", coef: -0.553, hr: 0.575, se: 0.168, p: 0.00098, hrLower: 0.414, hrUpper: 0.799),
        .init(term: "ecog", coef: 0.464, hr: 1.59, se: 0.114, p: 0.0000435, hrLower: 1.273, hrUpper: 1.99),
    ], concordance: 0.637)

    static let coxSubgroup = CoxResult(n: 90, events: 53, terms: [
        .init(term: "ecog", coef: 0.9, hr: 2.46, se: 0.5, p: 0.072, hrLower: 0.92, hrUpper: 6.55),
    ])

    static let power = TrialPowerResult(cells: [
        .init(hazardRatio: 0.7, sampleSize: 200, power: 0.41, mcSE: 0.016, meanEvents: 140, schoenfeldPower: 0.43),
        .init(hazardRatio: 0.7, sampleSize: 400, power: 0.69, mcSE: 0.015, meanEvents: 280, schoenfeldPower: 0.71),
        .init(hazardRatio: 0.7, sampleSize: 600, power: 0.85, mcSE: 0.011, meanEvents: 420, schoenfeldPower: 0.86),
        .init(hazardRatio: 0.5, sampleSize: 200, power: 0.86, mcSE: 0.011, meanEvents: 130, schoenfeldPower: 0.88),
        .init(hazardRatio: 0.5, sampleSize: 400, power: 0.99, mcSE: 0.003, meanEvents: 260, schoenfeldPower: 0.99),
        .init(hazardRatio: 0.5, sampleSize: 600, power: 1, mcSE: 0, meanEvents: 390, schoenfeldPower: 1),
    ])

    static let cohort = CohortSummary(file: "data/lung.csv", rowsRead: 228, rowsKept: 227, columns: [
        .init(name: "time", type: "number", missing: 0),
        .init(name: "sex", type: "category", missing: 0, levels: ["1", "2"]),
        .init(name: "ecog", type: "number", missing: 1),
    ])
}
