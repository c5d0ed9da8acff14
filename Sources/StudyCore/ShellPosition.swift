/// Where a placeholder stands in a POSIX `sh` command: the quoting around it decides how its value
/// must be written so that it stays one literal string and never runs.
public struct ShellPosition: Sendable, Hashable {
    /// The quoting context of a placeholder.
    public enum Quoting: Sendable, Hashable {
        /// Unquoted: the value becomes single-quoted words (always quoted when `forceQuotes`, e.g. after `~`).
        case word(forceQuotes: Bool)
        /// Inside `'…'`: the quote is closed, the quoted value inserted, the quote reopened.
        case singleQuoted
        /// Inside `"…"`: `$`, `` ` ``, `"` and `\` are backslash-escaped; `separate` starts with
        /// `""` so the value cannot lengthen a `$NAME` written just before it.
        case doubleQuoted(separate: Bool)
        /// Directly in the word of `"${VAR:-…}"`: a nested `"…"` with the value escaped.
        case parameterWord
        /// Inside a `#` comment: newlines become spaces so the value cannot end the comment.
        case comment
        /// A position where no quoting makes the value safe; the loader refuses it.
        case rejected(Problem)
    }

    /// Why a position cannot hold a placeholder.
    public enum Problem: Sendable, Hashable {
        case arithmetic, hereDocument, hereDocumentDelimiter, afterBackslash, afterDollar, parameterName, dollarQuote,
             ambiguousArithmetic, tooDeep
    }

    /// The quoting context at the innermost level.
    public var quoting: Quoting
    /// How many backtick command substitutions enclose the placeholder; each re-parses its text.
    public var backticks: Int

    /// Creates a position.
    public init(_ quoting: Quoting, backticks: Int = 0) {
        self.quoting = quoting
        self.backticks = backticks
    }

    /// The problem that makes this position unusable, if any.
    public var problem: Problem? {
        if case .rejected(let problem) = quoting { return problem }
        return nil
    }

    /// `values` written for this position: they read back as the same bytes, and nothing in them
    /// is expanded or run. Lists become separate words unquoted and one space-joined string inside quotes.
    public func render(_ values: [String]) -> String {
        if case .word(let force) = quoting, backticks == 0, values.count == 1 {
            return ShellQuote.word(values[0], forceQuotes: force)  // the common case, on every run
        }
        let joined = values.joined(separator: " ")
        var text: String
        switch quoting {
        case .word(let force): text = values.map { ShellQuote.word($0, forceQuotes: force) }.joined(separator: " ")
        case .singleQuoted: text = "'" + ShellQuote.quote(joined) + "'"
        case .doubleQuoted(let separate): text = (separate ? "\"\"" : "") + ShellQuote.escapeForDoubleQuotes(joined)
        case .parameterWord: text = "\"" + ShellQuote.escapeForDoubleQuotes(joined) + "\""
        case .comment: text = ShellQuote.quote(joined.replacingAll("\n", with: " "))
        case .rejected: text = ""
        }
        for _ in 0..<backticks { text = ShellQuote.escapeForBackticks(text) }
        return text
    }
}
