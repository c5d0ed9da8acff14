import Foundation
import Testing
@testable import StudyStats

/// The random streams: reference outputs, reproducibility, and each distribution's moments and fit.
@Suite("Random streams and distributions")
struct RandomStreamTests {
    static let n = 100_000

    /// Kolmogorov-Smirnov distance between the sorted sample and `cdf`.
    static func ksDistance(_ sample: [Double], _ cdf: (Double) -> Double) -> Double {
        let sorted = sample.sorted()
        let count = Double(sorted.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let f = cdf(x)
            d = max(d, abs(f - Double(i) / count), abs(Double(i + 1) / count - f))
        }
        return d
    }

    /// The KS critical value at level 0.001 (asymptotic, 1.949 / √n).
    static func ksCritical(_ count: Int) -> Double { 1.949 / Double(count).squareRoot() }

    static func meanAndVariance(_ x: [Double]) -> (mean: Double, variance: Double) {
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
        return (mean, variance)
    }

    /// Pearson's chi-square p value of `counts` against `probabilities`.
    static func chiSquareP(_ counts: [Int], _ probabilities: [Double]) -> Double {
        let total = Double(counts.reduce(0, +))
        let statistic = zip(counts, probabilities).reduce(0.0) { sum, pair in
            let expected = total * pair.1
            return sum + (Double(pair.0) - expected) * (Double(pair.0) - expected) / expected
        }
        return Distributions.chiSquareUpperTail(statistic, df: Double(counts.count - 1))
    }

    static func draws(seed: UInt64 = 2026, _ draw: (inout RandomStream) -> Double) -> [Double] {
        var stream = RandomStream(seed: seed, index: 0)
        return (0..<n).map { _ in draw(&stream) }
    }

