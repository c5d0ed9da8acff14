/// Parses the `resources:` sizes and durations the way SLURM users write them.
public enum ResourceFormat {
    /// `512M`, `2G`, `1.5T`, `100` (megabytes, as sbatch assumes) → megabytes.
    public static func memoryMegabytes(_ text: String) -> Int? {
        var digits = text.uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var factor = 1.0
        switch digits.last {
        case "K": factor = 1.0 / 1024
        case "M": factor = 1
        case "G": factor = 1024
        case "T": factor = 1024 * 1024
        default: break
        }
        if let last = digits.last, last.isLetter { digits.removeLast() }
        guard let value = Double(digits), value > 0 else { return nil }
        return max(1, Int((value * factor).rounded(.up)))
    }

    /// `90s`, `30m`, `2h`, `1d`, `45` (minutes), `MM:SS`, `HH:MM:SS`, `D-HH:MM:SS` → minutes, rounded up.
    public static func timeMinutes(_ text: String) -> Int? {
        if let last = text.last, last.isLetter {
            guard let value = Double(text.dropLast()), value > 0 else { return nil }
            let minutes: Double
            switch last {
            case "s": minutes = value / 60
            case "m": minutes = value
            case "h": minutes = value * 60
            case "d": minutes = value * 1440
            default: return nil
            }
            return max(1, Int(minutes.rounded(.up)))
        }
        var days = 0
        var clock = Substring(text)
        if let dash = text.firstIndex(of: "-") {
            guard let d = Int(text[..<dash]), d >= 0 else { return nil }
            days = d
            clock = text[text.index(after: dash)...]
        }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        let p = parts.map { $0! }
        let seconds: Int
        switch p.count {
        case 1: seconds = p[0] * 60
        case 2: seconds = p[0] * 60 + p[1]
        default: seconds = p[0] * 3600 + p[1] * 60 + p[2]
        }
        let total = days * 86400 + seconds
        guard total > 0 else { return nil }
        return (total + 59) / 60
    }
}
