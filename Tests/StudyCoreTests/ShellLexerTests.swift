import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// Runs every command in one `/bin/sh` (each in its own `sh -c`, inside `directory`) and returns
/// each command's standard output; a NUL byte after each command separates them.
private func runEach(_ commands: [String], in directory: String) throws -> [String] {
    let script = commands.map { "/bin/sh -c \(ShellQuote.quote($0)) 2>/dev/null; printf '\\000'" }.joined(separator: "\n")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    var outputs = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    outputs.removeLast()
    return outputs
}

/// `text` with `${params.x}` standing for the value, expanded with `value`.
private func expand(_ text: String, _ value: String) -> String {
    CommandTemplate(text).expand { _ in [value] }
}

/// A command with one placeholder and what `/bin/sh` must print for a value `v`.
struct QuotingCase: Sendable, CustomStringConvertible {
    var template: String
    var expected: @Sendable (String) -> String
    var description: String { template }
}

@Suite("ShellLexer: placeholder quoting in every shell context")
struct ShellLexerTests {
    static let hostileValues = [
        "$(touch pwned)", "`touch pwned`", "'", "\"", "\\", "a\nb", ";touch pwned;", "$HOME", "${HOME}", "*",
        "", "é ü 日本", "a'b\"c$d`e\\f", "}", ")", "'; touch pwned; '", "\"; touch pwned; \"", "x\n/*/",
        "\\'", "\\\"", "$", "~", "#x", " lead and trail ", "\t", "if", "x=1", "EOF", "-n", "\\$(touch pwned)",
        "`", "$((1+1))", "a}b'c\"d", "\"$(touch pwned)\"", "'`touch pwned`'",
    ]

    /// Every quoting context a placeholder can stand in, each printing the value back.
    static let contexts: [QuotingCase] = [
        QuotingCase(template: "printf '%s' ${params.x}") { $0 },
        QuotingCase(template: "printf '%s' \"${params.x}\"") { $0 },
        QuotingCase(template: "printf '%s' \"<${params.x}>\"") { "<" + $0 + ">" },
        QuotingCase(template: "printf '%s' '<${params.x}>'") { "<" + $0 + ">" },
        QuotingCase(template: "printf '%s' x${params.x}y") { "x" + $0 + "y" },
        QuotingCase(template: "x=${params.x}; printf '%s' \"$x\"") { $0 },
        QuotingCase(template: "x=\"${params.x}\"; printf '%s' \"$x\"") { $0 },
        QuotingCase(template: "printf '%s' ~${params.x}") { "~" + $0 },
        QuotingCase(template: "x=A; printf '%s' $x${params.x}") { "A" + $0 },
        QuotingCase(template: "x=A; printf '%s' \"$x${params.x}\"") { "A" + $0 },
        QuotingCase(template: "printf '%s' \"$(printf '%s.' ${params.x})\"") { $0 + "." },
        QuotingCase(template: "printf '%s' \"$(printf '%s.' \"${params.x}\")\"") { $0 + "." },
        QuotingCase(template: "printf '%s' \"$(printf '%s.' '${params.x}')\"") { $0 + "." },
        QuotingCase(template: "x=$(printf '%s.' ${params.x}); printf '%s' \"$x\"") { $0 + "." },
        QuotingCase(template: "printf '%s' \"$(case a in a) printf '%s.' ${params.x};; esac)\"") { $0 + "." },
        QuotingCase(template: "printf '%s' \"$( (printf '%s.' \"${params.x}\") )\"") { $0 + "." },
        QuotingCase(template: "printf '%s' \"$(printf case)${params.x}\"") { "case" + $0 },
        QuotingCase(template: "printf '%s' \"$(case a in (a) printf x;; esac)${params.x}\"") { "x" + $0 },
        QuotingCase(template: "printf '%s' \"$(if true; then case a in a) printf x;; esac; fi)${params.x}\"") { "x" + $0 },
        QuotingCase(template: "printf '%s' {x${params.x}}") { "{x" + $0 + "}" },
        QuotingCase(template: "printf '%s' \"`printf '%s.' ${params.x}`\"") { $0 + "." },
        QuotingCase(template: "printf '%s' \"`printf '%s.' \"${params.x}\"`\"") { $0 + "." },
        QuotingCase(template: "x=`printf '%s.' '${params.x}'`; printf '%s' \"$x\"") { $0 + "." },
        QuotingCase(template: "x=`printf '%s.' \"${params.x}\"`; printf '%s' \"$x\"") { $0 + "." },
        QuotingCase(template: "x=`y=\\`printf '%s.' \"${params.x}\"\\`; printf '%s' \"$y\"`; printf '%s' \"$x\"") { $0 + "." },
        QuotingCase(template: "x=`y=\\`printf '%s.' ${params.x}\\`; printf '%s' \"$y\"`; printf '%s' \"$x\"") { $0 + "." },
        QuotingCase(template: "printf '%s' \"${UNSET_VARIABLE:-${params.x}}\"") { $0 },
        QuotingCase(template: "printf '%s' \"${UNSET_VARIABLE:-<${params.x}>}\"") { "<" + $0 + ">" },
        QuotingCase(template: "printf '%s' \"${UNSET_VARIABLE:-\"${params.x}\"}\"") { $0 },
        QuotingCase(template: "printf '%s' \"${UNSET_VARIABLE:-'${params.x}'}\"") { "'" + $0 + "'" },
        QuotingCase(template: "printf '%s' ${UNSET_VARIABLE:-${params.x}}.") { $0 + "." },
        QuotingCase(template: "printf '%s' ${UNSET_VARIABLE:-'${params.x}'}.") { $0 + "." },
        QuotingCase(template: "x=.; printf '%s' \"${x:+${params.x}}\"") { $0 },
        QuotingCase(template: "printf '%s' ok # ${params.x} ) ' \"") { _ in "ok" },
        QuotingCase(template: "printf '%s' \"$(printf ok # ${params.x} )\n)\"") { _ in "ok" },
        QuotingCase(template: "cat <<'EOF'\n$(touch pwned) ${HOME\nEOF\nprintf '%s' ${params.x}") { "$(touch pwned) ${HOME\n" + $0 },
    ]

