/// Parses the `resources:` sizes and durations the way SLURM users write them.
public enum ResourceFormat {
    /// Largest accepted memory request: 1 EiB in megabytes.
    static let maxMegabytes = 1 << 40
    /// Largest accepted duration: 100 years in minutes.
    static let maxMinutes = 100 * 366 * 1440

    /// `512M`, `2G`, `1.5T`, `100` (megabytes, as sbatch assumes), with an optional `B` → megabytes.
    /// Returns `nil` for an unknown unit, a non-positive or non-finite value, or an absurd size.
    public static func memoryMegabytes(_ text: String) -> Int? {
        var digits = text.uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var factor = 1.0
        if let last = digits.last, !last.isNumber, last != "." {
            switch last {
            case "K": factor = 1.0 / 1024
            case "M": factor = 1
            case "G": factor = 1024
            case "T": factor = 1024 * 1024
            default: return nil
            }
            digits.removeLast()
        }
        guard digits.first?.isNumber == true || digits.first == ".", let value = Double(digits),
              value.isFinite, value > 0 else { return nil }
        let megabytes = (value * factor).rounded(.up)
        guard megabytes <= Double(maxMegabytes) else { return nil }
        return max(1, Int(megabytes))
    }

    /// `90s`, `30m`, `2h`, `1d`, `45` (minutes), `MM:SS`, `HH:MM:SS`, `D-HH:MM:SS` → minutes, rounded
    /// up. Returns `nil` for anything else, zero, or more than a century.
    public static func timeMinutes(_ text: String) -> Int? {
        if let last = text.last, last.isLetter {
            let number = text.dropLast()
            guard number.first?.isNumber == true || number.first == ".", let value = Double(number),
                  value.isFinite, value > 0 else { return nil }
            let minutes: Double
            switch last {
            case "s": minutes = value / 60
            case "m": minutes = value
            case "h": minutes = value * 60
            case "d": minutes = value * 1440
            default: return nil
            }
            guard minutes.rounded(.up) <= Double(maxMinutes) else { return nil }
            return max(1, Int(minutes.rounded(.up)))
        }
        var days = 0
        var clock = Substring(text)
        if let dash = text.firstIndex(of: "-") {
            guard let d = Int(text[..<dash]), d >= 0, d <= maxMinutes / 1440 else { return nil }
            days = d
            clock = text[text.index(after: dash)...]
        }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.count <= 3,
              parts.allSatisfy({ $0 != nil && $0! >= 0 && $0! <= maxMinutes }) else { return nil }
        let p = parts.map { $0! }
        let seconds: Int
        switch p.count {
        case 1: seconds = p[0] * 60
        case 2: seconds = p[0] * 60 + p[1]
        default: seconds = p[0] * 3600 + p[1] * 60 + p[2]
        }
        let total = days * 86400 + seconds
        guard total > 0, total / 60 <= maxMinutes else { return nil }
        return (total + 59) / 60
    }

    /// A duration as `timeMinutes` reads it, in seconds, not rounded (`90s` is 90, `1.5h` 5400),
    /// so `90s * attempt` grows by 90 s; `nil` where `timeMinutes` is `nil`.
    public static func timeSeconds(_ text: String) -> Double? {
        guard timeMinutes(text) != nil else { return nil }
        if let last = text.last, last.isLetter, let value = Double(text.dropLast()) {
            switch last {
            case "s": return value
            case "m": return value * 60
            case "h": return value * 3600
            default: return value * 86400
            }
        }
        var days = 0.0
        var clock = Substring(text)
        if let dash = text.firstIndex(of: "-"), let d = Double(text[..<dash]) {
            days = d
            clock = text[text.index(after: dash)...]
        }
        let p = clock.split(separator: ":", omittingEmptySubsequences: false).compactMap { Double($0) }
        switch p.count {
        case 1: return days * 86400 + p[0] * 60
        case 2: return days * 86400 + p[0] * 60 + p[1]
        default: return days * 86400 + p[0] * 3600 + p[1] * 60 + p[2]
        }
    }
}
