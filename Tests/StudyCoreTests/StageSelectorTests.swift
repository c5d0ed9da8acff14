import StudyCore
import Testing

/// `StageSelector`: the one rule every option that names stages follows.
@Suite("stage selection")
struct StageSelectorTests {
    static let ids = ["clean", "ingest@msk", "ingest@luad", "cox@msk", "cox@luad", "cox@brca", "coxph", "forest"]
    static let selector = StageSelector(ids: ids, templates: ["ingest": [1, 2], "cox": [3, 4, 5]])

    @Test("an exact id selects that stage; a template selects its instances; results keep declaration order", arguments: [
        (["forest"], ["forest"]),
        (["cox@luad"], ["cox@luad"]),
        (["cox"], ["cox@msk", "cox@luad", "cox@brca"]),
        (["forest", "ingest"], ["ingest@msk", "ingest@luad", "forest"]),
        (["cox", "cox@msk"], ["cox@msk", "cox@luad", "cox@brca"]),
    ])
    func names(patterns: [String], expected: [String]) throws {
        #expect(try Self.selector.selectIDs(patterns) == expected)
    }

    @Test("globs follow fnmatch: *, ? and [...] sets, with * crossing '@'", arguments: [
        ("cox@*", ["cox@msk", "cox@luad", "cox@brca"]),
        ("cox*", ["cox@msk", "cox@luad", "cox@brca", "coxph"]),
        ("*@msk", ["ingest@msk", "cox@msk"]),
        ("cox@m?k", ["cox@msk"]),
        ("cox@[bl]*", ["cox@luad", "cox@brca"]),
        ("cox@[!bl]*", ["cox@msk"]),
        ("*", ids),
    ])
    func globs(pattern: String, expected: [String]) throws {
        #expect(try Self.selector.selectIDs([pattern]) == expected)
    }

    @Test("a name that is no stage and no template is an error with a did-you-mean over ids and templates", arguments: [
        ("cox@mks", "no stage named 'cox@mks'; did you mean 'cox@msk'?"),
        ("cxo", "no stage named 'cxo'; did you mean 'cox'?"),
        ("zzzzzzzz", "no stage named 'zzzzzzzz'; 'studyflow status' lists the stages"),
        ("cxo@*", "no stage matches 'cxo@*'; did you mean 'cox@*'?"),
        ("cox@z*", "no stage matches 'cox@z*'; did you mean 'cox@*'?"),
        ("zzzz*", "no stage matches 'zzzz*'; 'studyflow status' lists the stages"),
    ])
    func unknown(pattern: String, message: String) {
        let error = #expect(throws: StageSelectionError.self) { try Self.selector.select(["forest", pattern]) }
        #expect(error?.description == message)
    }

    @Test("without a workflow, templates come from the TEMPLATE@KEY shape of recorded ids")
    func derived() throws {
        let selector = StageSelector(ids: ["a", "cox@brca", "cox@msk", "coxph", "ingest@msk"])
        #expect(try selector.selectIDs(["cox"]) == ["cox@brca", "cox@msk"])
        #expect(StageSelector.template(ofInstance: "cox@msk") == "cox")
        #expect(StageSelector.template(ofInstance: "coxph") == nil)
    }

    @Test("a loaded workflow's fan-outs are its templates")
    func workflow() throws {
        let yaml = """
        name: w
        stages:
          cox:
            foreach: [msk, luad]
            run: echo ${each.key} > ${outputs.out}
            outputs: {out: "r/${each.key}.txt"}
          forest:
            run: cat ${inputs} > ${outputs.out}
            inputs: [r/msk.txt, r/luad.txt]
            outputs: {out: r/forest.txt}

        """
        let workflow = try WorkflowLoader().load(text: yaml, file: "w.yaml")
        let selector = StageSelector(workflow: workflow)
        #expect(try selector.selectIDs(["cox"]) == ["cox@msk", "cox@luad"])
        #expect(try selector.selectIDs(["*"]) == ["cox@msk", "cox@luad", "forest"])
    }
}
