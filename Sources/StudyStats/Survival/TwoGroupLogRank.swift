/// The two-group log-rank test on subjects already sorted by time: the fast path of the trial
/// simulation, where it runs once per replicate.
///
/// Same statistic as `LogRank.test` with two groups and rho = 0 (`survival::survdiff`), summed in
/// increasing time order instead of survdiff's decreasing order, so the two agree to rounding
/// (checked in the tests), without labels, factor levels or a general k-group solve.
public enum TwoGroupLogRank {
    /// Observed minus expected events of group 1 and its hypergeometric variance.
    public struct Result: Sendable, Equatable {
        /// Events observed in group 1.
        public var observed: Double
        /// Events expected in group 1 under equal hazards.
        public var expected: Double
        /// Variance of observed − expected.
        public var variance: Double
        /// Events in both groups.
        public var events: Int

        /// The chi-square statistic on 1 df, (O − E)² / V; 0 when the variance is 0.
        public var statistic: Double {
            variance > 0 ? (observed - expected) * (observed - expected) / variance : 0
        }

        /// Peto's one-step estimate of group 1's log hazard ratio against group 0, (O − E) / V;
        /// nil when the variance is 0 (no informative event).
        public var logHazardRatio: Double? {
            variance > 0 ? (observed - expected) / variance : nil
        }
    }

    /// A subject: time and two flags packed into one byte.
    public struct Subject: Sendable {
        /// Follow-up time.
        public var time: Double
        /// Bit 0: in group 1; bit 1: the time is an event.
        public var flags: UInt8

        /// A subject of group 1 (`inGroup1`) or group 0, with an event or a censoring at `time`.
        @inline(__always)
        public init(time: Double, inGroup1: Bool, event: Bool) {
            self.time = time
            self.flags = (inGroup1 ? 1 : 0) | (event ? 2 : 0)
        }
    }

    /// The test on `subjects`, which must be sorted by time (ties in any order).
    ///
    /// - Complexity: O(n).
    public static func test(sorted subjects: UnsafeBufferPointer<Subject>) -> Result {
        var atRisk = Double(subjects.count)
        var atRisk1 = 0.0
        for s in subjects where s.flags & 1 != 0 { atRisk1 += 1 }
        var observed = 0.0, expected = 0.0, variance = 0.0
        var events = 0
        var i = 0
        let n = subjects.count
        while i < n {
            let t = subjects[i].time
            var deaths = 0.0, deaths1 = 0.0, leaving = 0.0, leaving1 = 0.0
            while i < n && subjects[i].time == t {
                let f = subjects[i].flags
                let g = Double(f & 1)
                if f & 2 != 0 {
                    deaths += 1
                    deaths1 += g
                }
                leaving += 1
                leaving1 += g
                i += 1
            }
            if deaths > 0 {
                let share = atRisk1 / atRisk
                expected += deaths * share
                observed += deaths1
                events += Int(deaths)
                if atRisk > 1 {
                    variance += deaths * (atRisk - deaths) / (atRisk - 1) * share * (1 - share)
                }
            }
            atRisk -= leaving
            atRisk1 -= leaving1
        }
        return Result(observed: observed, expected: expected, variance: variance, events: events)
    }

    /// The test on unsorted subjects: sorts a copy by time, then as `test(sorted:)`.
    public static func test(_ subjects: [Subject]) -> Result {
        var copy = subjects
        copy.sort { $0.time < $1.time }
        return copy.withUnsafeBufferPointer { test(sorted: $0) }
    }
}
