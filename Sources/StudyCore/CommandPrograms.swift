/// A program a stage's command calls, as written: looked up through PATH, named by absolute
/// path, or a workspace script whose `#!` line names its interpreter.
public enum CommandProgram: Sendable, Hashable {
    /// A bare name (`python3`), found through the stage's PATH.
    case name(String)
    /// An absolute path (`/opt/R/bin/Rscript`).
    case path(String)
    /// A workspace-relative script (`scripts/fit.py`, `./run.sh`); its interpreter is the tool.
    case script(String)
}

/// Finds the programs a `run:` command calls, with the shell lexer that places placeholders
/// (`ShellLexer`): the first word of every simple command — in pipelines, `&&`/`||`/`;` lists,
/// subshells, groups, `$(…)`, `if`/`while` bodies — after `VAR=x` assignments and through the
/// wrappers `env`, `exec`, `command`, `nice`, `nohup`, `time`, `timeout` and `xargs`, which run
/// the next word (`xargs`, `env`, … are recorded themselves too, except the shell's own `exec`
/// and `command`). Shell builtins and keywords are skipped; a word that holds a placeholder or
/// an expansion (`$x`, `$(…)`, `` `…` ``, a glob, `~`) cannot be resolved and gives nothing.
/// Text inside backticks and here-documents is not followed.
public enum CommandPrograms {
    /// The programs `template` calls, each once, in order of appearance.
    public static func of(_ template: CommandTemplate) -> [CommandProgram] {
        var units: [ShellLexer.Unit] = []
        units.reserveCapacity(template.text.utf8.count)
        var holes = 0
        for segment in template.segments {
            switch segment {
            case .literal(let s): units.append(contentsOf: s.utf8.lazy.map { ShellLexer.Unit.byte($0) })
            case .placeholder: units.append(.hole(holes)); holes += 1
            }
        }
        var lexer = ShellLexer(units: units)
        lexer.script(closesParenthesis: false)
        let words = lexer.words.sorted { $0.range.lowerBound < $1.range.lowerBound }
        let parents = Self.parents(words.map(\.range))
        var result: [CommandProgram] = []
        var seen: Set<CommandProgram> = []
        for (k, word) in words.enumerated() where word.startsCommand {
            // The simple command: this word and the following words at the same nesting level,
            // up to the next command start.
            var simple = [Self.text(units[word.range])]
            var j = k + 1
            while j < words.count {
                if parents[j] == parents[k] {
                    if words[j].startsCommand { break }
                    simple.append(Self.text(units[words[j].range]))
                }
                j += 1
            }
            for program in programs(in: simple) where seen.insert(program).inserted { result.append(program) }
        }
        return result
    }

    /// The innermost enclosing word of each (sorted, properly nested) range, or -1.
    private static func parents(_ ranges: [Range<Int>]) -> [Int] {
        var result = [Int](repeating: -1, count: ranges.count)
        var open: [Int] = []
        for (i, range) in ranges.enumerated() {
            while let last = open.last, ranges[last].upperBound <= range.lowerBound { open.removeLast() }
            result[i] = open.last ?? -1
            open.append(i)
        }
        return result
    }

    /// The programs one simple command runs; words are `nil` where they cannot be resolved.
    static func programs(in words: [String?]) -> [CommandProgram] {
        var found: [CommandProgram] = []
        var index = 0
        while index < words.count {
            guard let word = words[index] else { return found }
            if isAssignment(word) || leadingKeywords.contains(word) { index += 1; continue }
            // `for x in …`, `case x in`, `done < list`: what follows these is not a command.
            if builtins.contains(word) || keywords.contains(word) { return found }
            if word == "exec" || word == "command" {
                index += 1
                while index < words.count, let option = words[index], option.hasPrefix("-") {
                    if word == "command", option.contains("v") || option.contains("V") { return found }  // `command -v` only asks
                    index += 1
                }
                continue
            }
            found.append(program(word))
            guard let skip = wrapped[word] else { return found }
            index += 1
            // Skip the wrapper's options (and the values of those that take one) to the program it runs.
            var afterDuration = word != "timeout"
            while index < words.count, let next = words[index] {
                if next == "--" { index += 1; break }
                if next.hasPrefix("-") {
                    index += skip.contains(next) ? 2 : 1
                } else if word == "env", isAssignment(next) {
                    index += 1
                } else if !afterDuration {
                    afterDuration = true
                    index += 1
                } else {
                    break
                }
            }
        }
        return found
    }