    @Test("every quoting context prints every hostile value back byte for byte and runs nothing")
    func everyContextEveryValue() throws {
        let directory = try TemporaryDirectory()
        var commands: [String] = [], expected: [String] = []
        for context in Self.contexts {
            for value in Self.hostileValues {
                commands.append(expand(context.template, value))
                expected.append(context.expected(value))
            }
        }
        let outputs = try runEach(commands, in: directory.path)
        try #require(outputs.count == commands.count)
        for index in commands.indices where outputs[index] != expected[index] {
            Issue.record("\(commands[index].debugDescription) printed \(outputs[index].debugDescription), expected \(expected[index].debugDescription)")
        }
        #expect(FileManager.default.fileExists(atPath: directory.path + "/pwned") == false)
    }

    @Test("seeded random hostile values in random contexts read back literally")
    func seededProperty() throws {
        let fragments = ["$(", ")", "`", "'", "\"", "\\", "\n", ";", "$", "{", "}", "*", "#", " ", "~", "=",
                         "touch pwned", "EOF", "é", "a", "-", "&", "|", "<", ">", "$HOME", "\t", "!", "%s"]
        var random = SplitMix(seed: 0x5EED_13)
        let directory = try TemporaryDirectory()
        var commands: [String] = [], expected: [String] = []
        for _ in 0..<400 {
            let length = Int(random.next() % 8)
            let value = (0..<length).map { _ in fragments[Int(random.next() % UInt64(fragments.count))] }.joined()
            let context = Self.contexts[Int(random.next() % UInt64(Self.contexts.count))]
            commands.append(expand(context.template, value))
            expected.append(context.expected(value))
        }
        let outputs = try runEach(commands, in: directory.path)
        try #require(outputs.count == commands.count)
        for index in commands.indices where outputs[index] != expected[index] {
            Issue.record("\(commands[index].debugDescription) printed \(outputs[index].debugDescription), expected \(expected[index].debugDescription)")
        }
        #expect(FileManager.default.fileExists(atPath: directory.path + "/pwned") == false)
    }

