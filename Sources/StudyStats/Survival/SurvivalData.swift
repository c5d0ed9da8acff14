/// Right-censored survival data as parallel arrays: the input of every estimator in this module.
///
/// Times are non-negative; `event[i]` is true for a death (or the event of interest) at `time[i]`
/// and false for censoring. Estimators take plain values, so they are tested against R's numbers
/// without any file or engine around them.
public struct SurvivalData: Sendable, Equatable {
    /// Follow-up time of each subject.
    public var time: [Double]
    /// Whether each subject's time is an event (true) or a censoring (false).
    public var event: [Bool]

    /// Creates survival data; `time` and `event` must have the same length.
    public init(time: [Double], event: [Bool]) {
        precondition(time.count == event.count, "time and event must have the same length")
        self.time = time
        self.event = event
    }

    /// Number of subjects.
    public var count: Int { time.count }
}
