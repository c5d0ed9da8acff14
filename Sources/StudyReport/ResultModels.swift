/// The values the report draws, as plain structs: StudyStages fills them from result JSON, tests
/// build them by hand. They mirror the result schemas in README.md "Built-in stage kinds".

/// One Kaplan-Meier curve (`survival/kaplan-meier`, one entry of `curves`).
public struct SurvivalCurve: Equatable, Sendable {
    /// One row of the curve: the estimate just after `time`.
    public struct Step: Equatable, Sendable {
        /// Time of the step, in the time column's unit.
        public var time: Double
        /// Number at risk just before the step.
        public var nRisk: Int
        /// Events at the step.
        public var nEvent: Int
        /// Censored at the step.
        public var nCensor: Int
        /// Survival estimate just after the step.
        public var survival: Double
        /// Confidence limits; nil where undefined (e.g. after survival reaches 0).
        public var lower: Double?
        /// Upper confidence limit; nil where undefined.
        public var upper: Double?

        /// Creates a step.
        public init(time: Double, nRisk: Int, nEvent: Int, nCensor: Int, survival: Double, lower: Double?, upper: Double?) {
            self.time = time
            self.nRisk = nRisk
            self.nEvent = nEvent
            self.nCensor = nCensor
            self.survival = survival
            self.lower = lower
            self.upper = upper
        }
    }

    /// Group label (`all` for an ungrouped fit).
    public var group: String
    /// Number of subjects.
    public var n: Int
    /// Number of events.
    public var events: Int
    /// Median survival and its confidence limits; nil when not reached.
    public var median: Double?
    /// Lower confidence limit of the median; nil when undefined.
    public var medianLower: Double?
    /// Upper confidence limit of the median; nil when undefined.
    public var medianUpper: Double?
    /// Steps in increasing time.
    public var steps: [Step]

    /// Creates a curve.
    public init(group: String, n: Int, events: Int, median: Double?, medianLower: Double? = nil,
                medianUpper: Double? = nil, steps: [Step]) {
        self.group = group
        self.n = n
        self.events = events
        self.median = median
        self.medianLower = medianLower
        self.medianUpper = medianUpper
        self.steps = steps
    }

    /// Number at risk at `time`: R's convention, the subjects still followed at `time`
    /// (the risk set of the first step at or after it; 0 past the last step).
    public func atRisk(_ time: Double) -> Int {
        if time <= 0 { return n }
        var lo = 0, hi = steps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if steps[mid].time < time { lo = mid + 1 } else { hi = mid }
        }
        return lo < steps.count ? steps[lo].nRisk : 0
    }
}

/// A `survival/kaplan-meier` result.
public struct KaplanMeierResult: Equatable, Sendable {
    /// Name of the time column, for the default axis label.
    public var timeName: String
    /// Confidence level of the bands (0.95).
    public var confLevel: Double
    /// One curve per group, in factor-level order.
    public var curves: [SurvivalCurve]

    /// Creates a result.
    public init(timeName: String, confLevel: Double, curves: [SurvivalCurve]) {
        self.timeName = timeName
        self.confLevel = confLevel
        self.curves = curves
    }
}

/// A `survival/log-rank` result.
public struct LogRankResult: Equatable, Sendable {
    /// Observed and expected events of one group.
    public struct Group: Equatable, Sendable {
        /// Group label.
        public var group: String
        /// Number of subjects.
        public var n: Int
        /// Observed events.
        public var observed: Double
        /// Expected events under the null.
        public var expected: Double

        /// Creates a group row.
        public init(group: String, n: Int, observed: Double, expected: Double) {
            self.group = group
            self.n = n
            self.observed = observed
            self.expected = expected
        }
    }

    /// 0 for the log-rank test, 1 for Peto-Peto.
    public var rho: Double
    /// Chi-square statistic.
    public var statistic: Double
    /// Degrees of freedom.
    public var df: Int
    /// Two-sided p-value.
    public var p: Double
    /// Groups in factor-level order.
    public var groups: [Group]

    /// Creates a result.
    public init(rho: Double, statistic: Double, df: Int, p: Double, groups: [Group]) {
        self.rho = rho
        self.statistic = statistic
        self.df = df
        self.p = p
        self.groups = groups
    }
}

/// A `survival/cox` result: the terms the forest plot and the Cox table show.
public struct CoxResult: Equatable, Sendable {
    /// One model term.
    public struct Term: Equatable, Sendable {
        /// Term name as the model printed it.
        public var term: String
        /// Log hazard ratio.
        public var coef: Double
        /// Hazard ratio.
        public var hr: Double
        /// Standard error of the coefficient.
        public var se: Double
        /// Two-sided p-value.
        public var p: Double
        /// Confidence limits of the hazard ratio; nil when undefined.
        public var hrLower: Double?
        /// Upper confidence limit of the hazard ratio; nil when undefined.
        public var hrUpper: Double?
        /// The fit warned that this coefficient may be infinite (monotone likelihood): its se, p
        /// and interval are not meaningful, so tables and plots mark it with a dagger.
        public var mayBeInfinite: Bool

        /// The reference level of a categorical term (`name=level`), when the result records it.
        public var reference: String?

        /// Creates a term.
        public init(term: String, coef: Double, hr: Double, se: Double, p: Double, hrLower: Double?, hrUpper: Double?,
                    mayBeInfinite: Bool = false, reference: String? = nil) {
            self.mayBeInfinite = mayBeInfinite
            self.reference = reference
            self.term = term
            self.coef = coef
            self.hr = hr
            self.se = se
            self.p = p
            self.hrLower = hrLower
            self.hrUpper = hrUpper
        }
    }