    @Test("each context gets its own quoting")
    func goldenExpansions() {
        let value = "it's $(x) \"q\" \\"
        #expect(expand("echo ${params.x}", value) == #"echo 'it'\''s $(x) "q" \'"#)
        #expect(expand("echo '<${params.x}>'", value) == #"echo '<''it'\''s $(x) "q" \''>'"#)
        #expect(expand("echo \"<${params.x}>\"", value) == #"echo "<it's \$(x) \"q\" \\>""#)
        #expect(expand("echo \"$HOME${params.x}\"", "a") == #"echo "$HOME""a""#)
        #expect(expand("echo $HOME${params.x}", "a") == #"echo $HOME'a'"#)
        #expect(expand("echo ~${params.x}", "root") == "echo ~'root'")
        #expect(expand("echo \"${X:-${params.x}}\"", "a}b") == #"echo "${X:-"a}b"}""#)
        #expect(expand("echo \"`echo \"${params.x}\"`\"", "$`") == #"echo "`echo "\\\$\\\`"`""#)
        #expect(expand("echo ok # ${params.x}", "a\nb") == "echo ok # 'a b'")
        #expect(expand("echo ${params.x} ${params.x}", "if") == "echo 'if' 'if'")
        #expect(expand("${params.x}", "x=1") == "'x=1'")
    }

    @Test("placeholders the shell could not be kept from reading are refused", arguments: [
        ("echo $((${params.x} + 1))", ShellPosition.Problem.arithmetic),
        ("cat <<EOF\n${params.x}\nEOF", .hereDocument),
        ("cat <<'EOF'\nx ${params.x}\nEOF", .hereDocument),
        ("cat <<-EOF\n\t${params.x}\n\tEOF", .hereDocument),
        ("cat <<${params.x}\nEOF", .hereDocumentDelimiter),
        ("echo \\${params.x}", .afterBackslash),
        ("echo \"\\${params.x}\"", .afterBackslash),
        ("echo `echo \\\\${params.x}`", .afterBackslash),
        ("echo $${params.x}", .afterDollar),
        ("echo \"$${params.x}\"", .afterDollar),
        ("echo ${${params.x}:-a}", .parameterName),
        ("echo $'a\\${params.x}'", .dollarQuote),
        ("echo \"$((echo a) | cat)\" ${params.x}", .ambiguousArithmetic),
        ("echo ${HOME${params.x}}", .parameterName),
        (String(repeating: "$(", count: 70) + "echo ${params.x}" + String(repeating: ")", count: 70), .tooDeep),
    ])
    func refused(text: String, problem: ShellPosition.Problem) throws {
        let placeholder = try #require(CommandTemplate(text).placeholders.first)
        #expect(placeholder.position.problem == problem)
        #expect(CommandTemplate(text).expand { _ in ["$(touch pwned)"] }.contains("pwned") == false)
    }

    @Test("after a here-document ends, placeholders are quoted again; comments and '#' inside words are told apart")
    func afterHereDocument() throws {
        let template = CommandTemplate("cat <<EOF\nbody\nEOF\necho a#${params.x} # ${params.x}")
        #expect(template.placeholders.map(\.position.quoting) == [.word(forceQuotes: false), .comment])
        let quoted = CommandTemplate("cat <<'E F'\nx\nE F\necho ${params.x}").placeholders[0]
        #expect(quoted.position.quoting == .word(forceQuotes: false))
    }

    @Test("an unclosed '${' is noted with its offset; '${HOME}' and a closed placeholder are not")
    func unclosed() {
        #expect(CommandTemplate("cat > ${outputs.o").unclosedOffset == 6)
        #expect(CommandTemplate("echo ${HOME} ${params.x}").unclosedOffset == nil)
    }
}
