#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import StudyCore
import Testing
import Yams
import _StudyTestSupport

/// Documents that exercise every YAML rule the loader relies on: block and flow collections,
/// every scalar style, anchors and aliases (on scalars, collections and keys), merge keys, tags,
/// comments, documents markers, escapes, complex keys; and the mistakes: syntax errors, tabs,
/// undefined and self-referencing aliases, a second document.
private let corpus: [String] = [
    "", "# only a comment\n", "---\n", "---\n...\n", "plain\n", "'single'\n", "\"double\"\n",
    "name: demo\nstages:\n  a:\n    run: echo hi > ${outputs.out}\n    outputs: {out: o/a.txt}\n",
    "a: [1, 2.5, -3, 0x1F, 1_000, 1:30, .5, .inf, .nan, ~, null, Null, yes, No, on, OFF, true]\n",
    "a: |\n  line one\n  line two\n\nb: >-\n  folded\n  text\n\nc: |+\n  keep\n\n",
    "base: &b {x: 1, y: [1, 2]}\nuse: *b\nmerged:\n  <<: *b\n  z: 3\n",
    "list:\n  - &s scalar\n  - *s\n  - &m\n    k: v\n  - *m\n",
    "&k key: value\nother: *k\n",
    "tagged: !!str 123\nint: !!int '7'\ncustom: !thing {a: 1}\nseq: !!seq [a]\nset: !!set {a, b}\n",
    "esc: \"tab\\tnul\\0bell\\a \\u00e9 \\U0001F600 \\x41\"\nuni: héllo wörld ✓\n",
    "? [a, b]\n: complex\n? {x: 1}\n: map key\n",
    "dup: 1\ndup: 2\n", "empty:\nnested:\n  - \n  -\n    a:\n", "a: 'it''s'\nb: \"q\\\"q\"\n",
    "- a\n- - b\n  - c\n- {d: [e, {f: g}]}\n", "%YAML 1.1\n---\na: 1\n", "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "key: value # comment\n# between\nnext:    spaced   \n",
    "a: *missing\n", "a: &x [1, *x]\n", "a: 1\n---\nb: 2\n", "a: 1\n--- \n", "--- a\n--- b\n",
    "a:\n\tb: 1\n", "a: [1, 2\n", "a: {b: c\n", "a: 'unclosed\n", "  a: 1\n b: 2\n", "a: b: c\n",
    "outputs: {out: o/${each.key}.txt}\n", "- a\nb: c\n", "a: @x\n", "a: `x\n", "a: \"\\q\"\n",
    "a: 1\n...\n---\nb: 2\n", "a: *x\nb: &x 1\n", "x: &a 1\ny: &a 2\nz: *a\n", "a: !!binary aGk=\n",
    "'quoted key': 1\n\"dq key\": 2\n? plain key\n: 3\n", ": no key\n", "a:\n- 1\n- 2\n", "[a, b]: c\n",
]

/// Whether our node and Yams' hold the same tree: kinds, texts, styles and positions.
private func same(_ ours: StudyCore.Node, _ theirs: Yams.Node) -> Bool {
    guard ours.mark?.line == theirs.mark?.line, ours.mark?.column == theirs.mark?.column else { return false }
    switch (ours, theirs) {
    case (.scalar(let a), .scalar(let b)):
        return a.string == b.string && a.style.rawValue == UInt8(b.style.rawValue)
    case (.sequence(let a), .sequence(let b)):
        return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
    case (.mapping(let a), .mapping(let b)):
        return a.count == b.count && zip(a, b).allSatisfy { same($0.key, $1.key) && same($0.value, $1.value) }
    default:
        return false
    }
}

/// Yams' error in the fields `YAMLSyntaxError` keeps.
private func fields(_ error: YamlError) -> YAMLSyntaxError? {
    switch error {
    case let .scanner(context, problem, mark, _):
        return YAMLSyntaxError(kind: .scanner, problem: problem, context: context?.text, line: mark.line, column: mark.column)
    case let .parser(context, problem, mark, _):
        return YAMLSyntaxError(kind: .parser, problem: problem, context: context?.text, line: mark.line, column: mark.column)
    case let .composer(context, problem, mark, _):
        return YAMLSyntaxError(kind: .composer, problem: problem, context: context?.text, line: mark.line, column: mark.column)
    case let .reader(problem, _, _, _):
        return YAMLSyntaxError(kind: .reader, problem: problem, line: 1, column: 1)
    default:
        return nil
    }
}

/// The old `YAMLReader.scalarValue`, over Yams' node: the spec the new one must match.
private func yamsScalarValue(_ text: String) -> JSONValue {
    let node = Yams.Node.scalar(Yams.Node.Scalar(text, .implicit, .plain))
    if text.isEmpty || node.null != nil { return .null }
    if let b = node.bool { return .bool(b) }
    if let i = Int(text) { return .integer(i) }
    if let d = node.float, d.isFinite { return .number(d) }
    return .string(text)
}

