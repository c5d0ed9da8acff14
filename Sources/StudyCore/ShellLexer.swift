/// A small POSIX `sh` lexer that finds the quoting context of every placeholder in a command:
/// unquoted, `'…'`, `"…"`, `$(…)`, backticks, `${VAR:-…}`, `$((…))`, here-documents and comments.
///
/// It follows dash (Debian's `/bin/sh`) where shells differ, and where it cannot be sure it rejects.
struct ShellLexer {
    /// A byte of the command or a placeholder (by index).
    enum Unit: Equatable {
        case byte(UInt8)
        case hole(Int)
    }

    /// Deeper nesting than this is refused rather than followed (bounded recursion).
    static let maximumDepth = 64

    private var units: [Unit]
    private var i = 0
    private var depth: Int
    private let backticks: Int
    private var pendingHereDocuments: [(delimiter: [UInt8], stripTabs: Bool)] = []
    private(set) var positions: [Int: ShellPosition] = [:]
    /// Every word outside backticks as a range of `units`, and whether it starts a command
    /// (`CommandPrograms` reads the programs a command calls from them).
    private(set) var words: [(range: Range<Int>, startsCommand: Bool)] = []
    private(set) var aborted = false
    /// Why lexing stopped early; every placeholder not yet placed gets this problem.
    private(set) var abortProblem = ShellPosition.Problem.tooDeep

    init(units: [Unit], backticks: Int = 0, depth: Int = 0) {
        self.units = units
        self.backticks = backticks
        self.depth = depth
    }

    /// The position of every hole in `units`, which is a whole command.
    static func positions(of units: [Unit], holes: Int) -> [ShellPosition] {
        var lexer = ShellLexer(units: units)
        lexer.script(closesParenthesis: false)
        return (0..<holes).map { lexer.positions[$0] ?? ShellPosition(.rejected(lexer.abortProblem)) }
    }

    private func byte(at index: Int) -> UInt8? {
        guard index < units.count, case .byte(let c) = units[index] else { return nil }
        return c
    }

    /// Whether bare text at `index` would merge with what precedes it: a `$NAME` it would
    /// lengthen, or a `~` it would turn into a home directory.
    private func joinsPrevious(_ index: Int) -> Bool {
        guard index > 0, case .byte(let c) = units[index - 1] else { return false }
        return c == UInt8(ascii: "~") || followsVariableName(index)
    }

    private func followsVariableName(_ index: Int) -> Bool {
        var j = index - 1
        while j >= 0, case .byte(let c) = units[j], ShellLexer.isNameByte(c) { j -= 1 }
        guard j < index - 1, j >= 0, units[j] == .byte(UInt8(ascii: "$")), case .byte(let first) = units[j + 1] else { return false }
        return !(first >= 0x30 && first <= 0x39)
    }

    private mutating func record(_ hole: Int, _ quoting: ShellPosition.Quoting) {
        positions[hole] = ShellPosition(quoting, backticks: backticks)
    }

    /// Enters a nested construct; false (and the rest of the command abandoned) when too deep.
    private mutating func enter() -> Bool {
        depth += 1
        if depth > Self.maximumDepth {
            aborted = true
            i = units.count
            return false
        }
        return true
    }

    /// Commands up to the end or, with `closesParenthesis`, the `)` that closes `$(`.
    mutating func script(closesParenthesis: Bool) {
        guard enter() else { return }
        defer { depth -= 1 }
        var parentheses = 0, cases = 0
        var wordStart = true, commandStart = true, wordIsCommand = false
        var word: [UInt8] = []
        var wordBegin = 0
        // `case` and `esac` count only as the first word of a command; a pattern's `)` inside
        // `case` does not close `$(`.
        func endWord() {
            guard !word.isEmpty else { return }
            words.append((wordBegin..<i, wordIsCommand))
            if wordIsCommand, word == Array("case".utf8) { cases += 1 }
            if wordIsCommand, word == Array("esac".utf8), cases > 0 { cases -= 1 }
            commandStart = wordIsCommand && ShellLexer.leadsCommand.contains(word)
            word.removeAll()
        }
        func addToWord(_ c: UInt8) {
            if word.isEmpty { wordIsCommand = commandStart; wordBegin = i }
            word.append(c)
        }
        while i < units.count {
            guard case .byte(let c) = units[i] else {
                if case .hole(let h) = units[i] { record(h, .word(forceQuotes: joinsPrevious(i))) }
                addToWord(0)
                wordStart = false
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                endWord(); wordStart = true; i += 1
            case UInt8(ascii: "\n"):
                endWord(); wordStart = true; commandStart = true; i += 1
                readHereDocuments()
            case UInt8(ascii: "<") where byte(at: i + 1) == UInt8(ascii: "<"):
                endWord(); wordStart = true; i += 2
                hereDocumentOperator()
            case UInt8(ascii: "<"), UInt8(ascii: ">"):
                endWord(); wordStart = true; i += 1
            case UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"):
                endWord(); wordStart = true; commandStart = true; i += 1
            case UInt8(ascii: "("):
                endWord(); parentheses += 1; wordStart = true; commandStart = true; i += 1
            case UInt8(ascii: ")"):
                endWord(); wordStart = true; commandStart = true; i += 1
                if parentheses > 0 {
                    parentheses -= 1
                } else if cases == 0, closesParenthesis {
                    return
                }
            case UInt8(ascii: "#") where wordStart:
                comment()
            default:
                addToWord(c)
                wordStart = false
                quotingOrLiteral(c, inDoubleQuotes: false)
            }
        }
        endWord()
    }