    private static func program(_ word: String) -> CommandProgram {
        if word.hasPrefix("/") { return .path(word) }
        if word.contains("/") { return .script(word) }
        return .name(word)
    }

    /// `NAME=value`, a variable assignment before a command (or an `env` argument).
    public static func isAssignment(_ word: String) -> Bool {
        guard let equals = word.firstIndex(of: "="), equals != word.startIndex, let first = word.first, !first.isNumber else { return false }
        return word[..<equals].utf8.allSatisfy(ShellLexer.isNameByte)
    }

    /// Wrappers that run the next non-option word, with the options that take a separate value.
    static let wrapped: [String: Set<String>] = [
        "env": ["-u", "--unset", "-C", "--chdir", "-S", "--split-string"],
        "nice": ["-n", "--adjustment"],
        "nohup": [],
        "time": ["-f", "--format", "-o", "--output"],
        "timeout": ["-s", "--signal", "-k", "--kill-after"],
        "xargs": ["-a", "--arg-file", "-d", "--delimiter", "-E", "-e", "-I", "-i", "-L", "-l", "-n", "--max-args",
                  "-P", "--max-procs", "-s", "--max-chars"],
    ]

    /// Reserved words after which a command follows.
    static let leadingKeywords: Set<String> = ["if", "then", "else", "elif", "do", "while", "until", "!", "{"]
    /// Other reserved words: no command follows them in the same simple command.
    static let keywords: Set<String> = ["fi", "done", "case", "esac", "for", "in", "}", "function", "select", "[[", "]]"]

    /// Builtins of dash and bash (as `sh`): they run inside the shell, so no program is involved.
    static let builtins = Set((": . source alias bg break cd continue echo eval exit export false fc fg getopts hash jobs kill "
        + "local printf pwd read readonly return set shift test [ times trap true type ulimit umask unalias unset wait let "
        + "declare typeset").split(separator: " ").map(String.init))

    /// The word's text after quote removal, or nil when the shell would expand something in it.
    static func text(_ units: ArraySlice<ShellLexer.Unit>) -> String? {
        let single = UInt8(ascii: "'"), double = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var out: [UInt8] = []
        var i = units.startIndex
        var quote: UInt8 = 0  // 0: unquoted
        while i < units.endIndex {
            guard case .byte(let c) = units[i] else { return nil }
            i += 1
            if quote == single {
                if c == single { quote = 0 } else { out.append(c) }
            } else if c == UInt8(ascii: "$") || c == UInt8(ascii: "`") {
                return nil
            } else if quote == double, c == double {
                quote = 0
            } else if c == backslash {
                guard i < units.endIndex, case .byte(let next) = units[i] else { return nil }
                if quote == double, !"$`\"\\".utf8.contains(next) { out.append(c) }
                out.append(next)
                i += 1
            } else if quote == 0, c == single || c == double {
                quote = c
            } else if quote == 0, c == UInt8(ascii: "*") || c == UInt8(ascii: "?") || (c == UInt8(ascii: "[") && !out.isEmpty) {
                return nil  // a glob (a lone `[` is `test`)
            } else if quote == 0, c == UInt8(ascii: "~"), out.isEmpty {
                return nil  // a home directory
            } else {
                out.append(c)
            }
        }
        guard !out.isEmpty else { return nil }
        return String(decoding: out, as: UTF8.self)
    }
}