    @Test("xoshiro256++ and SplitMix64 give the reference implementations' outputs")
    func referenceOutputs() {
        // Vigna's reference C code: xoshiro256++ from state {1, 2, 3, 4}; SplitMix64 from 1234567.
        var stream = RandomStream(state: (1, 2, 3, 4))
        #expect((0..<4).map { _ in stream.next() } == [41943041, 58720359, 3588806011781223, 3591011842654386])
        var state: UInt64 = 1234567
        #expect((0..<3).map { _ in RandomStream.splitMix(&state) }
            == [6457827717110365317, 3203168211198807973, 9817491932198370423])
    }

    @Test("a stream is a function of (seed, index): equal on rerun, different for another seed or index")
    func reproducible() {
        func first(_ seed: UInt64, _ index: UInt64) -> [UInt64] {
            var s = RandomStream(seed: seed, index: index)
            return (0..<8).map { _ in s.next() }
        }
        #expect(first(1, 5) == first(1, 5))
        #expect(first(1, 5) != first(2, 5))
        #expect(first(1, 5) != first(1, 6))
        #expect(RandomStream(seed: 1, indices: [3, 4]).uniformPrefix(4) == RandomStream(seed: 1, indices: [3, 4]).uniformPrefix(4))
        #expect(RandomStream(seed: 1, indices: [3, 4]).uniformPrefix(4) != RandomStream(seed: 1, indices: [4, 3]).uniformPrefix(4))
        // Neighbouring streams are uncorrelated: the first draws of 20,000 streams are uniform.
        let firsts = (0..<20_000).map { i -> Double in
            var s = RandomStream(seed: 9, index: UInt64(i))
            return s.uniform()
        }
        #expect(Self.ksDistance(firsts) { min(max($0, 0), 1) } < Self.ksCritical(firsts.count))
    }

    @Test("uniform: mean 1/2, variance 1/12, KS fit, always inside (0, 1)")
    func uniform() {
        let x = Self.draws { $0.uniform() }
        let m = Self.meanAndVariance(x)
        #expect(abs(m.mean - 0.5) < 4 * (1.0 / 12 / Double(Self.n)).squareRoot())
        #expect(abs(m.variance - 1.0 / 12) < 0.01 / 12 * 5)
        #expect(x.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(Self.ksDistance(x) { $0 } < Self.ksCritical(x.count))
    }

    @Test("exponential(rate 0.4): mean 2.5, variance 6.25, KS fit")
    func exponential() {
        let rate = 0.4
        let x = Self.draws { $0.exponential(rate: rate) }
        let m = Self.meanAndVariance(x)
        #expect(abs(m.mean - 1 / rate) < 4 * (1 / rate) / Double(Self.n).squareRoot())
        // Var of the sample variance of an exponential: (μ4 − σ⁴) / n = 8 / (rate⁴ n).
        #expect(abs(m.variance - 1 / (rate * rate)) < 4 * (8 / pow(rate, 4) / Double(Self.n)).squareRoot())
        #expect(Self.ksDistance(x) { 1 - exp(-rate * $0) } < Self.ksCritical(x.count))
    }

    @Test("Weibull(shape 1.5, scale 10): mean and variance from the gamma function, KS fit")
    func weibull() {
        let shape = 1.5, scale = 10.0
        let x = Self.draws { $0.weibull(shape: shape, scale: scale) }
        let m = Self.meanAndVariance(x)
        let mean = scale * tgamma(1 + 1 / shape)
        let variance = scale * scale * (tgamma(1 + 2 / shape) - pow(tgamma(1 + 1 / shape), 2))
        #expect(abs(m.mean - mean) < 4 * (variance / Double(Self.n)).squareRoot())
        #expect(abs(m.variance / variance - 1) < 0.03)
        #expect(Self.ksDistance(x) { 1 - exp(-pow($0 / scale, shape)) } < Self.ksCritical(x.count))
    }

    @Test("normal(3, 2): mean, variance, skewness ~ 0, KS fit")
    func normal() {
        let x = Self.draws { $0.normal(mean: 3, sd: 2) }
        let m = Self.meanAndVariance(x)
        #expect(abs(m.mean - 3) < 4 * 2 / Double(Self.n).squareRoot())
        #expect(abs(m.variance / 4 - 1) < 4 * (2 / Double(Self.n)).squareRoot())
        let skew = x.reduce(0) { $0 + pow(($1 - m.mean) / m.variance.squareRoot(), 3) } / Double(Self.n)
        #expect(abs(skew) < 4 * (6 / Double(Self.n)).squareRoot())
        #expect(Self.ksDistance(x) { 1 - Distributions.normalUpperTail(($0 - 3) / 2) } < Self.ksCritical(x.count))
    }

    @Test("Bernoulli(0.3): mean, chi-square fit")
    func bernoulli() {
        var stream = RandomStream(seed: 2026, index: 1)
        var ones = 0
        for _ in 0..<Self.n where stream.bernoulli(0.3) { ones += 1 }
        #expect(abs(Double(ones) / Double(Self.n) - 0.3) < 4 * (0.21 / Double(Self.n)).squareRoot())
        #expect(Self.chiSquareP([Self.n - ones, ones], [0.7, 0.3]) > 0.001)
    }

    @Test("categorical: frequencies fit by chi-square; a zero-probability level is never drawn")
    func categorical() {
        let p = [0.45, 0.3, 0.0, 0.2, 0.05]
        var stream = RandomStream(seed: 2026, index: 2)
        var counts = [Int](repeating: 0, count: p.count)
        for _ in 0..<Self.n { counts[stream.categorical(p)] += 1 }
        #expect(counts[2] == 0)
        let kept = [0, 1, 3, 4]
        #expect(Self.chiSquareP(kept.map { counts[$0] }, kept.map { p[$0] }) > 0.001)
    }

    @Test("exact reproducibility of every draw kind across runs")
    func drawsReproduce() {
        func sequence() -> [Double] {
            var s = RandomStream(seed: 77, index: 3)
            return [s.uniform(), s.exponential(rate: 2), s.weibull(shape: 2, scale: 3), s.normal(), s.normal(),
                    s.bernoulli(0.5) ? 1 : 0, Double(s.categorical([0.2, 0.8]))]
        }
        #expect(sequence() == sequence())
    }
}

extension RandomStream {
    func uniformPrefix(_ count: Int) -> [Double] {
        var copy = self
        return (0..<count).map { _ in copy.uniform() }
    }
}
