/// A `resources:` value that may grow with the attempt number, so a retry after a job was killed
/// for memory or time asks for more (issue 17 item 3).
///
/// Grammar (spaces around `+` and `*` are optional):
/// ```
/// expression := term ( "+" term )*
/// term       := VALUE | VALUE "*" "attempt" | "attempt" "*" VALUE
/// ```
/// `VALUE` is a size (`512M`, `2G`, `1.5T`, `100` = megabytes) for `memory`, a duration (`90s`,
/// `30m`, `2h`, `1d`, `45` = minutes, `HH:MM:SS`, `D-HH:MM:SS`) for `time`; `attempt` is 1 for the
/// first try, 2 for the first retry, … So `2G * attempt` asks 2G, 4G, 6G and `1G + 1G * attempt`
/// asks 2G, 3G, 4G. A plain value is the same on every attempt.
public struct ResourceExpression: Sendable, Equatable {
    /// Which setting the expression is for: it decides the units of `VALUE`.
    public enum Kind: String, Sendable {
        case memory, time
    }

    /// One `VALUE` or `VALUE * attempt`, in megabytes (memory) or seconds (time).
    struct Term: Sendable, Equatable {
        var amount: Double
        var perAttempt: Bool
    }

    /// The setting it is for.
    public let kind: Kind
    let terms: [Term]

    /// Whether `text` has no operator: a plain value (valid or not), never evaluated.
    static func isPlain(_ text: String) -> Bool { !text.contains("+") && !text.contains("*") }

    /// Whether the value changes with the attempt number.
    public var dependsOnAttempt: Bool { terms.contains(where: \.perAttempt) }

    /// Parses `text`; the error says what is wrong, and how to write it, without the location.
    public static func parse(_ text: String, kind: Kind) -> Result<ResourceExpression, ResourceExpressionError> {
        // A plain value is checked exactly as written (no trimming): it is passed on as written.
        if isPlain(text) && !text.contains("attempt") {
            guard let amount = value(text, kind: kind) else {
                return .failure(ResourceExpressionError(kind: kind, text: text, problem: .badValue(text)))
            }
            return .success(ResourceExpression(kind: kind, terms: [Term(amount: amount, perAttempt: false)]))
        }
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        var terms: [Term] = []
        for part in parts {
            switch parseTerm(part, kind: kind) {
            case .success(let term): terms.append(term)
            case .failure(let problem): return .failure(ResourceExpressionError(kind: kind, text: text, problem: problem))
            }
        }
        let expression = ResourceExpression(kind: kind, terms: terms)
        // 101 attempts: `retries` goes up to 100.
        guard expression.amount(attempt: 101) <= expression.limit else {
            return .failure(ResourceExpressionError(kind: kind, text: text, problem: .tooLarge))
        }
        return .success(expression)
    }

    private static func parseTerm(_ part: Substring, kind: Kind) -> Result<Term, ResourceExpressionError.Problem> {
        let factors = part.split(separator: "*", omittingEmptySubsequences: false).map { $0.trimmingBlanks() }
        if factors.contains(where: \.isEmpty) { return .failure(.emptyTerm) }
        guard factors.count <= 2 else { return .failure(.tooManyFactors(part.trimmingBlanks())) }
        let values = factors.filter { $0 != "attempt" }
        // A misspelt `attempt` (`attempts`) is reported as what it is, not as a product of two values.
        if let bad = values.first(where: { value($0, kind: kind) == nil }) { return .failure(.badValue(bad)) }
        if factors.count == 2 && values.count != 1 {
            return .failure(values.isEmpty ? .attemptSquared : .productOfValues(values[0], values[1]))
        }
        if values.isEmpty { return .failure(.bareAttempt) }
        guard let amount = value(values[0], kind: kind) else { return .failure(.badValue(values[0])) }
        return .success(Term(amount: amount, perAttempt: factors.count == 2))
    }

    /// One `VALUE` in megabytes or seconds, or `nil`.
    private static func value(_ text: String, kind: Kind) -> Double? {
        switch kind {
        case .memory: return ResourceFormat.memoryMegabytes(text).map(Double.init)
        case .time: return ResourceFormat.timeSeconds(text)
        }
    }

    /// The most a value may come to: 1 EiB, or a century.
    private var limit: Double {
        kind == .memory ? Double(ResourceFormat.maxMegabytes) : Double(ResourceFormat.maxMinutes) * 60
    }