/// A small seeded generator (SplitMix64), so every run checks the same spellings.
private struct SeededRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func word(from alphabet: [Character], maxLength: Int) -> String {
        let length = Int(next() % UInt64(maxLength + 1))
        return String((0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }
}

@Suite("YAMLComposer")
struct YAMLComposerTests {
    @Test("composes every corpus document exactly as Yams did: same tree, texts, styles, positions and errors")
    func matchesYams() throws {
        for text in corpus {
            let theirs = Result { try Yams.compose(yaml: text) }
            let ours = Result { try YAMLComposer(limits: .workflow).compose(text) }
            switch (ours, theirs) {
            case (.success(let a), .success(let b)):
                #expect((a == nil) == (b == nil), "\(text.debugDescription)")
                if let a, let b { #expect(same(a, b), "tree differs for \(text.debugDescription)") }
            case (.failure(let a), .failure(let b)):
                #expect(a as? YAMLSyntaxError == (b as? YamlError).flatMap(fields), "error differs for \(text.debugDescription)")
            default:
                Issue.record("one composer failed, the other did not, for \(text.debugDescription): ours \(ours), Yams \(theirs)")
            }
        }
    }

    @Test("composes the repository's workflow files exactly as Yams did")
    func matchesYamsOnWorkflows() throws {
        let root = "\(#filePath)".components(separatedBy: "/Tests/")[0]
        var checked = 0
        var pending = ["Workflows"]
        while let directory = pending.popLast() {
            guard let names = try? FileIO.listDirectory(root + "/" + directory) else { continue }
            for name in names {
                let path = directory + "/" + name
                guard name.hasSuffix(".yaml") else {
                    if !name.contains(".") { pending.append(path) }
                    continue
                }
                guard let text = FileIO.readText(root + "/" + path) else { continue }
                let ours = try YAMLComposer(limits: .workflow).compose(text)
                let theirs = try Yams.compose(yaml: text)
                #expect(ours.map { a in theirs.map { same(a, $0) } ?? false } ?? (theirs == nil), "\(path)")
                checked += 1
            }
        }
        #expect(checked > 0)
    }

    @Test("an alias stands for a copy of its anchor's node, at the anchor's position")
    func aliasCopiesTheNode() throws {
        let root = try #require(try YAMLComposer(limits: .workflow).compose("a: &x {k: v}\nb: *x\n"))
        guard case .mapping(let pairs) = root, case .mapping(let b) = pairs[1].value else {
            Issue.record("not a mapping: \(root)")
            return
        }
        #expect(b.mark == StudyCore.Node.Mark(line: 1, column: 4))
        #expect(b.count == 1)
    }

    @Test("a limit exceeded anywhere wins over an earlier undefined alias, as when limits were checked first")
    func excessBeforeCompositionError() {
        let bomb = "a: *nothing\nb: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + (1...6).map { "c\($0): &l\($0) [" + Array(repeating: "*l\($0 - 1)", count: 10).joined(separator: ", ") + "]" }.joined(separator: "\n") + "\n"
        #expect(throws: YAMLLimits.Excess.self) { try YAMLComposer(limits: .workflow).compose(bomb) }
    }

    @Test("an undefined alias is reported before a later syntax error, and a second document before its own errors")
    func compositionErrorBeforeSyntaxError() {
        let composer = YAMLComposer(limits: .workflow)
        #expect(throws: YAMLSyntaxError(kind: .composer, problem: "found undefined alias", context: nil, line: 1, column: 4)) {
            try composer.compose("a: *nothing\nb: [1, 2\n")
        }
        #expect(throws: YAMLSyntaxError(kind: .composer, problem: "but found another document",
                                        context: "expected a single document in the stream", line: 2, column: 1)) {
            try composer.compose("a: 1\n---\nb: [1, 2\n")
        }
    }

    @Test("the workflow loader reports a second document and an undefined alias with Yams' words")
    func loaderMessages() {
        #expect(throws: WorkflowDiagnostics.self) { try WorkflowLoader().load(text: "name: a\n---\nname: b\n", file: "w.yaml") }
        do {
            _ = try WorkflowLoader().load(text: "name: a\nstages: *s\n", file: "w.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.description == "w.yaml:2:9: error: YAML syntax error: found undefined alias")
        }
        do {
            _ = try WorkflowLoader().load(text: "name: a\n---\nname: b\n", file: "w.yaml")
        } catch {
            #expect(error.description == "w.yaml:2:1: error: YAML syntax error: but found another document expected a single document in the stream")
        }
    }

    @Test("plain scalars are typed as Yams' constructors typed them (null, bool, int, float), except that a ':' keeps the text")
    func scalarTypingMatchesYams() {
        let fixed = ["", "~", "null", "NULL", "nUll", "yes", "YeS", "ON", "off", "n", "y", "true", "False", "1", "-1", "+1", "01", "0x1F",
                     "0o17", "0b101", "1_000", "1_0.5", "1:30", "-1:30", "1:3:5", "a:b", "http://x", "12:30:00", ".5", "5.", "1e3", "1E+3",
                     ".inf", "-.Inf", ".NaN", "inf", "nan", "0x1p3", "1.5e400", "9223372036854775808", "_1", "1__", "+.5", "\u{212A}", "ye\u{301}s"]
        for text in fixed {
            #expect(YAMLReader.scalarValue(StudyCore.Node.Scalar(text)) == expectedScalarValue(text), "\(text.debugDescription)")
        }
        var random = SeededRandom(state: 15)
        let alphabet = Array("0123456789_:.+-eExXoObBpPinfaINFtrueyesonlsu~ ")
        for _ in 0..<20_000 {
            let text = random.word(from: alphabet, maxLength: 8)
            #expect(YAMLReader.scalarValue(StudyCore.Node.Scalar(text)) == expectedScalarValue(text), "\(text.debugDescription)")
        }
    }

    /// Yams' typing, but no base-60 numbers: text with a ':' that Yams made a number stays text.
    private func expectedScalarValue(_ text: String) -> JSONValue {
        let yams = yamsScalarValue(text)
        guard text.contains(":") else { return yams }
        switch yams {
        case .number, .integer: return .string(text)
        default: return yams
        }
    }

    @Test("a ':' in a plain scalar keeps its text: no YAML 1.1 base-60 numbers (url: http://x was the number 0)")
    func colonKeepsText() {
        for text in ["http://x", "a:b", "12:30", "1:30", "-1:30", "12:30:00", "1:3:5"] {
            #expect(YAMLReader.scalarValue(StudyCore.Node.Scalar(text)) == .string(text), "\(text.debugDescription)")
        }
    }

    @Test("a quoted or block scalar stays a string")
    func quotedStaysString() {
        for style in [StudyCore.Node.Style.singleQuoted, .doubleQuoted, .literal, .folded] {
            #expect(YAMLReader.scalarValue(StudyCore.Node.Scalar("12", style: style)) == .string("12"))
        }
    }
}

