import Testing
import _StudyTestSupport
@testable import StudyReport

/// Tick placement: round values a reader can interpolate between, covering the data.
@Suite struct NiceScaleTests {
    @Test("a follow-up of 1022 days gets ticks every 200 days up to 1200")
    func lungFollowUp() {
        let scale = NiceScale.linear(0, 1022, count: 7)
        #expect(scale.ticks == [0, 200, 400, 600, 800, 1000, 1200])
        #expect(scale.labels == ["0", "200", "400", "600", "800", "1000", "1200"])
    }

    @Test("survival from 0 to 1 gets ticks every 0.2 printed with one decimal")
    func probability() {
        let scale = NiceScale.linear(0, 1, count: 6)
        #expect(scale.ticks == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(scale.labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    @Test("decimal steps carry no binary noise", arguments: [(0.0, 0.7, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]),
                                                              (0.0, 0.07, [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]),
                                                              (-3.0, 12.0, [-5, 0, 5, 10, 15])])
    func noNoise(lo: Double, hi: Double, expected: [Double]) {
        #expect(NiceScale.linear(lo, hi, count: 8).ticks == expected || NiceScale.linear(lo, hi, count: 5).ticks == expected)
    }

    @Test("any range: ticks are increasing, evenly spaced 1, 2 or 5 × 10^k apart, and cover the data")
    func properties() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<2000 {
            let a = rng.uniform() * 2000 - 1000, width = pow10(Int(rng.uniform() * 8) - 4) * (rng.uniform() + 0.01)
            let scale = NiceScale.linear(a, a + width, count: 2 + Int(rng.uniform() * 8))
            #expect(scale.lower <= a && scale.upper >= a + width)
            let steps = zip(scale.ticks.dropFirst(), scale.ticks).map { $0 - $1 }
            let step = steps[0]
            // Differences of ticks near 500 carry ~1e-13 of rounding: compare relative to the values too.
            let slack = max(step * 1e-9, abs(a) * 1e-12)
            #expect(steps.allSatisfy { abs($0 - step) <= slack }, "\(a) \(width) \(scale.ticks)")
            var mantissa = step
            while mantissa >= 10 { mantissa /= 10 }
            while mantissa < 1 { mantissa *= 10 }
            #expect([1.0, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }, "step \(step) \(a) \(width) \(scale.ticks)")
            #expect(scale.ticks.count >= 2 && scale.ticks.count <= 12)
        }
    }

    @Test("hazard ratios 0.41 to 2.7 get a log axis with 1-2-5 ticks including 1")
    func logAxis() {
        let scale = NiceScale.log(0.41, 2.7)
        #expect(scale.ticks == [0.2, 0.5, 1, 2, 5])
        #expect(scale.labels == ["0.2", "0.5", "1", "2", "5"])
        #expect(abs(scale.fraction(1) - 0.5) < 1e-12, "0.2 and 5 are symmetric about 1 on a log axis")
    }

    @Test("a narrow hazard-ratio range gets finer log ticks")
    func narrowLogAxis() {
        let scale = NiceScale.log(0.8, 1.3)
        #expect(scale.ticks.count >= 4)
        #expect(scale.ticks.contains(1))
        #expect(scale.lower <= 0.8 && scale.upper >= 1.3)
    }

    func pow10(_ e: Int) -> Double { NiceScale.pow10(e) }
}