    /// Reserved words after which the next word starts a command.
    static let leadsCommand: Set<[UInt8]> = Set(["then", "do", "else", "elif", "if", "while", "until", "!", "{", "}"].map { Array($0.utf8) })

    /// Handles a byte that may open quoting or an expansion; anything else is literal.
    private mutating func quotingOrLiteral(_ c: UInt8, inDoubleQuotes: Bool) {
        switch c {
        case UInt8(ascii: "'") where !inDoubleQuotes: singleQuoted()
        case UInt8(ascii: "\""): i += 1; doubleQuoted()
        case UInt8(ascii: "\\"): escape()
        case UInt8(ascii: "$"): dollar(inDoubleQuotes: inDoubleQuotes)
        case UInt8(ascii: "`"): backtick(inDoubleQuotes: inDoubleQuotes)
        default: i += 1
        }
    }

    /// `\x`: the next unit is literal; a placeholder there would have its quoting broken.
    private mutating func escape() {
        i += 1
        if i < units.count, case .hole(let h) = units[i] { record(h, .rejected(.afterBackslash)) }
        i += 1
    }

    private mutating func singleQuoted(refusing problem: ShellPosition.Problem? = nil) {
        i += 1
        while i < units.count {
            switch units[i] {
            case .byte(UInt8(ascii: "'")): i += 1; return
            case .hole(let h): record(h, problem.map { .rejected($0) } ?? .singleQuoted)
            case .byte: break
            }
            i += 1
        }
    }

    /// After an opening `"`, up to and past the closing one.
    private mutating func doubleQuoted() {
        guard enter() else { return }
        defer { depth -= 1 }
        while i < units.count {
            switch units[i] {
            case .byte(UInt8(ascii: "\"")): i += 1; return
            case .hole(let h): record(h, .doubleQuoted(separate: followsVariableName(i))); i += 1
            case .byte(let c): quotingOrLiteral(c, inDoubleQuotes: true)
            }
        }
    }

    private mutating func comment() {
        while i < units.count, units[i] != .byte(UInt8(ascii: "\n")) {
            if case .hole(let h) = units[i] { record(h, .comment) }
            i += 1
        }
    }

    /// At `$`: command substitution, arithmetic, parameter expansion or a literal dollar.
    private mutating func dollar(inDoubleQuotes: Bool) {
        if i + 1 < units.count, case .hole(let h) = units[i + 1] {
            record(h, .rejected(.afterDollar))
            i += 2
        } else if byte(at: i + 1) == UInt8(ascii: "("), byte(at: i + 2) == UInt8(ascii: "(") {
            i += 3
            arithmetic()
        } else if byte(at: i + 1) == UInt8(ascii: "(") {
            i += 2
            script(closesParenthesis: true)
        } else if byte(at: i + 1) == UInt8(ascii: "{") {
            i += 2
            parameter(inDoubleQuotes: inDoubleQuotes)
        } else if byte(at: i + 1) == UInt8(ascii: "'"), !inDoubleQuotes {
            // dash reads `$'…'` as `$` and '…', bash (also as `sh`) as C-style escapes: refuse.
            i += 1
            singleQuoted(refusing: .dollarQuote)
        } else {
            i += 1
        }
    }

