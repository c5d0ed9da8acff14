import Testing
@testable import StudyStages

/// The fast decimal path of `NumberFormat.parse` must give bit for bit what Swift's correctly
/// rounded `Double(_:)` gives, and leave everything it does not handle to it.
@Suite struct NumberFormatTests {
    @Test("exactDecimal equals Double(_:) bit for bit on 50,000 seeded decimals, and parse agrees")
    func exactDecimalMatchesDouble() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        var checked = 0
        for _ in 0..<50_000 {
            let before = String(next() % 10_000_000_000)
            let after = String(next() % 100_000_000)
            let zeros = String(repeating: "0", count: Int(next() % 6))
            let sign = ["", "-", "+"][Int(next() % 3)]
            let text: String
            switch next() % 3 {
            case 0: text = sign + before
            case 1: text = sign + before + "." + zeros + after
            default: text = sign + String(next() % 1000) + "." + zeros + after + String(next() % 1000)
            }
            let expected = Double(text)!
            if let fast = NumberFormat.exactDecimal(text) {
                #expect(fast.bitPattern == expected.bitPattern, "\(text)")
                checked += 1
            }
            #expect(NumberFormat.parse(text)?.bitPattern == expected.bitPattern, "\(text)")
        }
        #expect(checked > 20_000)
    }

    @Test("the fast path declines what it cannot do exactly; parse still handles it")
    func declines() {
        for text in ["1e5", "1.", ".5", "-", "", " 1", "1234567890123456", "0.1234567890123456789012345", "1-2", "NA", "1,5"] {
            #expect(NumberFormat.exactDecimal(text) == nil, "\(text)")
        }
        #expect(NumberFormat.parse("1e5") == 100_000)
        #expect(NumberFormat.parse(" 2.5 ") == 2.5)
        #expect(NumberFormat.parse("1234567890123456") == 1_234_567_890_123_456)
        #expect(NumberFormat.parse("-0")?.sign == .minus)
        #expect(NumberFormat.exactDecimal("-0")?.sign == .minus)
        #expect(NumberFormat.parse("inf") == nil && NumberFormat.parse("0x10") == nil)
    }
}