    /// Number of subjects.
    public var n: Int
    /// Number of events.
    public var events: Int
    /// Terms in model order.
    public var terms: [Term]
    /// Concordance (C statistic), when the result has one.
    public var concordance: Double?
    /// The fit's warnings as the result file words them; the Cox table's note repeats them.
    public var warnings: [String]

    /// The Grambsch–Therneau test of proportional hazards (`ph_test: true`), nil when not run.
    public var phTest: PHTest?

    /// The proportional-hazards test: p per term (as `cox.zph` names them: a factor once) and global.
    public struct PHTest: Equatable, Sendable {
        /// Term name and p, in the result's order.
        public var terms: [(term: String, p: Double?)]
        /// The global test's p.
        public var global: Double?

        /// Creates a test.
        public init(terms: [(term: String, p: Double?)], global: Double?) {
            self.terms = terms
            self.global = global
        }

        /// Equal when every term, p and the global p are equal.
        public static func == (a: PHTest, b: PHTest) -> Bool {
            a.global == b.global && a.terms.count == b.terms.count
                && zip(a.terms, b.terms).allSatisfy { $0.term == $1.term && $0.p == $1.p }
        }

        /// The p of the test that covers `term`: its own, or its factor's (`sex` for `sex=2`).
        public func p(for term: String) -> Double?? {
            if let own = terms.first(where: { $0.term == term }) { return .some(own.p) }
            if let factor = terms.first(where: { term.hasPrefix($0.term + "=") }) { return .some(factor.p) }
            return nil
        }
    }

    /// Creates a result.
    public init(n: Int, events: Int, terms: [Term], concordance: Double? = nil, warnings: [String] = [],
                phTest: PHTest? = nil) {
        self.phTest = phTest
        self.warnings = warnings
        self.n = n
        self.events = events
        self.terms = terms
        self.concordance = concordance
    }
}

/// A `simulate/trial` power result (`"kind":"trial-power"`).
public struct TrialPowerResult: Equatable, Sendable {
    /// One (hazard ratio, sample size) cell of the simulation grid.
    public struct Cell: Equatable, Sendable {
        /// True hazard ratio of the simulated design.
        public var hazardRatio: Double
        /// Patients per trial.
        public var sampleSize: Int
        /// Fraction of replicates that rejected.
        public var power: Double
        /// Monte Carlo standard error of `power`.
        public var mcSE: Double
        /// Mean number of events per trial.
        public var meanEvents: Double?
        /// Median estimated hazard ratio.
        public var medianHR: Double?
        /// Schoenfeld's approximate power for the same design, when given.
        public var schoenfeldPower: Double?

        /// Creates a cell.
        public init(hazardRatio: Double, sampleSize: Int, power: Double, mcSE: Double,
                    meanEvents: Double? = nil, medianHR: Double? = nil, schoenfeldPower: Double? = nil) {
            self.hazardRatio = hazardRatio
            self.sampleSize = sampleSize
            self.power = power
            self.mcSE = mcSE
            self.meanEvents = meanEvents
            self.medianHR = medianHR
            self.schoenfeldPower = schoenfeldPower
        }
    }

    /// Design cells in the order simulated.
    public var cells: [Cell]

    /// Creates a result.
    public init(cells: [Cell]) { self.cells = cells }

    /// The distinct hazard ratios, in order of first appearance.
    public var hazardRatios: [Double] {
        var seen: [Double] = []
        for cell in cells where !seen.contains(cell.hazardRatio) { seen.append(cell.hazardRatio) }
        return seen
    }
}

/// An `ingest/csv` summary: what was read and kept.
public struct CohortSummary: Equatable, Sendable {
    /// One column of the normalized table.
    public struct Column: Equatable, Sendable {
        /// Column name.
        public var name: String
        /// Column type (number, integer, category, string, boolean).
        public var type: String
        /// Missing values.
        public var missing: Int
        /// Category levels, when the column is a category.
        public var levels: [String]?

        /// Creates a column summary.
        public init(name: String, type: String, missing: Int, levels: [String]? = nil) {
            self.name = name
            self.type = type
            self.missing = missing
            self.levels = levels
        }
    }

    /// The file that was read.
    public var file: String
    /// Rows read.
    public var rowsRead: Int
    /// Rows kept after filters and required columns.
    public var rowsKept: Int
    /// Columns in order.
    public var columns: [Column]

    /// Creates a summary.
    public init(file: String, rowsRead: Int, rowsKept: Int, columns: [Column]) {
        self.file = file
        self.rowsRead = rowsRead
        self.rowsKept = rowsKept
        self.columns = columns
    }
}

/// One line of the "published vs reproduced" table.
public struct PublishedComparison: Equatable, Sendable {
    /// What is compared, e.g. "Median overall survival, liver metastasis".
    public var quantity: String
    /// The published value as printed (a number or text such as "0.53 (0.41-0.68)").
    public var published: String
    /// The published number when it is one, for the difference column.
    public var publishedValue: Double?
    /// Unit printed after numbers.
    public var unit: String?
    /// Where the published value comes from.
    public var citation: String
    /// The value computed in this run; nil when the selected field is null.
    public var reproduced: Double?
    /// Where the reproduced value came from, e.g. `km: curves[group=2].median.estimate`.
    public var source: String

    /// Creates a comparison row.
    public init(quantity: String, published: String, publishedValue: Double?, unit: String?, citation: String,
                reproduced: Double?, source: String) {
        self.quantity = quantity
        self.published = published
        self.publishedValue = publishedValue
        self.unit = unit
        self.citation = citation
        self.reproduced = reproduced
        self.source = source
    }
}
