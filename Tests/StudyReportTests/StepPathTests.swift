import Testing
import _StudyTestSupport
@testable import StudyReport

/// Step paths: horizontal-then-vertical segments, and thinning that never shows.
@Suite struct StepPathTests {
    typealias P = StepPath.Point

    @Test("a step function draws as H then V segments, extended to the end of follow-up")
    func handCase() {
        let points = [P(x: 0, y: 100), P(x: 10, y: 80), P(x: 25, y: 80), P(x: 40, y: 50)]
        let thinned = StepPath.thin(points)
        #expect(thinned == [P(x: 0, y: 100), P(x: 10, y: 80), P(x: 40, y: 50)], "a point that does not change y is dropped")
        #expect(StepPath.data(thinned, end: 55) == "M0 100h10v-20h30v-30h15")
        #expect(StepPath.data([P(x: 0.04, y: 1.26), P(x: 0.33, y: 0.5)], end: 0.33) == "M0 1.3h.3v-.8")
    }

    @Test("drops closer than half a pixel merge into one drop to the latest value")
    func merge() {
        let points = [P(x: 0, y: 100), P(x: 10, y: 80), P(x: 10.2, y: 70), P(x: 10.45, y: 65), P(x: 30, y: 60)]
        #expect(StepPath.thin(points) == [P(x: 0, y: 100), P(x: 10, y: 65), P(x: 30, y: 60)])
    }

    @Test("a band is the upper steps forwards and the lower steps backwards, closed")
    func band() {
        let upper = [P(x: 0, y: 0), P(x: 10, y: 5)], lower = [P(x: 0, y: 0), P(x: 10, y: 20)]
        #expect(StepPath.band(upper: upper, lower: lower, end: 30) == "M0 0h10v5h20v15h-20v-20h-10Z")
    }

    @Test("a 100,000-step curve thins to steps at least half a pixel wide that differ from the original by under half a pixel in x")
    func thinningProperty() {
        var rng = SplitMix(seed: 42)
        var points = [P(x: 0, y: 0)]
        var x = 0.0, y = 0.0
        for _ in 0..<100_000 {
            x += rng.uniform() * 0.0128  // 100,000 steps across 640 px
            if rng.uniform() < 0.8 { y += rng.uniform() * 0.0028 }
            points.append(P(x: x, y: y))
        }
        let thinned = StepPath.thin(points)
        #expect(thinned.count <= 1281, "at most two kept points per pixel")
        for (a, b) in zip(thinned, thinned.dropFirst()) {
            #expect(b.x - a.x >= 0.5)
            #expect(b.y != a.y)
        }
        func value(_ curve: [P], at x: Double) -> Double {
            var lo = 0, hi = curve.count
            while lo < hi { let mid = (lo + hi) / 2; if curve[mid].x <= x { lo = mid + 1 } else { hi = mid } }
            return curve[max(lo - 1, 0)].y
        }
        // thinned(x) is the original somewhere in [x, x + 0.5): the curve moves left by under half a pixel.
        var failures = 0
        var sample = 0.0
        while sample < x {
            let shown = value(thinned, at: sample)
            var candidates = [value(points, at: sample)]
            var lo = 0, hi = points.count
            while lo < hi { let mid = (lo + hi) / 2; if points[mid].x <= sample { lo = mid + 1 } else { hi = mid } }
            var i = lo
            while i < points.count && points[i].x < sample + 0.5 { candidates.append(points[i].y); i += 1 }
            if !candidates.contains(shown) { failures += 1 }
            sample += 0.173
        }
        #expect(failures == 0)
        #expect(StepPath.data(thinned, end: x).utf8.count < 40_000)
    }

    @Test("numbers at risk follow R: the risk set of the first step at or after the time, 0 after the last")
    func atRisk() {
        let curve = Fixtures.kaplanMeier.curves[0]
        #expect(curve.atRisk(0) == 6)
        #expect(curve.atRisk(2) == 6)
        #expect(curve.atRisk(3) == 5)
        #expect(curve.atRisk(8) == 3)
        #expect(curve.atRisk(12) == 1)
        #expect(curve.atRisk(14) == 1)
        #expect(curve.atRisk(15) == 0)
    }
}