    /// After `$((`, past the closing `))`; every placeholder inside is refused.
    private mutating func arithmetic() {
        var parentheses = 0
        while i < units.count {
            switch units[i] {
            case .hole(let h): record(h, .rejected(.arithmetic))
            case .byte(UInt8(ascii: "(")): parentheses += 1
            case .byte(UInt8(ascii: ")")):
                if parentheses > 0 {
                    parentheses -= 1
                } else if byte(at: i + 1) == UInt8(ascii: ")") {
                    i += 2
                    return
                } else {
                    // `$((a) | b)`: dash rejects it, bash re-reads it as `$( (a) | b)`; no context
                    // after it is certain, so stop here.
                    abortProblem = .ambiguousArithmetic
                    aborted = true
                    i = units.count
                    return
                }
            case .byte: break
            }
            i += 1
        }
    }

    /// After `${`: the name (no placeholder may stand there), then the word up to `}`.
    private mutating func parameter(inDoubleQuotes: Bool) {
        guard enter() else { return }
        defer { depth -= 1 }
        if byte(at: i) == UInt8(ascii: "#") { i += 1 }
        if let c = byte(at: i), "@*#?-$!".utf8.contains(c) { i += 1 }
        while i < units.count {
            if case .hole(let h) = units[i] {
                record(h, .rejected(.parameterName))
            } else if let c = byte(at: i), ShellLexer.isNameByte(c) {
            } else {
                break
            }
            i += 1
        }
        while i < units.count {
            switch units[i] {
            case .byte(UInt8(ascii: "}")): i += 1; return
            // Always quoted here: a bare `-x` or `+x` right after `${X:` would become an operator.
            case .hole(let h): record(h, inDoubleQuotes ? .parameterWord : .word(forceQuotes: true)); i += 1
            case .byte(let c): quotingOrLiteral(c, inDoubleQuotes: inDoubleQuotes)
            }
        }
    }

    /// At a backtick: collects the command up to the closing one, undoing the backslash escapes
    /// of that level, and lexes it as a command of its own, one backtick level deeper.
    private mutating func backtick(inDoubleQuotes: Bool) {
        i += 1
        var body: [Unit] = []
        while i < units.count {
            let unit = units[i]
            if unit == .byte(UInt8(ascii: "`")) { i += 1; break }
            if unit == .byte(UInt8(ascii: "\\")), let next = byte(at: i + 1),
               "$`\\".utf8.contains(next) || (inDoubleQuotes && next == UInt8(ascii: "\"")) {
                body.append(.byte(next))
                i += 2
                continue
            }
            body.append(unit)
            i += 1
        }
        var inner = ShellLexer(units: body, backticks: backticks + 1, depth: depth)
        inner.script(closesParenthesis: false)
        positions.merge(inner.positions) { $1 }
        if inner.aborted { aborted = true; abortProblem = inner.abortProblem; i = units.count }
    }

    /// After `<<`: notes the here-document whose body starts at the next newline.
    private mutating func hereDocumentOperator() {
        var stripTabs = false
        if byte(at: i) == UInt8(ascii: "-") { stripTabs = true; i += 1 }
        while let c = byte(at: i), c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { i += 1 }
        var delimiter: [UInt8] = []
        var quote: UInt8?
        while i < units.count {
            switch units[i] {
            case .hole(let h):
                record(h, .rejected(.hereDocumentDelimiter))
            case .byte(let c):
                if let open = quote {
                    if c == open { quote = nil } else { delimiter.append(c) }
                } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                    quote = c
                } else if c == UInt8(ascii: "\\") {
                    if let next = byte(at: i + 1) { delimiter.append(next); i += 1 }
                } else if " \t\n;&|<>()".utf8.contains(c) {
                    pendingHereDocuments.append((delimiter, stripTabs))
                    return
                } else {
                    delimiter.append(c)
                }
            }
            i += 1
        }
        pendingHereDocuments.append((delimiter, stripTabs))
    }

    /// At the start of a line after `<<WORD`: skips each pending body; placeholders there are
    /// refused, because a value holding the delimiter line would end the document early.
    private mutating func readHereDocuments() {
        let pending = pendingHereDocuments
        pendingHereDocuments.removeAll()
        for document in pending {
            while i < units.count {
                var line: [UInt8] = []
                var hasHole = false
                while i < units.count, units[i] != .byte(UInt8(ascii: "\n")) {
                    switch units[i] {
                    case .hole(let h): record(h, .rejected(.hereDocument)); hasHole = true
                    case .byte(let c): line.append(c)
                    }
                    i += 1
                }
                if i < units.count { i += 1 }
                if document.stripTabs { line = Array(line.drop { $0 == UInt8(ascii: "\t") }) }
                if !hasHole, line == document.delimiter { break }
            }
        }
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_")
    }
}
