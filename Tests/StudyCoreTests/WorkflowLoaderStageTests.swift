import StudyCore
import Testing

/// The diagnostics text of loading `yaml` as `w.yaml`, or `nil` when it loads.
private func diagnostics(_ yaml: String, knownKinds: [String] = []) -> String? {
    WorkflowTextLoader.diagnostics(yaml, knownKinds: knownKinds)
}

/// A workflow that must load.
private func load(_ yaml: String, knownKinds: [String] = []) throws -> Workflow {
    try WorkflowTextLoader.load(yaml, knownKinds: knownKinds)
}

@Suite("WorkflowLoader: stages")
struct WorkflowLoaderStageTests {
    @Test("a stage with neither 'run' nor 'uses' is reported at its id")
    func missingRunAndUses() {
        let yaml = """
        name: demo
        stages:
          a:
            outputs: [results/a.txt]
        """
        #expect(diagnostics(yaml) == "w.yaml:3:3: error: stage 'a' needs 'run' (a shell command) or 'uses' (a built-in stage kind)")
    }

    @Test("a stage with both 'run' and 'uses' is reported at its id")
    func bothRunAndUses() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            uses: survival/cox
        """
        #expect(diagnostics(yaml, knownKinds: ["survival/cox"]) == "w.yaml:3:3: error: stage 'a' has both 'run' and 'uses'; keep one of them")
    }

    @Test("'with' on a 'run' stage points to 'params'")
    func withOnRunStage() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            with: {x: 1}
        """
        #expect(diagnostics(yaml) == "w.yaml:5:5: error: 'with' applies only to 'uses' stages; stage 'a' has 'run' (use 'params' instead)")
    }

    @Test("a stage id with a space is rejected")
    func stageIDWithSpace() {
        let yaml = "name: demo\nstages:\n  a b:\n    run: echo hi\n"
        #expect(diagnostics(yaml) == "w.yaml:3:3: error: bad stage id 'a b'; use letters, digits, '_' and '-'")
    }

    @Test("a stage id with a dot is rejected")
    func stageIDWithDot() {
        let yaml = "name: demo\nstages:\n  x.y:\n    run: echo hi\n"
        #expect(diagnostics(yaml) == "w.yaml:3:3: error: bad stage id 'x.y'; use letters, digits, '_' and '-'")
    }

    @Test("stage ids allow letters, digits, '_' and '-'")
    func stageIDAllowed() {
        #expect(WorkflowLoader.isStageID("fit_cox-2"))
        #expect(!WorkflowLoader.isStageID(""))
        #expect(!WorkflowLoader.isStageID("é"))
        #expect(!WorkflowLoader.isStageID("a/b"))
    }

    @Test("an absolute output is outside the workspace")
    func absoluteOutput() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            outputs: [/tmp/a.txt]
        """
        #expect(diagnostics(yaml) == "w.yaml:5:15: error: output '/tmp/a.txt' of stage 'a' is outside the workspace; write it under the workspace, e.g. 'results/…'")
    }

    @Test("an output climbing out with '..' is outside the workspace")
    func escapingOutput() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            outputs: {out: ../x}
        """
        #expect(diagnostics(yaml) == "w.yaml:5:20: error: output '../x' of stage 'a' is outside the workspace; write it under the workspace, e.g. 'results/…'")
    }

    @Test("absolute and '..' inputs are allowed")
    func outsideInputsAllowed() throws {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    inputs: [/data/raw.csv, ../shared/x.csv]\n"
        let inputs = try load(yaml).stages[0].inputs
        #expect(inputs.map(\.path) == ["/data/raw.csv", "../shared/x.csv"])
    }

    @Test("an empty path and a path listed twice are reported")
    func emptyAndRepeatedPaths() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    inputs: [data/x.csv, ./data/x.csv, \"\"]\n"
        #expect(diagnostics(yaml) == """
        w.yaml:5:26: error: path './data/x.csv' is listed twice in 'inputs' of stage 'a'
        w.yaml:5:40: error: empty path in 'inputs' of stage 'a'
        """)
    }

    @Test("a bad artifact name is reported")
    func badArtifactName() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    outputs: {my-out: results/a.txt}\n"
        #expect(diagnostics(yaml) == "w.yaml:5:15: error: bad output name 'my-out' in stage 'a'; use letters, digits and '_'")
    }

    @Test("an unknown stage kind with no kinds registered says so")
    func unknownKindNoneRegistered() {
        let yaml = """
        name: demo
        stages:
          km:
            uses: survival/kaplan-meir
        """
        #expect(diagnostics(yaml) == "w.yaml:4:11: error: unknown stage kind 'survival/kaplan-meir' in stage 'km' (known kinds: none yet)")
    }

    @Test("an unknown stage kind suggests the closest kind and lists the known ones sorted")
    func unknownKindWithSuggestion() {
        let yaml = """
        name: demo
        stages:
          km:
            uses: survival/kaplan-meir
        """
        let kinds = ["survival/log-rank", "survival/kaplan-meier", "ingest/csv"]
        #expect(diagnostics(yaml, knownKinds: kinds)
            == "w.yaml:4:11: error: unknown stage kind 'survival/kaplan-meir' in stage 'km' (known kinds: ingest/csv, survival/kaplan-meier, survival/log-rank); did you mean 'survival/kaplan-meier'?")
    }

    @Test("an unknown stage kind far from every kind only lists the known ones")
    func unknownKindWithoutSuggestion() {
        let yaml = "name: demo\nstages:\n  x:\n    uses: magic\n"
        #expect(diagnostics(yaml, knownKinds: ["ingest/csv"])
            == "w.yaml:4:11: error: unknown stage kind 'magic' in stage 'x' (known kinds: ingest/csv)")
    }
}
