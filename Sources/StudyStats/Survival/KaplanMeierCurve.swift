/// One Kaplan-Meier curve: its table of distinct times, the median with its confidence interval, and the
/// restricted mean. Medians and restricted means follow `survival:::survmean`, which `print.survfit` and
/// `summary.survfit` use.
public struct KaplanMeierCurve: Sendable, Equatable {
    /// The group label, or nil for the curve of all subjects.
    public var group: String?
    /// Number of subjects in the curve.
    public var n: Int
    /// One row per distinct time, event or censoring, in increasing time (survfit's stored rows).
    public var steps: [KaplanMeierStep]
    /// The median survival time and its interval from the pointwise limits; nil parts are not reached.
    public var median: KaplanMeierMedian

    /// Creates a curve from its table, deriving the median from the survival and limit columns.
    public init(group: String?, n: Int, steps: [KaplanMeierStep]) {
        self.group = group
        self.n = n
        self.steps = steps
        let times = steps.map(\.time)
        median = KaplanMeierMedian(
            estimate: Self.firstHalf(steps.map(\.survival), times),
            lower: Self.firstHalf(steps.map(\.lower), times),
            upper: Self.firstHalf(steps.map(\.upper), times))
    }

    /// Total number of events (weighted when the fit was).
    public var events: Double { steps.reduce(0) { $0 + $1.nEvent } }

    /// The restricted mean survival time up to `tau` and its standard error, as `print(survfit, rmean = tau)`.
    ///
    /// The area under the curve from 0 to `tau`; the variance is survmean's sum over event times of
    /// (area after that time)² · d / (n (n - d)), taken as 0 where the curve drops to zero.
    public func restrictedMean(tau: Double) -> KaplanMeierRestrictedMean {
        precondition(tau >= 0, "tau must be non-negative")
        let kept = steps.prefix { $0.time <= tau }
        guard !kept.isEmpty else { return KaplanMeierRestrictedMean(estimate: tau, standardError: 0) }
        let times = kept.map(\.time) + [tau]
        let hazard = kept.map { step in
            step.nRisk == step.nEvent ? 0 : step.nEvent / (step.nRisk * (step.nRisk - step.nEvent))
        } + [0]
        // Rectangle i spans (times[i-1], times[i]] at the height the curve had after times[i-1].
        var rectangles = [times[0]]
        for i in 1..<times.count {
            rectangles.append((times[i] - times[i - 1]) * kept[i - 1].survival)
        }
        var estimate = 0.0
        for area in rectangles { estimate += area }
        var areaAfter = 0.0
        var variance = 0.0
        for j in stride(from: times.count - 2, through: 0, by: -1) {
            areaAfter += rectangles[j + 1]
            variance += areaAfter * areaAfter * hazard[j]
        }
        return KaplanMeierRestrictedMean(estimate: estimate, standardError: variance.squareRoot())
    }

    /// survmean's `minmin`: the first time the column is at or below one half. When it equals one half
    /// (within sqrt(machine epsilon), as `all.equal`) and drops later, the midpoint of that time and the
    /// time of the drop; nil when never reached. Undefined (nil) values are skipped, as R's NA.
    static func firstHalf(_ values: [Double?], _ times: [Double]) -> Double? {
        let tolerance = Double.ulpOfOne.squareRoot()
        let kept = zip(values, times).compactMap { value, time in
            value.flatMap { $0 < 0.5 + tolerance ? ($0, time) : nil }
        }
        guard let first = kept.first else { return nil }
        if abs(first.0 - 0.5) < tolerance, let drop = kept.first(where: { $0.0 < first.0 }) {
            return (first.1 + drop.1) / 2
        }
        return first.1
    }
}

/// One row of a Kaplan-Meier table, as survfit stores it.
public struct KaplanMeierStep: Sendable, Equatable {
    /// The distinct time.
    public var time: Double
    /// Subjects still under observation just before `time` (R's `n.risk`; summed weights when weighted).
    public var nRisk: Double
    /// Events at `time` (R's `n.event`; weighted likewise).
    public var nEvent: Double
    /// Censorings at `time` (R's `n.censor`; weighted likewise).
    public var nCensor: Double
    /// The Kaplan-Meier estimate S(time).
    public var survival: Double
    /// Standard error of -log S (R's `$std.err`): Greenwood's sqrt(Σ d / (n (n - d))), infinite once S
    /// is 0, or the infinitesimal jackknife's for non-integer weights (R's `$std.err` / S then).
    public var stdErr: Double
    /// Lower pointwise confidence limit; nil where R gives NA.
    public var lower: Double?
    /// Upper pointwise confidence limit; nil where R gives NA.
    public var upper: Double?

    /// Standard error on the survival scale, S · se, as `summary.survfit` prints it.
    public var survivalStdErr: Double { survival * stdErr }
}

/// Median survival with its confidence interval (`print(survfit)`'s median, LCL and UCL); nil = not reached.
public struct KaplanMeierMedian: Sendable, Equatable {
    /// The median survival time.
    public var estimate: Double?
    /// Lower confidence limit, read from the lower pointwise curve.
    public var lower: Double?
    /// Upper confidence limit, read from the upper pointwise curve.
    public var upper: Double?
}

/// A restricted mean survival time and its standard error (`rmean` and `se(rmean)`).
public struct KaplanMeierRestrictedMean: Sendable, Equatable {
    /// Area under the curve from 0 to tau.
    public var estimate: Double
    /// Its standard error.
    public var standardError: Double
}
