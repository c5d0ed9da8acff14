import StudyCore
import Testing

/// The diagnostics text of loading `yaml` as `w.yaml`, or `nil` when it loads.
private func diagnostics(_ yaml: String) -> String? {
    do {
        _ = try WorkflowLoader().load(text: yaml, file: "w.yaml")
        return nil
    } catch {
        return error.description
    }
}

/// A workflow whose one stage has `params: {p: VALUE}` on line 5, where VALUE starts at column 17.
private func workflow(param value: String) -> String {
    "name: hostile\nstages:\n  a:\n    run: echo hi\n    params: {p: \(value)}\n"
}

/// The diagnostics text of decoding `bytes` as the workflow file `w.yaml`, or `nil` when they decode.
private func decodeError(_ bytes: [UInt8]) -> String? {
    do {
        _ = try WorkflowLoader.text(of: bytes, file: "w.yaml")
        return nil
    } catch {
        return error.description
    }
}

private let depthMessage = "error: lists and mappings are nested more than 256 levels deep; flatten the structure"

@Suite("WorkflowLoader: parser limits on hostile input")
struct WorkflowLoaderLimitTests {
    // The workflow mapping, 'stages', stage 'a' and 'params' are four levels, so the 253rd
    // bracket opens level 257; the value starts at column 17.

    @Test("5,000 nested flow lists are refused at the bracket past 256 levels, without a crash")
    func nestedFlowLists() {
        let yaml = workflow(param: String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000))
        #expect(diagnostics(yaml) == "w.yaml:5:\(16 + 253): \(depthMessage)")
    }

    @Test("100,000 nested flow lists are refused the same way")
    func hundredThousandLists() {
        let yaml = workflow(param: String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        #expect(diagnostics(yaml) == "w.yaml:5:\(16 + 253): \(depthMessage)")
    }

    @Test("5,000 nested flow mappings are refused")
    func nestedFlowMappings() {
        let yaml = workflow(param: String(repeating: "{", count: 5_000) + String(repeating: "}", count: 5_000))
        #expect(diagnostics(yaml) == "w.yaml:5:\(16 + 253): \(depthMessage)")
    }

    @Test("an unclosed 5,000-deep bracket run is refused for its depth, not left to the parser")
    func unclosedBrackets() {
        let yaml = workflow(param: String(repeating: "[", count: 5_000))
        #expect(diagnostics(yaml) == "w.yaml:5:\(16 + 253): \(depthMessage)")
    }

    @Test("5,000 nested block lists on one line ('- - - …') are refused")
    func nestedBlockSequences() {
        let yaml = "name: hostile\nstages:\n  a:\n    run: echo\n    params:\n      p:\n        " + String(repeating: "- ", count: 5_000) + "x\n"
        // Mapping, stages, a, params, p's list: the 253rd '- ' (column 9 + 2 × 252) opens level 257.
        #expect(diagnostics(yaml) == "w.yaml:7:\(9 + 2 * 252): \(depthMessage)")
    }

    @Test("block mappings nested by indentation past 256 levels are refused at the line that goes too deep")
    func nestedBlockMappings() {
        var yaml = "name: hostile\nstages:\n  a:\n    run: echo\n    params:\n"
        for level in 0..<300 { yaml += String(repeating: " ", count: 6 + level) + "k:\n" }
        yaml += String(repeating: " ", count: 306) + "v\n"
        // The value of the 'k:' on line 6 + j is a mapping on line 7 + j at level 5 + j, indented 6 + j + 1:
        // level 257 starts on line 259, column 260.
        #expect(diagnostics(yaml) == "w.yaml:259:260: \(depthMessage)")
    }

    @Test("nesting up to the limit loads")
    func depthAtTheLimitLoads() throws {
        let yaml = workflow(param: String(repeating: "[", count: 252) + "1" + String(repeating: "]", count: 252))
        #expect(diagnostics(yaml) == nil)
    }

    @Test("a 476-byte alias bomb is refused at the alias that passes 100,000 nodes, at once")
    func billionLaughs() {
        let yaml = """
        name: bomb
        stages:
          a:
            run: echo hi
            params:
              l0: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
              l1: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
              l2: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
              l3: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
              l4: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
              l5: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
              l6: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
              l7: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
              l8: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]

        """
        // Through l4 aliases stand for 74,718 nodes; the first *e adds 66,430 more.
        #expect(diagnostics(yaml) == "w.yaml:11:15: error: aliases expand to more than 100000 nodes (an alias bomb?); write the repeated values out or use fewer nested aliases")
    }

    @Test("ordinary anchors and aliases still load and expand")
    func ordinaryAliases() throws {
        let workflow = try WorkflowLoader().load(text: """
            name: shared
            params: {defaults: &d {level: 2, tags: [a, b]}}
            stages:
              a:
                run: echo hi
                params: {copy: *d}
            """, file: "w.yaml")
        #expect(workflow.stages[0].params["copy"] == .object(["level": .integer(2), "tags": .array([.string("a"), .string("b")])]))
    }

    @Test("a workflow text over 64 MiB is refused before parsing")
    func oversizedText() {
        let limits = YAMLLimits(maxDepth: 256, maxAliasNodes: 100_000, maxBytes: 1 << 20)
        let text = "a: " + String(repeating: "x", count: (3 << 19) - 4) + "\n"
        #expect(throws: YAMLLimits.Excess(line: 1, column: 1, message: "the document is 1.5 MiB, over the limit of 1 MiB; split it into smaller files")) {
            try limits.check(text)
        }
    }

    @Test("workflow file bytes over 64 MiB are refused before decoding")
    func oversizedFile() {
        let bytes = [UInt8](repeating: UInt8(ascii: "#"), count: (64 << 20) + 1)
        #expect(decodeError(bytes) == "w.yaml:1:1: error: the workflow file is 64.1 MiB, over the limit of 64 MiB; split it into smaller files")
    }
}