    private func amount(attempt: Int) -> Double {
        terms.reduce(0) { $0 + $1.amount * ($1.perAttempt ? Double(max(1, attempt)) : 1) }
    }

    /// Megabytes (memory) or minutes (time, rounded up) on attempt `attempt` (1-based), at most the limit.
    public func value(attempt: Int) -> Int {
        let amount = min(amount(attempt: attempt), limit)
        switch kind {
        case .memory: return max(1, Int(amount.rounded(.up)))
        case .time: return max(1, Int((amount / 60).rounded(.up)))
        }
    }

    /// The value on attempt `attempt`, written as the user would (`4G`, `1536M`, `2h`, `90m`).
    public func text(attempt: Int) -> String {
        let value = value(attempt: attempt)
        switch kind {
        case .memory:
            if value % (1024 * 1024) == 0 { return "\(value / (1024 * 1024))T" }
            return value % 1024 == 0 ? "\(value / 1024)G" : "\(value)M"
        case .time:
            if value % 1440 == 0 { return "\(value / 1440)d" }
            return value % 60 == 0 ? "\(value / 60)h" : "\(value)m"
        }
    }
}

/// A `memory` or `time` value that is neither a plain value nor an expression in `attempt`.
public struct ResourceExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What exactly is wrong.
    public enum Problem: Error, Sendable, Equatable {
        case emptyTerm
        case badValue(String)
        case bareAttempt
        case attemptSquared
        case productOfValues(String, String)
        case tooManyFactors(String)
        case tooLarge
    }

    /// The setting.
    public var kind: ResourceExpression.Kind
    /// The value as written.
    public var text: String
    /// What is wrong.
    public var problem: Problem

    public var description: String { message(subject: "'\(kind.rawValue)'") }

    /// `SUBJECT must be a size like 512M or 2G, got '…'` for a plain value; for an expression, the
    /// form it may take and the part that is wrong. `subject` names the setting (`'memory' of stage 'x'`).
    public func message(subject: String) -> String {
        let example = kind == .memory ? "512M or 2G" : "90s, 30m, 2h or 1-00:00:00"
        let scaled = kind == .memory ? "2G * attempt" : "30m * attempt"
        let what = kind == .memory ? "a size like \(example)" : "a duration like \(example)"
        if case .badValue(let value) = problem, value == text, !text.contains("attempt") {
            return "\(subject) must be \(what), got '\(text)'"
        }
        let head = "\(subject) must be \(what), or an expression in 'attempt' like '\(scaled)', got '\(text)'"
        switch problem {
        case .badValue(let value): return head + "; '\(value)' is not \(what)"
        case .emptyTerm: return head + "; a '+' or '*' has nothing on one side"
        case .bareAttempt: return head + "; 'attempt' alone has no unit, write '\(scaled)'"
        case .attemptSquared: return head + "; 'attempt * attempt' is not supported, write '\(scaled)'"
        case .productOfValues(let a, let b): return head + "; '\(a) * \(b)' multiplies two values, multiply one by 'attempt'"
        case .tooManyFactors(let term): return head + "; '\(term)' has more than one '*', write 'VALUE * attempt'"
        case .tooLarge: return head + "; by attempt 101 it exceeds \(kind == .memory ? "1 EiB" : "100 years")"
        }
    }
}

extension ResourceExpression {
    /// `text`'s value on attempt `attempt` as `ResourceExpression.text` writes it (`1G + 1G` too is
    /// written `2G`); a plain value (or one that does not parse, refused at load) as written.
    public static func evaluate(_ text: String?, kind: Kind, attempt: Int) -> String? {
        guard let text, !isPlain(text), case .success(let expression) = parse(text, kind: kind) else { return text }
        return expression.text(attempt: attempt)
    }
}

extension StageResources {
    /// The resources of attempt `attempt` (1-based): `memory` and `time` expressions in `attempt`
    /// evaluated (`2G * attempt` on attempt 2 is `4G`), plain values as written.
    public func forAttempt(_ attempt: Int) -> StageResources {
        var resources = self
        resources.memory = ResourceExpression.evaluate(memory, kind: .memory, attempt: attempt)
        resources.time = ResourceExpression.evaluate(time, kind: .time, attempt: attempt)
        return resources
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingBlanks() -> String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return String(s)
    }
}
