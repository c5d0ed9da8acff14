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
        for text in ["1e23", "1e-23", "9007199254740993", "12345678901234567890", "0.1234567890123456789012345", "1e",
                     "1e+", "1.5e", "e5", ".", "-", "", " 1", "1 ", "1-2", "NA", "1,5", "0x10", "1.2.3", "+-1", "1e5.0"] {
            #expect(NumberFormat.exactDecimal(text) == nil, "\(text)")
        }
        #expect(NumberFormat.parse("1e23") == 1e23)
        #expect(NumberFormat.parse(" 2.5 ") == 2.5)
        #expect(NumberFormat.parse("9007199254740993") == 9_007_199_254_740_992)
        #expect(NumberFormat.parse("-0")?.sign == .minus)
        #expect(NumberFormat.exactDecimal("-0")?.sign == .minus)
        #expect(NumberFormat.exactDecimal("-0.0e7")?.sign == .minus)
        #expect(NumberFormat.parse("inf") == nil && NumberFormat.parse("0x10") == nil && NumberFormat.parse("1e400") == nil)
    }

    @Test("exponents, 16 to 20 digits, leading zeros and bare points read bit for bit as Double(_:) on 200,000 seeded spellings")
    func widerSpellingsMatchDouble() {
        var state: UInt64 = 0xD1B5_4A32_D192_ED03
        func next(_ bound: UInt64) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 17) % bound)
        }
        func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(next(10))) }) }
        var fast = 0
        var differences: [String] = []
        for _ in 0..<200_000 {
            var text = ["", "-", "+"][next(3)] + String(repeating: "0", count: next(4) == 0 ? next(5) : 0)
            let whole = next(12), after = next(12)
            text += digits(whole)
            if next(3) > 0 || whole == 0 { text += "." + digits(after) }
            if next(2) == 0 { text += ["e", "E"][next(2)] + ["", "-", "+"][next(3)] + String(next(40)) }
            // The reference: Swift's correctly rounded parser, finite values only, as parse promises.
            let expected = Double(text).flatMap { $0.isFinite ? $0 : nil }
            var copy = text
            let fromBytes = copy.withUTF8 { NumberFormat.parse(bytes: $0) }
            if let exact = NumberFormat.exactDecimal(text) {
                fast += 1
                if exact.bitPattern != expected?.bitPattern { differences.append("exactDecimal '\(text)': \(exact)") }
            }
            if fromBytes?.bitPattern != expected?.bitPattern || NumberFormat.parse(text)?.bitPattern != expected?.bitPattern {
                differences.append("parse '\(text)': \(String(describing: fromBytes)) vs \(String(describing: expected))")
            }
        }
        #expect(differences.prefix(20) == [])
        #expect(fast > 100_000)
    }

    @Test("round trips: the shortest spelling of 100,000 seeded doubles of every magnitude reads back to the same bits")
    func roundTrips() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        var differences: [String] = []
        for k in 0..<100_000 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            // Half random bit patterns (every magnitude), half short decimals scaled by a power of ten.
            let d = k % 2 == 0 ? Double(bitPattern: state) : Double(Int64(bitPattern: state) % 100_000_000) / 1000
            guard d.isFinite else { continue }
            for text in [NumberFormat.format(d), "\(d)", String(exponentForm: d)] {
                var copy = text
                let read = copy.withUTF8 { NumberFormat.parse(bytes: $0) }
                if read?.bitPattern != Double(text)?.bitPattern { differences.append("'\(text)'") }
            }
        }
        #expect(differences.prefix(20) == [])
    }
}

private extension String {
    /// `d`'s shortest digits as one integer and an exponent (`0.00123` → `123e-5`), as some writers spell numbers.
    init(exponentForm d: Double) {
        let text = "\(d)"
        let parts = text.split(separator: "e")
        var exponent = parts.count > 1 ? Int(parts[1])! : 0
        var mantissa = String(parts[0])
        if let point = mantissa.firstIndex(of: ".") {
            exponent -= mantissa.distance(from: point, to: mantissa.endIndex) - 1
            mantissa.remove(at: point)
        }
        self = mantissa + "e" + String(exponent)
    }
}