@Suite("CommandWords.isPathLike")
struct PathLikeTests {
    @Test("judging ASCII words by their bytes gives what judging their characters gives")
    func bytesMatchCharacters() {
        let fixed = ["clean.py", "a/b", "-x", "/abs", "~/h", "1.5", "x.", ".hidden", "a.b1", "a.1", "a.b-c", "$x.py", "a*.py", "a\\b.py",
                     "r.R", "data.csv.gz", "ab", "", "é.py", "a.é", "a.py\u{301}", "x.Z9"]
        for word in fixed {
            #expect(CommandWords.isPathLike(word[...]) == CommandWords.isPathLike(characters: word[...]), "\(word.debugDescription)")
        }
        var random = SeededRandom(state: 8)
        let alphabet = Array("ab.Z9/-~$*?[]{}\\_é")
        for _ in 0..<20_000 {
            let word = random.word(from: alphabet, maxLength: 7)
            #expect(CommandWords.isPathLike(word[...]) == CommandWords.isPathLike(characters: word[...]), "\(word.debugDescription)")
        }
    }
}

@Suite("DiskPathProbe")
struct DiskPathProbeTests {
    @Test("many outputs under one directory get the answers a fresh probe gives for each: links followed, escapes caught")
    func rememberedDirectoriesGiveFreshAnswers() throws {
        let workspace = TemporaryDirectory()
        let outside = TemporaryDirectory()
        workspace.write("real/kept.txt", "x")
        #expect(symlink(workspace.path + "/real", workspace.path + "/link") == 0)
        #expect(symlink(outside.path, workspace.path + "/escape") == 0)
        let paths = ["link/a.txt", "link/b/c.txt", "link/kept.txt", "escape/a.txt", "escape/b/c.txt", "missing/a/b.txt",
                     "missing/a/c.txt", "real/new.txt", "top.txt", "real", "link"]
        let shared = DiskPathProbe(root: workspace.path)
        for path in paths + paths {
            let fresh = DiskPathProbe(root: workspace.path)
            #expect(shared.resolve(path) == fresh.resolve(path), "\(path)")
            #expect(shared.staysInside(path) == fresh.staysInside(path), "\(path)")
        }
        #expect(shared.resolve("link/b/c.txt") == "real/b/c.txt")
        #expect(shared.resolve("missing/a/b.txt") == "missing/a/b.txt")
        #expect(shared.resolve("escape/b/c.txt") == nil)
        #expect(shared.staysInside("escape/b/c.txt") == false)
        #expect(shared.staysInside("link/b/c.txt"))
        #expect(shared.resolve("link") == "real")
    }
}
