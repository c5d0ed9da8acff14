import StudyCore
import Testing

/// Measures every function, initializer and subscript in `Sources/` from its declaration line to
/// its closing brace (braces inside string literals and comments do not count).
struct FunctionLengths {
    /// A function longer than the limit.
    struct Finding: Equatable, CustomStringConvertible {
        var file: String
        var line: Int
        var name: String
        var lines: Int
        var description: String { "\(file):\(line): '\(name)' is \(lines) lines; split it along its steps (limit \(FunctionLengths.limit))" }
    }

    static let limit = 80

    /// The functions of `text` (one Swift file) over `limit` lines.
    static func longFunctions(in text: String, file: String, limit: Int = limit) -> [Finding] {
        let raw = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let code = codeOnly(raw)
        var findings: [Finding] = []
        for (start, line) in code.enumerated() {
            guard let name = declaredName(line) else { continue }
            var depth = 0, opened = false, end = start
            scan: while end < code.count {
                // A requirement without a body (in a protocol) opens nothing near its declaration.
                if !opened, end - start > 10 { break }
                for c in code[end] {
                    if c == "{" { depth += 1; opened = true }
                    if c == "}" { depth -= 1 }
                    if opened && depth <= 0 { break scan }
                }
                end += 1
            }
            let length = end - start + 1
            if opened, length > limit { findings.append(Finding(file: file, line: start + 1, name: name, lines: length)) }
        }
        return findings
    }

    /// The name a line declares (`func name`, `init`, `deinit`, `subscript`), or nil.
    static func declaredName(_ line: String) -> String? {
        let modifiers: Set<Substring> = ["public", "private", "fileprivate", "internal", "package", "static", "class", "override",
                                         "mutating", "nonmutating", "final", "convenience", "required", "nonisolated"]
        var rest = Substring(line.drop { $0 == " " || $0 == "\t" })
        while true {
            if rest.hasPrefix("@") {
                var i = rest.index(after: rest.startIndex)
                while i < rest.endIndex, rest[i].isLetter || rest[i].isNumber || rest[i] == "_" { i = rest.index(after: i) }
                if i < rest.endIndex, rest[i] == "(", let close = rest[i...].firstIndex(of: ")") { i = rest.index(after: close) }
                rest = rest[i...].drop { $0 == " " }
                continue
            }
            guard let space = rest.firstIndex(of: " ") else { break }
            var word = rest[..<space]
            if let paren = word.firstIndex(of: "(") { word = word[..<paren] }  // private(set)
            guard modifiers.contains(word) else { break }
            rest = rest[rest.index(after: space)...].drop { $0 == " " }
            if let close = rest.first, close == "(" , let end = rest.firstIndex(of: ")") { rest = rest[rest.index(after: end)...].drop { $0 == " " } }
        }
        if rest.hasPrefix("func ") {
            let name = rest.dropFirst(5).prefix { $0 != "(" && $0 != "<" && $0 != " " }
            return name.isEmpty ? nil : String(name)
        }
        for keyword in ["init", "deinit", "subscript"] where rest.hasPrefix(keyword) {
            let next = rest.dropFirst(keyword.count).first
            if next == "(" || next == "<" || next == "?" || next == "!" || next == " " || next == "{" { return keyword }
        }
        return nil
    }

    /// Each line with string literals emptied and comments removed, so only code braces remain.
    static func codeOnly(_ lines: [String]) -> [String] {
        var inMultiline = false, inBlockComment = false
        return lines.map { line in
            let chars = Array(line)
            var out = "", k = 0
            while k < chars.count {
                if inBlockComment {
                    if chars[k] == "*", k + 1 < chars.count, chars[k + 1] == "/" { inBlockComment = false; k += 2 } else { k += 1 }
                    continue
                }
                if inMultiline {
                    if starts(chars, k, "\"\"\"") { inMultiline = false; k += 3 } else { k += 1 }
                    continue
                }
                if starts(chars, k, "//") { break }
                if starts(chars, k, "/*") { inBlockComment = true; k += 2; continue }
                if starts(chars, k, "\"\"\"") { inMultiline = true; k += 3; continue }
                if chars[k] == "\"" {
                    k += 1
                    while k < chars.count, chars[k] != "\"" { k += chars[k] == "\\" ? 2 : 1 }
                    k += 1
                    out += "\"\""
                    continue
                }
                out.append(chars[k])
                k += 1
            }
            return out
        }
    }

    private static func starts(_ chars: [Character], _ k: Int, _ token: String) -> Bool {
        let t = Array(token)
        return k + t.count <= chars.count && Array(chars[k..<(k + t.count)]) == t
    }
}

@Suite("Function length")
struct FunctionLengthTests {
    static var sourcesDirectory: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/StudyCoreTests/FunctionLengthTests.swift
        return parts.joined(separator: "/") + "/Sources"
    }

    static func swiftFiles(under directory: String, relative: String = "") -> [String] {
        let names = ((try? FileIO.listDirectory(directory)) ?? []).sorted()
        return names.flatMap { name -> [String] in
            let path = directory + "/" + name
            let shown = relative.isEmpty ? name : relative + "/" + name
            if name.hasSuffix(".swift") { return [shown] }
            return swiftFiles(under: path, relative: shown)
        }
    }

    @Test("no function in Sources/ is longer than 80 lines")
    func noLongFunctions() throws {
        let root = Self.sourcesDirectory
        let files = Self.swiftFiles(under: root)
        #expect(files.count > 100, "found only \(files.count) Swift files under \(root)")
        var findings: [FunctionLengths.Finding] = []
        for file in files {
            let text = try #require(FileIO.readText(root + "/" + file))
            findings += FunctionLengths.longFunctions(in: text, file: file)
        }
        #expect(findings.isEmpty, "\(findings.map(\.description).joined(separator: "\n"))")
    }

    @Test("a function of 81 lines is reported with its file, line and name; one of 80 is not")
    func measuresExactly() {
        func source(bodyLines: Int) -> String {
            "struct S {\n    public static func long(_ x: Int) -> Int {\n"
                + String(repeating: "        _ = x\n", count: bodyLines) + "    }\n}\n"
        }
        #expect(FunctionLengths.longFunctions(in: source(bodyLines: 79), file: "S.swift") == [
            FunctionLengths.Finding(file: "S.swift", line: 2, name: "long", lines: 81),
        ])
        #expect(FunctionLengths.longFunctions(in: source(bodyLines: 78), file: "S.swift").isEmpty)
        #expect(FunctionLengths.longFunctions(in: source(bodyLines: 79), file: "S.swift").first?.description
            == "S.swift:2: 'long' is 81 lines; split it along its steps (limit 80)")
    }

    @Test("braces in strings and comments do not end or extend a function; initializers are measured too")
    func ignoresBracesInLiterals() {
        let body = String(repeating: "        let s = \"}\" // }\n", count: 85)
        let text = "struct S {\n    @inlinable init?(x: Int) {\n" + body + "        let t = \"\"\"\n        }\n        \"\"\"\n    }\n}\n"
        let found = FunctionLengths.longFunctions(in: text, file: "S.swift")
        #expect(found == [FunctionLengths.Finding(file: "S.swift", line: 2, name: "init", lines: 90)])
    }
}
