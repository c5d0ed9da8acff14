/// Globally unique run ids. Run numbers restart when `.studyflow/` is deleted and repeat across
/// git worktrees that share `refs/studyflow/runs`; an id names one run everywhere.
///
/// Ids are random (UUID version 4, 122 random bits from the system's secure generator) rather than
/// time-ordered (UUIDv7, ULID): the ledger's commits already order runs, and random ids make short
/// prefixes unambiguous, as git's short commit ids are, so `reproduce 3f9c2a1e` works.
public enum RunID {
    /// A fresh id, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` in lowercase hex.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let digits = Array("0123456789abcdef")
        var text = ""
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append("-") }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }

    /// The first 8 hex digits, as `log` shows an id.
    public static func short(_ id: String) -> String { String(id.prefix(8)) }

    /// Shortest prefix accepted as a reference, so that a typo of one or two characters does not
    /// silently name a run.
    public static let minimumPrefix = 4

    /// Whether `text` can be a prefix of an id or a commit id: hex digits and dashes, long enough.
    static func isPrefix(_ text: String) -> Bool {
        text.count >= minimumPrefix && text.allSatisfy { $0.isHexDigit || $0 == "-" }
    }
}
