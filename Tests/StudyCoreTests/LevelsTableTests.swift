import StudyCore
import Testing

@Suite("levels tables: distinct values of a CSV column, and the instances they make")
struct LevelsTableTests {
    private func levels(_ text: String, _ column: String) -> Result<[String], LevelsTable.Problem> {
        LevelsTable.levels(csv: Array(text.utf8), column: column)
    }

    @Test("levels are the distinct non-empty values, sorted by bytes, whatever the row order")
    func distinctSorted() {
        #expect(levels("id,type\n1,b\n2,a\n3,b\n4,\n5,B\n", "type") == .success(["B", "a", "b"]))
        #expect(levels("id,type\n5,B\n4,\n1,b\n3,b\n2,a", "type") == .success(["B", "a", "b"]))
    }

    @Test("quoted fields keep commas, doubled quotes and line breaks; CRLF and a byte-order mark are accepted")
    func quoting() {
        let text = "\u{FEFF}type,n\r\n\"Skin Cancer, Non-Melanoma\",1\r\n\"say \"\"hi\"\"\",2\r\n\"two\nlines\",3\r\n"
        #expect(levels(text, "type") == .success(["Skin Cancer, Non-Melanoma", "say \"hi\"", "two\nlines"]))
    }

    @Test("a missing column gives the header; an empty column, no header or an open quote are problems")
    func problems() {
        #expect(levels("id,cancer_type\n1,a\n", "cancer_typ") == .failure(.noColumn(header: ["id", "cancer_type"])))
        #expect(levels("id,type\n1,\n", "type") == .failure(.empty))
        #expect(levels("id,type\n", "type") == .failure(.empty))
        #expect(levels("", "type") == .failure(.unreadable("it has no header line")))
        #expect(levels("type\n\"open\n", "type") == .failure(.unreadable("a quoted field is not closed by the end of the file")))
    }

    @Test("a level becomes a key by its letters, digits and '_.+-'; each.value keeps the level")
    func keys() {
        let spec = FanoutSpec(source: .levels(table: "t.csv", column: "c"))
        let expansion = spec.expand(stage: "fit", levels: ["NSCLC", "Skin Cancer, Non-Melanoma"])
        #expect(expansion.problems.isEmpty)
        #expect(expansion.items.map(\.key) == ["NSCLC", "Skin_Cancer_Non-Melanoma"])
        #expect(expansion.items.map(\.value) == [.string("NSCLC"), .string("Skin Cancer, Non-Melanoma")])
    }

    @Test("two levels with one key, and a level with no key character, are errors naming the levels")
    func collisions() {
        let spec = FanoutSpec(source: .levels(table: "t.csv", column: "c"))
        let expansion = spec.expand(stage: "fit", levels: ["a b", "a-b", "a_b", "??"])
        #expect(expansion.items.isEmpty)
        #expect(expansion.problems.map(\.message) == [
            "level '??' of stage 'fit' has no letter, digit or '_.+-' to make an instance key from; set 'name:' to a template that gives one, or change the table",
        ])
        let collision = spec.expand(stage: "fit", levels: ["a b", "a-b", "a_b"])
        #expect(collision.problems.map(\.message) == [
            "level 'a b' and level 'a_b' of stage 'fit' both give instance key 'a_b'; each instance needs its own key: levels become keys by their letters, digits and '_.+-' alone, so make the levels in 't.csv' differ in those",
        ])
        #expect(spec.expand(stage: "fit").problems.map(\.message) == ["stage 'fit' expands only after 't.csv' is written; its instances are not known yet"])
    }

    @Test("a table a stage writes that does not exist yet leaves the template waiting, with its gathers")
    func deferred() throws {
        let yaml = """
        name: d
        stages:
          types:
            run: echo > ${outputs.t}
            outputs: {t: results/types.csv}
          fit:
            foreach: {levels: {table: results/types.csv, column: type}}
            run: echo ${each.value} > ${outputs.o}
            outputs: {o: "out/${each.key}.txt"}
          summary:
            run: cat ${inputs.fits} > ${outputs.o}
            inputs: {fits: {each: fit, output: o}}
            outputs: {o: summary.txt}
        """
        let workflow = try WorkflowLoader(tables: LevelsTables(root: "/nonexistent-levels-root")).load(text: yaml, file: "workflow.yaml")
        #expect(workflow.stages.map(\.id) == ["types", "summary"])
        #expect(workflow.levels == [LevelsFanout(template: "fit", table: "results/types.csv", column: "type", producer: "types",
                                                 expanded: false, readers: ["summary"])])
        #expect(throws: WorkflowDiagnostics.self) {
            try WorkflowLoader(tables: LevelsTables(root: "/nonexistent-levels-root", settled: true)).load(text: yaml, file: "workflow.yaml")
        }
    }
}

@Suite("levels fan-outs in the compiled form")
struct LevelsEncodingTests {
    @Test("a workflow's levels records round-trip through the binary encoding")
    func roundTrip() throws {
        var workflow = Workflow(file: "w.yaml", name: "w", stages: [])
        workflow.levels = [LevelsFanout(template: "fit", table: "t.csv", column: "c", producer: "types", expanded: false, readers: ["a", "b"]),
                           LevelsFanout(template: "g", table: "u.csv", column: "d", producer: nil, expanded: true)]
        let compiled = CompiledWorkflow(workflow: workflow, graph: try StageGraph.build(workflow).get())
        let decoded = try compiled.encoded().withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
        #expect(decoded.workflow.levels == workflow.levels)
    }
}
