import Foundation
import StudyCore
import Testing

/// What `/bin/sh` makes of `command`: its standard output.
private func shell(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

@Suite("ShellQuote")
struct ShellQuoteTests {
    static let hostileWords = [
        "results/my file.csv",
        "it's",
        "'",
        "''",
        "$HOME",
        "${HOME}",
        "`id`",
        "$(id)",
        "a; echo injected",
        "a && echo injected",
        "a | cat",
        "a\nb",
        "tab\there",
        "\"double\"",
        "back\\slash",
        "*",
        "~",
        "#comment",
        "-n",
        "",
        "é ü",
        "a'b\"c$d`e\\f",
    ]

    @Test("safe words are left alone")
    func safeWords() {
        for word in ["data/raw.csv", "results/km.json", "a-b_c.d", "x=1", "user@host:path", "50%", "+1", ",", "A9"] {
            #expect(ShellQuote.quote(word) == word)
        }
    }

    @Test("unsafe words are single-quoted, with embedded quotes closed and escaped")
    func quotedForms() {
        #expect(ShellQuote.quote("") == "''")
        #expect(ShellQuote.quote("results/my file.csv") == "'results/my file.csv'")
        #expect(ShellQuote.quote("it's") == "'it'\\''s'")
        #expect(ShellQuote.quote("$HOME") == "'$HOME'")
        #expect(ShellQuote.quote("`id`") == "'`id`'")
        #expect(ShellQuote.quote("a;b") == "'a;b'")
        #expect(ShellQuote.quote("~") == "'~'")
        #expect(ShellQuote.quote("é") == "'é'")
    }

    @Test("/bin/sh reads every quoted word back as exactly one unchanged word", arguments: hostileWords)
    func roundTripThroughShell(word: String) throws {
        // One argument per bracket pair: a split word would print two pairs, an injection extra text.
        let output = try shell("printf '[%s]' " + ShellQuote.quote(word))
        #expect(output == "[" + word + "]")
    }

    @Test("an expanded template keeps each path one word")
    func expandedTemplateThroughShell() throws {
        let words = ["a b", "it's", "$(echo x)", "c;d"]
        let command = CommandTemplate("printf '[%s]' ${inputs}").expand { _ in words }
        #expect(try shell(command) == "[a b][it's][$(echo x)][c;d]")
    }
}
