#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cumulative incidence of competing events by the Aalen–Johansen estimator, matching R's
/// `survival::survfit(Surv(time, factor(event)) ~ group)` (survival 3.5): for each group and event
/// type the probability of having had that event by t, F_k(t) = Σ_{s ≤ t} S(s−) d_k(s) / n(s), with S
/// the Kaplan–Meier curve of any event; the standard error is survfit's infinitesimal jackknife
/// (every row its own cluster) and the limits are its default for multi-state curves,
/// `conf.type = "log"` on a standard error of the probability (exp(log F ± z·se / F), the upper
/// capped at 1; none where F is 0).
///
/// ```swift
/// let fit = CumulativeIncidence.fit(time: t, cause: c, causes: 2, groups: sex)
/// for curve in fit.curves { print(curve.group ?? "all", curve.cause, curve.steps.last!.estimate) }
/// ```
public enum CumulativeIncidence {
    /// Estimates every event type's curve in each group (one set when `groups` is nil).
    ///
    /// `cause[i]` is 0 when row i is censored at `time[i]`, else the 1-based event type (at most
    /// `causes`). Groups come in factor order as in `KaplanMeier.fit` (`levels`, when given, with
    /// empty levels skipped). `confLevel` is the two-sided level of the limits.
    ///
    /// - Complexity: O(n · causes²) after a linear-time sort of the times.
    public static func fit(
        time: [Double], cause: [Int], causes: Int, groups: [String]? = nil, levels: [String]? = nil,
        confLevel: Double = 0.95
    ) -> CumulativeIncidenceResult {
        precondition(time.count == cause.count, "time and cause must have the same length")
        precondition(cause.allSatisfy { $0 >= 0 && $0 <= causes }, "cause must lie in 0...causes")
        precondition(confLevel > 0 && confLevel < 1, "confLevel must lie strictly between 0 and 1")
        let z = Distributions.normalQuantile(1 - (1 - confLevel) / 2)
        guard let groups else {
            return CumulativeIncidenceResult(
                curves: fitGroup(group: nil, time: time, cause: cause, causes: causes, z: z), confLevel: confLevel)
        }
        precondition(groups.count == time.count, "groups must have one label per row")
        var curves: [CumulativeIncidenceCurve] = []
        var rowsOf: [String: [Int]] = [:]  // one pass, however many groups
        for (i, label) in groups.enumerated() { rowsOf[label, default: []].append(i) }
        for level in levels ?? KaplanMeier.factorLevels(groups) {
            guard let members = rowsOf[level] else { continue }
            curves += fitGroup(group: level, time: members.map { time[$0] }, cause: members.map { cause[$0] },
                               causes: causes, z: z)
        }
        return CumulativeIncidenceResult(curves: curves, confLevel: confLevel)
    }

    /// One group's curves, one per event type, in a single forward pass over its distinct times.
    static func fitGroup(group: String?, time: [Double], cause: [Int], causes: Int, z: Double) -> [CumulativeIncidenceCurve] {
        let order = StableOrder.ascending(time)
        var state = AalenJohansenState(causes: causes, atRisk: Double(time.count))
        var steps = [[CumulativeIncidenceStep]](repeating: [], count: causes)
        var deaths = [Double](repeating: 0, count: causes + 1)  // index 0: censored at this time
        var first = 0
        while first < order.count {
            let t = time[order[first]]
            for k in deaths.indices { deaths[k] = 0 }
            var end = first
            while end < order.count && time[order[end]] == t {
                deaths[cause[order[end]]] += 1
                end += 1
            }
            state.advance(deaths)
            for k in 0..<causes {
                let estimate = state.incidence[k]
                let stdErr = state.variance(k).squareRoot()
                let logScale = stdErr == 0 ? 0 : stdErr / estimate
                let (lower, upper) = KaplanMeier.limits(survival: estimate, stdErr: logScale, type: .log, z: z)
                steps[k].append(CumulativeIncidenceStep(
                    time: t, nRisk: state.lastAtRisk, nEvent: deaths[k + 1], estimate: estimate, stdErr: stdErr,
                    lower: lower, upper: upper))
            }
            state.leave(deaths)
            first = end
        }
        return (0..<causes).map { CumulativeIncidenceCurve(group: group, cause: $0 + 1, n: time.count, steps: steps[$0]) }
    }
}

/// What a cumulative incidence fit returns: one curve per (group, event type), groups in factor
/// order and event types in order within each group.
public struct CumulativeIncidenceResult: Sendable, Equatable {
    /// The curves.
    public var curves: [CumulativeIncidenceCurve]
    /// Two-sided confidence level of the limits.
    public var confLevel: Double
}

/// The cumulative incidence of one event type in one group.
public struct CumulativeIncidenceCurve: Sendable, Equatable {
    /// The group label; nil for the curves of all rows.
    public var group: String?
    /// The 1-based event type.
    public var cause: Int
    /// Rows in the group.
    public var n: Int
    /// One row per distinct time (event of any type or censoring), in increasing time.
    public var steps: [CumulativeIncidenceStep]

    /// Events of this type.
    public var events: Double { steps.reduce(0) { $0 + $1.nEvent } }
}

/// One row of a cumulative incidence curve, as survfit's `pstate`, `std.err`, `lower` and `upper`.
public struct CumulativeIncidenceStep: Sendable, Equatable {
    /// The distinct time.
    public var time: Double
    /// Rows at risk just before `time`.
    public var nRisk: Double
    /// Events of this type at `time`.
    public var nEvent: Double
    /// The Aalen–Johansen estimate F(time).
    public var estimate: Double
    /// Its infinitesimal-jackknife standard error (on the probability scale).
    public var stdErr: Double
    /// Lower limit; nil where F is 0 (R's NA).
    public var lower: Double?
    /// Upper limit; nil where F is 0.
    public var upper: Double?
}
