/// Right-censored survival data as parallel arrays: the input of every estimator in this module.
///
/// Times are non-negative; `event[i]` is true for a death (or the event of interest) at `time[i]`
/// and false for censoring. `start`, when present, makes each row a counting-process interval
/// `(start[i], time[i]]` as R's `Surv(start, stop, event)` (delayed entry, time-varying covariates);
/// `weights`, when present, are case weights as R's `weights =`. Estimators take plain values, so they are tested against R's numbers
/// without any file or engine around them.
public struct SurvivalData: Sendable, Equatable {
    /// Follow-up time of each subject.
    public var time: [Double]
    /// Whether each subject's time is an event (true) or a censoring (false).
    public var event: [Bool]

    /// Entry time of each row (`nil`: every row enters at time 0).
    public var start: [Double]?
    /// Case weight of each row (`nil`: every row weighs 1).
    public var weights: [Double]?

    /// Creates survival data; every array given must have the length of `time`.
    public init(time: [Double], event: [Bool], start: [Double]? = nil, weights: [Double]? = nil) {
        precondition(time.count == event.count, "time and event must have the same length")
        precondition(start.map { $0.count == time.count } ?? true, "start and time must have the same length")
        precondition(weights.map { $0.count == time.count } ?? true, "weights and time must have the same length")
        self.time = time
        self.event = event
        self.start = start
        self.weights = weights
    }

    /// Entry time of row `i` (0 without `start`).
    @inlinable public func entry(_ i: Int) -> Double { start?[i] ?? 0 }

    /// Case weight of row `i` (1 without `weights`).
    @inlinable public func weight(_ i: Int) -> Double { weights?[i] ?? 1 }

    /// Number of subjects.
    public var count: Int { time.count }
}
