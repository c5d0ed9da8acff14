/// One mistake in a workflow file, printed as `file:line:column: error: message` like a compiler.
///
/// Workflow mistakes are collected and shown together; they are never thrown one at a time.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    /// Where the mistake is; `nil` only for problems with no place in a file (e.g. an unreadable file).
    public var location: SourceLocation?
    /// Lowercase text that quotes names with '…' and ends with a fix when one exists.
    public var message: String

    /// Creates a diagnostic at `location`.
    public init(_ message: String, at location: SourceLocation?) {
        self.message = message
        self.location = location
    }

    public var description: String {
        if let location { return "\(location): error: \(message)" }
        return "error: \(message)"
    }
}

/// The diagnostics of a workflow that failed to load; thrown once, holding every mistake found.
public struct WorkflowDiagnostics: Error, Sendable, CustomStringConvertible {
    /// Every mistake, sorted by position.
    public var diagnostics: [Diagnostic]

    /// Sorts `diagnostics` by file position so output is stable.
    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted { a, b in
            switch (a.location, b.location) {
            case let (l?, r?): return l == r ? a.message < b.message : l < r
            case (nil, _?): return true
            case (_?, nil): return false
            case (nil, nil): return a.message < b.message
            }
        }
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Suggests the closest known spelling for a misspelled name (`did you mean 'outputs'?`).
public enum Spelling {
    /// The candidate closest to `name` by edit distance, if it is close enough to be a likely
    /// typo; ties go to the alphabetically first, so the message never depends on hash order.
    public static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        var best: (String, Int)?
        let limit = max(1, name.count / 3 + 1)
        for candidate in candidates {
            let d = distance(name, candidate)
            guard d <= limit else { continue }
            if let current = best, d > current.1 || (d == current.1 && candidate >= current.0) { continue }
            best = (candidate, d)
        }
        return best?.0
    }

    /// `"; did you mean 'x'?"` or the empty string.
    public static func hint(for name: String, among candidates: some Sequence<String>) -> String {
        suggestion(for: name, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Levenshtein distance over Unicode scalars.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
