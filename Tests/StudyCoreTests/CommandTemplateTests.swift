import StudyCore
import Testing

@Suite("CommandTemplate")
struct CommandTemplateTests {
    @Test("placeholders are split out of the literal text, with their offsets")
    func parsesPlaceholders() throws {
        let template = CommandTemplate("python3 clean.py ${inputs.raw} > ${outputs.table}")
        #expect(template.text == "python3 clean.py ${inputs.raw} > ${outputs.table}")
        #expect(template.segments.count == 4)
        guard case .literal("python3 clean.py ") = template.segments[0],
              case .placeholder(let raw) = template.segments[1],
              case .literal(" > ") = template.segments[2],
              case .placeholder(let table) = template.segments[3] else {
            Issue.record("unexpected segments \(template.segments)")
            return
        }
        #expect(raw.scope == .inputs)
        #expect(raw.scopeText == "inputs")
        #expect(raw.name == "raw")
        #expect(raw.offset == 17)
        #expect(raw.description == "${inputs.raw}")
        #expect(table.scope == .outputs)
        #expect(table.name == "table")
        #expect(table.offset == 33)
        #expect(template.placeholders == [raw, table])
    }

    @Test("a command's pieces are kept without spare room: every compiled stage holds its template through a run")
    func segmentsExactlySized() {
        for text in ["cat ${inputs} | cksum > ${outputs.out} && echo s0 >> ${outputs.out}",
                     "python3 clean.py ${inputs.raw} > ${outputs.table}", "echo ${params.a}", "true"] {
            let template = CommandTemplate(text)
            #expect(template.segments.capacity == template.segments.count, "'\(text)'")
        }
        let wide = CommandTemplate("cat ${inputs} | cksum > ${outputs.out} && echo s0 >> ${outputs.out}")
        #expect(wide.segments.count == 6)
        #expect(wide.expand { $0.scope == .inputs ? ["in 0.txt"] : ["out.txt"] } == "cat 'in 0.txt' | cksum > out.txt && echo s0 >> out.txt")
    }

    @Test("'${inputs}' and '${outputs}' are placeholders without a name")
    func wholeScope() {
        let template = CommandTemplate("cat ${inputs} > ${outputs}")
        #expect(template.placeholders.map(\.description) == ["${inputs}", "${outputs}"])
        #expect(template.placeholders.map(\.name) == [nil, nil])
    }

    @Test("the shell's own ${NAME} forms stay literal")
    func shellVariablesStayLiteral() {
        for text in ["echo ${HOME}", "echo ${#HOME}", "echo ${params}", "echo ${HOME:-/tmp}", "echo $HOME", "echo ${", "echo ${inputs.raw"] {
            let template = CommandTemplate(text)
            #expect(template.placeholders.isEmpty, "\(text)")
            #expect(template.segments == [.literal(text)], "\(text)")
        }
    }

    @Test("an unknown scope is still a placeholder, so the loader can report it")
    func unknownScopeIsAPlaceholder() throws {
        let template = CommandTemplate("cat ${input.raw}")
        let placeholder = try #require(template.placeholders.first)
        #expect(placeholder.scope == nil)
        #expect(placeholder.scopeText == "input")
        #expect(placeholder.name == "raw")
        #expect(placeholder.description == "${input.raw}")
    }

    @Test("offsets are counted in Unicode scalars")
    func offsetsInScalars() throws {
        let template = CommandTemplate("echo \u{65}\u{301}t\u{E9} ${params.x}")
        #expect(try #require(template.placeholders.first).offset == 10)
    }

    @Test("expansion shell-quotes each word and joins lists with spaces")
    func expansion() {
        let template = CommandTemplate("cat ${inputs} > ${outputs.out} # ${params.n} ${HOME}")
        let expanded = template.expand { placeholder in
            switch placeholder.scope {
            case .inputs: return ["data/a b.csv", "data/plain.csv", "it's"]
            case .outputs: return ["results/out.csv"]
            case .params: return ["42"]
            case .each, .matrix, nil: return []
            }
        }
        #expect(expanded == "cat 'data/a b.csv' data/plain.csv 'it'\\''s' > results/out.csv # 42 ${HOME}")
    }

    @Test("an empty value expands to an empty quoted word")
    func emptyValue() {
        #expect(CommandTemplate("echo ${params.x}!").expand { _ in [""] } == "echo ''!")
        #expect(CommandTemplate("echo ${inputs}!").expand { _ in [] } == "echo !")
    }
}
