/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator so property tests draw the same
/// values on every run and platform, and a failing case can be replayed from its seed.
public struct SplitMix: RandomNumberGenerator, Sendable {
    public var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [0, 1) from the top 53 bits.
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
