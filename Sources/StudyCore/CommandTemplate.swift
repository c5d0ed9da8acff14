/// A `run:` command split into literal text and `${…}` placeholders, kept unexpanded so
/// `--param` overrides can be applied on every run without reparsing the workflow.
///
/// Only `${inputs…}`, `${outputs…}`, `${params…}`, `${each…}` and `${matrix…}` are placeholders;
/// any other `${NAME}` is left for the shell, so `${HOME}` keeps working.
public struct CommandTemplate: Sendable, Equatable, Hashable {
    /// The command as written.
    public var text: String
    /// The text split into pieces; each placeholder knows its shell quoting context.
    public var segments: [Segment]
    /// Offset (in Unicode scalars) of a `${` that no `}` closes, for a load diagnostic.
    public var unclosedOffset: Int?

    /// A piece of a command template.
    public enum Segment: Sendable, Equatable, Hashable {
        case literal(String)
        case placeholder(Placeholder)
    }

    /// Splits `text` into segments. Scans UTF-8 bytes: compiled workflows re-split every stage's
    /// command on each run, so this is on the no-op path.
    public init(_ text: String) {
        self.text = text
        var segments: [Segment] = []
        let bytes = Array(text.utf8)
        var literalStart = 0
        var scalarsBefore = 0
        var i = 0
        // Past the last `}` no `${` can close: skip the scan there (no quadratic time on many `${`).
        let lastClose = bytes.lastIndex(of: UInt8(ascii: "}")) ?? -1
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "$"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{"), i + 2 <= lastClose,
               let close = bytes[(i + 2)...].firstIndex(of: UInt8(ascii: "}")) {
                let body = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
                if let placeholder = Placeholder(body: body, offset: scalarsBefore) {
                    if literalStart < i {
                        segments.append(.literal(String(decoding: bytes[literalStart..<i], as: UTF8.self)))
                    }
                    segments.append(.placeholder(placeholder))
                    scalarsBefore += CommandTemplate.scalarCount(bytes[i...close])
                    i = close + 1
                    literalStart = i
                    continue
                }
            } else if bytes[i] == UInt8(ascii: "$"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{"), unclosedOffset == nil {
                unclosedOffset = scalarsBefore
            }
            // Count scalars (not continuation bytes) so offsets match libyaml's columns.
            if bytes[i] & 0xC0 != 0x80 { scalarsBefore += 1 }
            i += 1
        }
        if literalStart < bytes.count {
            segments.append(.literal(String(decoding: bytes[literalStart...], as: UTF8.self)))
        }
        // Kept exactly sized: grown by doubling, a six-piece command held room for eight, and every
        // stage of a compiled workflow keeps its template through the whole run.
        if segments.capacity > segments.count {
            var exact: [Segment] = []
            exact.reserveCapacity(segments.count)
            exact.append(contentsOf: segments)
            segments = exact
        }
        self.segments = segments
        if segments.contains(where: { if case .placeholder = $0 { return true } else { return false } }) {
            locatePlaceholders()
        }
    }

    /// Finds each placeholder's quoting context with `ShellLexer`. Literal text without any byte
    /// that changes quoting (quotes, backslash, dollar, backtick, `#`, `~`, `<`) leaves every
    /// placeholder a plain unquoted word,
    /// the default: most commands skip the lexer (compiled workflows re-split on every run).
    private mutating func locatePlaceholders() {
        let special: (UInt8) -> Bool = { c in
            switch c {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "$"), UInt8(ascii: "`"),
                 UInt8(ascii: "#"), UInt8(ascii: "~"), UInt8(ascii: "<"): return true
            default: return false
            }
        }
        guard segments.contains(where: { if case .literal(let s) = $0 { return s.utf8.contains(where: special) } else { return false } }) else {
            return
        }
        var units: [ShellLexer.Unit] = []
        units.reserveCapacity(text.utf8.count)
        var holes = 0
        for segment in segments {
            switch segment {
            case .literal(let s): units.append(contentsOf: s.utf8.lazy.map { ShellLexer.Unit.byte($0) })
            case .placeholder: units.append(.hole(holes)); holes += 1
            }
        }
        var positions = ShellLexer.positions(of: units, holes: holes).makeIterator()
        for index in segments.indices {
            if case .placeholder(var p) = segments[index] {
                p.position = positions.next()!
                segments[index] = .placeholder(p)
            }
        }
    }