@Suite("WorkflowLoader: encodings, BOM and tabs")
struct WorkflowLoaderEncodingTests {

    @Test("a Latin-1 byte in a workflow file is an error naming line, column and byte offset, with the fix")
    func latin1Byte() {
        // "café" in Latin-1: é is the single byte 0xE9.
        let bytes = Array("name: demo\nstages:\n  a:\n    run: echo caf".utf8) + [0xE9] + Array("\n".utf8)
        #expect(decodeError(bytes) == "w.yaml:4:18: error: invalid UTF-8 byte 0xe9 at byte offset 41 (line 4, column 18); the file is not UTF-8: save it as UTF-8 (e.g. 'iconv -f latin1 -t utf-8')")
    }

    @Test("columns after multi-byte characters count characters; the offset counts bytes")
    func columnsAfterMultibyte() {
        let bytes = Array("name: é€😀".utf8) + [0xFF]
        #expect(decodeError(bytes) == "w.yaml:1:10: error: invalid UTF-8 byte 0xff at byte offset 15 (line 1, column 10); the file is not UTF-8: save it as UTF-8 (e.g. 'iconv -f latin1 -t utf-8')")
    }

    @Test("a UTF-8 BOM is accepted; the text keeps the file's exact bytes, so the ledger's copy matches its digest")
    func byteOrderMark() throws {
        let bytes = UTF8Check.byteOrderMark + Array("name: démo\nstages:\n  a: {run: echo}\n".utf8)
        let text = try WorkflowLoader.text(of: bytes, file: "w.yaml")
        #expect(Array(text.utf8) == bytes)
        #expect(try WorkflowLoader().load(text: text, file: "w.yaml").name == "démo")
    }

    @Test("a BOM left in the text loads, and positions on line 1 do not count it")
    func byteOrderMarkInText() {
        #expect(diagnostics("\u{FEFF}name: demo\nstages:\n  a: {run: echo}\n") == nil)
        #expect(diagnostics("\u{FEFF}nme: demo\nstages:\n  a: {run: echo}\n") == """
            w.yaml:1:1: error: missing required key 'name'; add e.g. 'name: my-study' at the top
            w.yaml:1:1: error: unknown key 'nme' at the top level; did you mean 'name'?
            """)
        #expect(diagnostics("\u{FEFF}name: [demo\n") == "w.yaml:2:1: error: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence")
    }

    @Test("a BOM in the bytes does not shift the offset or column of a later bad byte")
    func byteOrderMarkThenBadByte() {
        let bytes = UTF8Check.byteOrderMark + Array("name: x".utf8) + [0xC0, 0x80]
        #expect(decodeError(bytes) == "w.yaml:1:8: error: invalid UTF-8 byte 0xc0 at byte offset 10 (line 1, column 8); the file is not UTF-8: save it as UTF-8 (e.g. 'iconv -f latin1 -t utf-8')")
    }

    @Test("a tab indenting a stage's key is called a tab, at its own line and column")
    func tabIndentation() {
        #expect(diagnostics("name: demo\nstages:\n  a:\n\trun: echo\n") == "w.yaml:4:1: error: a tab is used for indentation; YAML allows only spaces there: indent with spaces")
        #expect(diagnostics("name: demo\nstages:\n  a:\n    run: echo\n  \toutputs: [x]\n") == "w.yaml:5:3: error: a tab is used for indentation; YAML allows only spaces there: indent with spaces")
        #expect(diagnostics("name: demo\nstages:\n\ta:\n    run: echo\n") == "w.yaml:3:1: error: a tab is used for indentation; YAML allows only spaces there: indent with spaces")
    }

    @Test("a tab indenting a list item or a block scalar's line is called a tab too")
    func tabIndentationElsewhere() {
        #expect(diagnostics("name: demo\nstages:\n  a:\n    run: echo\n    outputs:\n    \t- x\n") == "w.yaml:6:5: error: a tab is used for indentation; YAML allows only spaces there: indent with spaces")
        #expect(diagnostics("name: demo\nstages:\n  a:\n    run: |\n      echo\n\t  echo 2\n") == "w.yaml:6:1: error: a tab is used for indentation; YAML allows only spaces there: indent with spaces")
        #expect(diagnostics("name: demo\n\tdescription: x\nstages:\n  a: {run: echo}\n") == "w.yaml:2:1: error: a tab is used for indentation; YAML allows only spaces there: indent with spaces")
    }

    @Test("a legal tab just before an unrelated syntax error does not take the blame")
    func tabNotBlamed() {
        #expect(diagnostics("name: demo\nstages:\n  a:\n    run: |\n      echo\n      \techo\n    outputs: [x\n") == "w.yaml:8:1: error: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence")
    }

    @Test("a tab inside a value or a block scalar is not an error")
    func tabsInValues() {
        #expect(diagnostics("name: demo\nstages:\n  a:\n    run: |\n      printf 'a\tb'\n      \techo indented\n") == nil)
        #expect(diagnostics("name:\tdemo\nstages:\n  a: {run: echo}\n") == nil)
    }
}
