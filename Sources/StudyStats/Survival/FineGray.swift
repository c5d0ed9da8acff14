/// The Fine–Gray subdistribution hazard model for one cause of a competing-risks outcome, as R
/// fits it: `survival::finegray(Surv(time, factor(status)) ~ ., etype = cause)` expands the data,
/// then `coxph(Surv(fgstart, fgstop, fgstatus) ~ …, weights = fgwt)` fits a weighted
/// counting-process Cox model to it (robust variance, since the weights are not whole numbers).
///
/// A subject who fails from a competing cause stays in the risk set after its event with weight
/// G(t) / G(its time), G the Kaplan–Meier estimate of the censoring distribution (an event is
/// taken to come before a censoring at the same time). The extra rows are cut at the censoring
/// times, and only the intervals that hold an event of the cause are kept, as finegray does.
public struct FineGray: Sendable, Equatable {
    /// The counting-process rows of the expanded data (`fgstart`, `fgstop`, `fgstatus`, `fgwt`).
    public var data: SurvivalData
    /// The source row of each expanded row.
    public var source: [Int]

    /// Expands `time` and `status` (0 censored, other values causes) for `cause`.
    ///
    /// - Complexity: O(n log n + rows written).
    public static func expand(time: [Double], status: [Int], cause: Int) -> FineGray {
        let n = time.count
        let first = time.min() ?? 0
        let zero = first > 0 ? 0 : 2 * first - 1
        let (cutTimes, cutProbabilities) = censoringCuts(time: time, status: status)
        // ct2 = censoring times + the last time; cp2[j] = G just before ct2[j].
        let ends = cutTimes + [time.max() ?? 0]
        let probability = [1.0] + cutProbabilities
        let causeTimes = Array(Set((0..<n).filter { status[$0] == cause }.map { time[$0] })).sorted()
        var keep = [Bool](repeating: false, count: ends.count)
        keep[0] = true
        var j = 0
        for t in causeTimes {
            while j < ends.count && ends[j] < t { j += 1 }
            if j > 0 && j < ends.count { keep[j] = true }
        }
        var start = [Double](), stop = [Double](), event = [Bool](), weight = [Double](), source = [Int]()
        for i in 0..<n {
            start.append(zero)
            stop.append(time[i])
            event.append(status[i] == cause)
            weight.append(1)
            source.append(i)
            guard status[i] != 0 && status[i] != cause else { continue }
            var at = lowerBound(ends, time[i])
            stop[stop.count - 1] = ends[at]
            let base = probability[at]
            at += 1
            while at < ends.count {
                if keep[at] {
                    start.append(ends[at - 1])
                    stop.append(ends[at])
                    event.append(false)
                    weight.append(probability[at] / base)
                    source.append(i)
                }
                at += 1
            }
        }
        return FineGray(data: SurvivalData(time: stop, event: event, start: start, weights: weight), source: source)
    }

    /// The censoring times (ascending) and the Kaplan–Meier estimate of the censoring distribution
    /// just after each; a row that fails at a censoring time is not at risk of censoring then.
    static func censoringCuts(time: [Double], status: [Int]) -> (times: [Double], survival: [Double]) {
        let order = StableOrder.ascending(time)
        var atRisk = time.count
        var survival = 1.0
        var times = [Double](), values = [Double]()
        var k = 0
        while k < order.count {
            let t = time[order[k]]
            var censored = 0, leaving = 0
            while k < order.count && time[order[k]] == t {
                if status[order[k]] == 0 { censored += 1 }
                leaving += 1
                k += 1
            }
            if censored > 0 {
                // Failures at t left the censoring risk set first.
                let exposed = atRisk - (leaving - censored)
                survival *= 1 - Double(censored) / Double(exposed)
                times.append(t)
                values.append(survival)
            }
            atRisk -= leaving
        }
        return (times, values)
    }

    /// The first index with `values[index] >= value` (values ascending).
    static func lowerBound(_ values: [Double], _ value: Double) -> Int {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Fits the subdistribution hazard model of `cause`: the expanded rows, each with its source
    /// row's covariates (`design` built on the source rows, all of them used) and cluster.
    /// `cluster` nil leaves every expanded row its own cluster, as R's default.
    public static func fit(time: [Double], status: [Int], cause: Int, design: CoxDesign, cluster: [Int]? = nil,
                           ties: CoxTies = .efron) throws -> (model: CoxModel, expansion: FineGray) {
        let rows = design.rows
        let expansion = expand(time: rows.map { time[$0] }, status: rows.map { status[$0] }, cause: cause)
        let columns = design.columns.map { column in expansion.source.map { column[$0] } }
        let expanded = CoxDesign(terms: design.terms, columns: columns)
        let codes = cluster.map { c in expansion.source.map { c[rows[$0]] } }
        let model = try CoxModel.fit(expansion.data, design: expanded, cluster: codes, ties: ties)
        return (model, expansion)
    }
}