    private static func scalarCount(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) }
    }

    /// Every placeholder, in order.
    public var placeholders: [Placeholder] {
        segments.compactMap { if case .placeholder(let p) = $0 { return p } else { return nil } }
    }

    /// The command with every placeholder replaced by `resolve`'s values, quoted for the
    /// placeholder's context so that each stays literal text; a refused position (the loader
    /// reports it) expands to nothing.
    public func expand(_ resolve: (Placeholder) -> [String]) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let s): out += s
            case .placeholder(let p): out += p.position.render(resolve(p))
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
        /// `${each.key}`, `${each.value[.FIELD…]}`: the item of a `foreach:` (or matrix) instance.
        case each
        /// `${matrix.AXIS}`: an axis value of a `matrix:` instance.
        case matrix

        /// Scopes whose value comes from a fan-out instance's item, not from the stage.
        public var isItem: Bool { self == .each || self == .matrix }
    }
    /// The scope as written; `nil` when the scope is not one of ours (e.g. `${input.raw}`).
    public var scope: Scope?
    /// The scope word as written.
    public var scopeText: String
    /// The name after the dot, or `nil` for `${inputs}` / `${outputs}`.
    public var name: String?
    /// Offset of the `$` in the command text, in Unicode scalars, for diagnostics.
    public var offset: Int
    /// The shell quoting context it stands in (meaningful for `run:` commands).
    public internal(set) var position = ShellPosition(.word(forceQuotes: false))

    /// Parses a placeholder body (`inputs.raw`); returns `nil` for text the shell owns (`HOME`, `#x`).
    init?(body: String, offset: Int) {
        self.offset = offset
        let utf8 = body.utf8
        let dot = utf8.firstIndex(of: UInt8(ascii: "."))
        let head = String(body[..<(dot ?? body.endIndex)])
        guard !head.isEmpty, head.utf8.allSatisfy({ c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_")
        }) else { return nil }
        scopeText = head
        scope = Scope(rawValue: head)
        if let dot {
            name = String(body[body.index(after: dot)...])
        } else {
            // `${inputs}` is ours; a plain `${NAME}` (`${params}`, `${each}` too) belongs to the shell.
            guard scope == .inputs || scope == .outputs else { return nil }
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

    /// `word` for an unquoted placeholder: like `quote`, but also quoted when bare text could
    /// be read as something other than a plain argument (a reserved word, an assignment, bash
    /// brace expansion's `,`, text after `~`).
    public static func word(_ word: String, forceQuotes: Bool = false) -> String {
        if !forceQuotes, !word.isEmpty, word.utf8.allSatisfy({ isSafe($0) && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: ",") }),
           word.utf8.count > 8 || !reservedWords.contains(word) {
            return word
        }
        return "'" + word.replacingAll("'", with: "'\\''") + "'"
    }

    /// Words `sh` (or bash as `sh`) treats as syntax at the start of a command.
    static let reservedWords: Set<String> = ["if", "then", "else", "elif", "fi", "do", "done", "case", "esac",
                                             "while", "until", "for", "in", "function", "select", "time"]

    /// `text` for the inside of `"…"`: `$`, `` ` ``, `"` and `\` lose their meaning.
    public static func escapeForDoubleQuotes(_ text: String) -> String {
        escape(text, bytes: "$`\"\\")
    }

    /// `text` for the inside of a backtick substitution, which removes one level of `\$`, `` \` `` and `\\`.
    public static func escapeForBackticks(_ text: String) -> String {
        escape(text, bytes: "$`\\")
    }

    private static func escape(_ text: String, bytes special: String) -> String {
        guard text.utf8.contains(where: { special.utf8.contains($0) }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        for c in text.utf8 {
            if special.utf8.contains(c) { out.append(UInt8(ascii: "\\")) }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
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
    /// Every occurrence of `target` replaced (no Foundation needed).
    public func replacingAll(_ target: String, with replacement: String) -> String {
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
