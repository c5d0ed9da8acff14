/// A `run:` command split into literal text and `${…}` placeholders, kept unexpanded so
/// `--param` overrides can be applied on every run without reparsing the workflow.
///
/// Only `${inputs…}`, `${outputs…}` and `${params…}` are placeholders; any other `${NAME}` is
/// left for the shell, so `${HOME}` keeps working.
public struct CommandTemplate: Sendable, Equatable, Hashable {
    /// The command as written.
    public var text: String
    /// The text split into pieces.
    public var segments: [Segment]

    /// A piece of a command template.
    public enum Segment: Sendable, Equatable, Hashable {
        case literal(String)
        case placeholder(Placeholder)
    }

    /// Splits `text` into segments. Malformed placeholders (`${inputs.}`) become `.invalid` ones,
    /// reported by the validator with the position of the `${`.
    public init(_ text: String) {
        self.text = text
        var segments: [Segment] = []
        var literal = ""
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == "$", text.index(after: i) < text.endIndex, text[text.index(after: i)] == "{",
               let close = text[i...].firstIndex(of: "}") {
                let bodyStart = text.index(i, offsetBy: 2)
                let body = String(text[bodyStart..<close])
                if let placeholder = Placeholder(body: body, offset: text.unicodeScalars.distance(from: text.startIndex, to: i)) {
                    if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
                    segments.append(.placeholder(placeholder))
                    i = text.index(after: close)
                    continue
                }
            }
            literal.append(text[i])
            i = text.index(after: i)
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    /// Every placeholder, in order.
    public var placeholders: [Placeholder] {
        segments.compactMap { if case .placeholder(let p) = $0 { return p } else { return nil } }
    }

    /// The command with every placeholder replaced by `resolve`'s shell-quoted words.
    public func expand(_ resolve: (Placeholder) -> [String]) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let s): out += s
            case .placeholder(let p): out += resolve(p).map(ShellQuote.quote).joined(separator: " ")
            }
        }
        return out
    }
}

/// A `${scope}` or `${scope.name}` reference inside a command.
public struct Placeholder: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// What a placeholder refers to.
    public enum Scope: String, Sendable, CaseIterable {
        case inputs, outputs, params
    }
    /// The scope as written; `nil` when the scope is not one of ours (e.g. `${input.raw}`).
    public var scope: Scope?
    /// The scope word as written.
    public var scopeText: String
    /// The name after the dot, or `nil` for `${inputs}` / `${outputs}`.
    public var name: String?
    /// Offset of the `$` in the command text, in Unicode scalars, for diagnostics.
    public var offset: Int

    /// Parses a placeholder body (`inputs.raw`); returns `nil` for text the shell owns (`HOME`, `#x`).
    init?(body: String, offset: Int) {
        self.offset = offset
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let head = String(parts[0])
        guard !head.isEmpty, head.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        scopeText = head
        scope = Scope(rawValue: head)
        if parts.count == 2 {
            name = String(parts[1])
        } else {
            // `${inputs}` is ours; a plain `${NAME}` belongs to the shell.
            guard let scope, scope != .params else { return nil }
            name = nil
        }
    }

    public var description: String { "${" + scopeText + (name.map { "." + $0 } ?? "") + "}" }
}

/// POSIX shell quoting: a word comes back as exactly one word, whatever it contains.
public enum ShellQuote {
    /// `word` unchanged when it holds only safe characters, else wrapped in single quotes.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.utf8.allSatisfy(isSafe) { return word }
        return "'" + word.replacingAll("'", with: "'\\''") + "'"
    }

    private static func isSafe(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "_-./+=:,@%".utf8.contains(c)
        }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}

extension Substring {
    func firstRange(of target: String) -> Range<Substring.Index>? {
        guard let first = target.first else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i] == first, self[i...].hasPrefix(target) {
                return i..<index(i, offsetBy: target.count)
            }
            i = index(after: i)
        }
        return nil
    }
}
