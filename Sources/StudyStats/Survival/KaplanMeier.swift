#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kaplan-Meier survival curves, one per group, matching R's `survival::survfit(Surv(time, status) ~ group)`
/// (survival 3.5): the table of `summary(survfit, censored = TRUE)`, Greenwood standard errors, pointwise
/// `log` or `log-log` confidence limits, and the median with its confidence interval as `print(survfit)` shows it.
///
/// ```swift
/// let result = KaplanMeier.fit(data, groups: sex, confType: .logLog)
/// for curve in result.curves { print(curve.group ?? "all", curve.median.estimate ?? .nan) }
/// ```
public enum KaplanMeier {
    /// How pointwise confidence limits are formed, as survfit's `conf.type`.
    public enum ConfidenceType: Sendable, Equatable {
        /// `conf.type = "log"` (R's default): exp(log S ± z·se), the upper limit capped at 1.
        case log
        /// `conf.type = "log-log"`: S^exp(∓ z·se / log S); undefined where S is 0 or 1.
        case logLog
    }

    /// Fits one curve per group level (or a single curve when `groups` is nil).
    ///
    /// `groups[i]` labels subject `i`. Curves come in factor order: `levels` when given (levels with no
    /// subjects are skipped, subjects whose label is not a level are left out as R drops NA), otherwise the sorted distinct labels, numerically when every label is a
    /// number (as R orders a numeric variable), else by code point. `confLevel` is the two-sided level.
    /// `data.start` makes the fit a counting-process one (`Surv(start, stop, event)`: a row is at
    /// risk at t when start < t ≤ stop) and `data.weights` weights each row (`weights =`); as in
    /// survfit, any non-integer weight switches the standard error from Greenwood's to the
    /// infinitesimal jackknife with each row its own cluster (`robust = TRUE`).
    public static func fit(
        _ data: SurvivalData,
        groups: [String]? = nil,
        levels: [String]? = nil,
        confType: ConfidenceType = .log,
        confLevel: Double = 0.95
    ) -> KaplanMeierResult {
        precondition(confLevel > 0 && confLevel < 1, "confLevel must lie strictly between 0 and 1")
        let z = Distributions.normalQuantile(1 - (1 - confLevel) / 2)
        let robust = data.weights?.contains { $0 != $0.rounded(.down) } ?? false
        guard let groups else {
            let curve = fitCurve(group: nil, data, confType: confType, z: z, robust: robust)
            return KaplanMeierResult(curves: [curve], confType: confType, confLevel: confLevel, robust: robust)
        }
        precondition(groups.count == data.count, "groups must have one label per subject")
        var curves = [KaplanMeierCurve]()
        var rowsOf: [String: [Int]] = [:]  // one pass, however many groups
        for (i, label) in groups.enumerated() { rowsOf[label, default: []].append(i) }
        for level in levels ?? factorLevels(groups) {
            guard let members = rowsOf[level] else { continue }
            curves.append(fitCurve(group: level, rows(members, of: data), confType: confType, z: z, robust: robust))
        }
        return KaplanMeierResult(curves: curves, confType: confType, confLevel: confLevel, robust: robust)
    }

    /// R's default factor level order: distinct labels sorted numerically when all are numbers, else by code point.
    static func factorLevels(_ labels: [String]) -> [String] {
        let distinct = Array(Set(labels))
        let numbers = distinct.map { Double($0) }
        if numbers.allSatisfy({ $0 != nil }) {
            return zip(distinct, numbers).sorted { ($0.1!, $0.0) < ($1.1!, $1.0) }.map(\.0)
        }
        return distinct.sorted()
    }

    /// One curve, computed as survfitkm.c does: a forward pass over the distinct stop times, rows
    /// entering the risk set once their start is passed and leaving after their stop; survival as a
    /// running product and Greenwood's sum (or the jackknife) for the standard error of -log S.
    ///
    /// - Complexity: O(n) after the radix sorts of the stop (and start) times.
    static func fitCurve(
        group: String?, _ data: SurvivalData, confType: ConfidenceType, z: Double, robust: Bool
    ) -> KaplanMeierCurve {
        let time = data.time, event = data.event
        let order = StableOrder.ascending(time)  // (time, index) order in linear time
        let entryOrder = data.start.map { StableOrder.ascending($0) }
        var jackknife = robust ? KaplanMeierJackknife(count: time.count) : nil
        var steps = [KaplanMeierStep]()
        var survival = 1.0, greenwood = 0.0, atRisk = 0.0
        var entered = 0, first = 0
        if entryOrder == nil {
            for i in 0..<time.count {
                atRisk += data.weight(i)
                jackknife?.enter(i, weight: data.weight(i))
            }
        }
        while first < order.count {
            let t = time[order[first]]
            if let entryOrder, let start = data.start {
                while entered < entryOrder.count && start[entryOrder[entered]] < t {
                    atRisk += data.weight(entryOrder[entered])
                    jackknife?.enter(entryOrder[entered], weight: data.weight(entryOrder[entered]))
                    entered += 1
                }
            }
            var end = first
            var deaths = 0.0, censored = 0.0
            while end < order.count && time[order[end]] == t {
                if event[order[end]] { deaths += data.weight(order[end]) } else { censored += data.weight(order[end]) }
                end += 1
            }
            if deaths > 0 {
                survival *= (atRisk - deaths) / atRisk
                greenwood += deaths / (atRisk * (atRisk - deaths))
            }
            let stdErr: Double
            if jackknife != nil {
                stdErr = jackknife!.step(order[first..<end], data, atRisk: atRisk, deaths: deaths).squareRoot()
            } else {
                stdErr = greenwood.squareRoot()
            }
            let (lower, upper) = limits(survival: survival, stdErr: stdErr, type: confType, z: z)
            steps.append(KaplanMeierStep(
                time: t, nRisk: atRisk, nEvent: deaths, nCensor: censored,
                survival: survival, stdErr: stdErr, lower: lower, upper: upper))
            for k in first..<end { atRisk -= data.weight(order[k]) }
            first = end
        }
        return KaplanMeierCurve(group: group, n: time.count, steps: steps)
    }

    /// Pointwise limits exactly as survival's `survfit_confint`; nil where R gives NA.
    static func limits(
        survival s: Double, stdErr se: Double, type: ConfidenceType, z: Double
    ) -> (lower: Double?, upper: Double?) {
        switch type {
        case .log:
            guard s != 0 else { return (nil, nil) }
            return (exp(log(s) - z * se), min(exp(log(s) + z * se), 1))
        case .logLog:
            guard s != 0 && s != 1 else { return (nil, nil) }
            let shift = z * se / log(s)
            return (exp(-exp(log(-log(s)) - shift)), exp(-exp(log(-log(s)) + shift)))
        }
    }
}

/// The curves of a Kaplan-Meier fit with the confidence settings they were computed with.
public struct KaplanMeierResult: Sendable, Equatable {
    /// One curve per group, in factor order (a single curve with a nil group for an ungrouped fit).
    public var curves: [KaplanMeierCurve]
    /// How the pointwise limits (and hence the median's interval) were formed.
    public var confType: KaplanMeier.ConfidenceType
    /// Two-sided confidence level of the limits, e.g. 0.95.
    public var confLevel: Double
    /// Whether the standard errors are the infinitesimal jackknife's (non-integer weights) rather
    /// than Greenwood's.
    public var robust: Bool = false
}
