#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded random stream: xoshiro256++ (Blackman & Vigna, 2019) whose 256-bit state is filled by
/// SplitMix64 from a key derived from the seed and the item's index.
///
/// Every patient of a cohort and every replicate of a trial draws from its own stream
/// `RandomStream(seed: s, indices: [domain, i])`, so its numbers are a function of (seed, i) alone:
/// the same whether items are simulated in one loop, in chunks of 7 or 256, or on any number of
/// threads. Keys are derived by SplitMix64's finalizer (a bijection with full avalanche), so
/// neighbouring indices give unrelated states; xoshiro256++ has period 2^256 − 1, and the chance
/// that two of a billion streams of a billion draws overlap is below 2^-190.
///
/// ```swift
/// var stream = RandomStream(seed: 42, indices: [7])
/// let t = stream.exponential(rate: 0.1)
/// ```
public struct RandomStream: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second Box–Muller deviate, kept for the next `normal` call.
    private var spareNormal: Double?

    /// The stream of the item with index path `indices` under `seed`; each index narrows the key
    /// (e.g. `[cell, replicate]`).
    public init(seed: UInt64, indices: [UInt64] = []) {
        var key = Self.mix(seed)
        for index in indices { key = Self.mix(key ^ Self.mix(index &+ 0x6A09_E667_F3BC_C909)) }
        var state = key
        s0 = Self.splitMix(&state)
        s1 = Self.splitMix(&state)
        s2 = Self.splitMix(&state)
        s3 = Self.splitMix(&state)
        // The all-zero state is xoshiro's one fixed point; SplitMix64 outputs are a bijection of
        // distinct counters, so four zeros cannot occur, but stay safe.
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// A stream starting from the raw xoshiro256++ state, to check against the reference outputs.
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    /// The stream of item `index` under `seed`.
    public init(seed: UInt64, index: UInt64) {
        self.init(seed: seed, indices: [index])
    }

    /// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One SplitMix64 step: advances `state` by the golden-ratio increment and mixes it.
    static func splitMix(_ state: inout UInt64) -> UInt64 {
        let out = mix(state)
        state &+= 0x9E37_79B9_7F4A_7C15
        return out
    }

    /// The next 64 random bits (xoshiro256++).
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s0 &+ s3) << 23 | (s0 &+ s3) >> 41) &+ s0
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform draw on the open interval (0, 1): the top 53 bits plus half a step, so that
    /// `log(uniform())` is always finite.
    @inline(__always)
    public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A uniform draw on (a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * uniform()
    }

    /// An exponential draw with the given rate (mean 1 / rate), by inversion: −log(U) / rate.
    @inline(__always)
    public mutating func exponential(rate: Double) -> Double {
        -log(uniform()) / rate
    }

    /// A Weibull draw with survival exp(−(t / scale)^shape), by inversion.
    public mutating func weibull(shape: Double, scale: Double) -> Double {
        scale * pow(-log(uniform()), 1 / shape)
    }

    /// A normal draw by the Box–Muller transform; the pair's second value serves the next call,
    /// so draws stay a function of the stream alone.
    public mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return mean + sd * spare
        }
        let radius = (-2 * log(uniform())).squareRoot()
        let angle = 2 * Double.pi * uniform()
        spareNormal = radius * sin(angle)
        return mean + sd * radius * cos(angle)
    }

    /// True with probability `p`.
    @inline(__always)
    public mutating func bernoulli(_ p: Double) -> Bool {
        uniform() < p
    }

    /// An index drawn with the given probabilities (which sum to 1), by inversion of the
    /// cumulative sums; a draw past the rounded total goes to the last category with positive probability.
    public mutating func categorical(_ probabilities: [Double]) -> Int {
        let u = uniform()
        var cumulative = 0.0
        for (i, p) in probabilities.enumerated() {
            cumulative += p
            if u < cumulative { return i }
        }
        return probabilities.lastIndex { $0 > 0 } ?? probabilities.count - 1
    }
}
