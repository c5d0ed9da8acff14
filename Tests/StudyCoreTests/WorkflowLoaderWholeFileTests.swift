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

@Suite("WorkflowLoader: several mistakes and good workflows")
struct WorkflowLoaderWholeFileTests {
    @Test("every mistake is reported together, sorted by position")
    func severalMistakesSorted() {
        let yaml = """
        name: demo
        stages:
          b:
            run: cat ${inputs.rw}
            inputs: {raw: data/raw.csv}
            threads: many
          a b:
            run: echo hi
            ouputs: [x]
        extra: 1
        """
        #expect(diagnostics(yaml) == """
        w.yaml:4:14: error: undefined placeholder '${inputs.rw}' in stage 'b'; did you mean '${inputs.raw}'? (named inputs: raw)
        w.yaml:6:14: error: 'threads' of stage 'b' must be an integer from 1 to 4096, got 'many'
        w.yaml:7:3: error: bad stage id 'a b'; use letters, digits, '_' and '-'
        w.yaml:9:5: error: unknown key 'ouputs' in stage 'a b'; did you mean 'outputs'?
        w.yaml:10:1: error: unknown key 'extra' at the top level
        """)
    }

    @Test("the thrown value holds each diagnostic with its location")
    func diagnosticsAreStructured() throws {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    retries: x\n"
        let error = #expect(throws: WorkflowDiagnostics.self) { try load(yaml) }
        let only = try #require(error?.diagnostics.first)
        #expect(error?.diagnostics.count == 1)
        #expect(only.location == SourceLocation(file: "w.yaml", line: 5, column: 14))
        #expect(only.message == "'retries' of stage 'a' must be an integer from 0 to 100, got 'x'")
    }

    @Test("a good workflow loads every field")
    func goodWorkflow() throws {
        let yaml = """
        name: demo
        description: a small study
        params: {seed: 42, rate: 0.25, verbose: true, label: km, code: "42", none: null}
        stages:
          clean:
            run: python3 scripts/clean.py ${inputs.raw} > ${outputs.table}
            inputs: {raw: data/raw.csv, script: scripts/clean.py}
            outputs: {table: results/clean.csv, plots: results/plots/}
            params: {threshold: 0.5}
            env: [LANG, STUDY_MODE]
            threads: 4
            retries: 2
            resources: {memory: 2G, time: 30m}
          km:
            uses: survival/kaplan-meier
            inputs: [results/clean.csv, ./data//extra.csv]
            with: {time: months, event: death, group: liver_met}
            outputs: [results/km.json]
        """
        let workflow = try load(yaml, knownKinds: ["survival/kaplan-meier"])
        #expect(workflow.file == "w.yaml")
        #expect(workflow.name == "demo")
        #expect(workflow.description == "a small study")
        #expect(workflow.params == [
            "seed": .integer(42), "rate": .number(0.25), "verbose": .bool(true),
            "label": .string("km"), "code": .string("42"), "none": .null,
        ])
        #expect(workflow.stages.map(\.id) == ["clean", "km"])

        let clean = workflow.stages[0]
        #expect(clean.action == .shell(CommandTemplate("python3 scripts/clean.py ${inputs.raw} > ${outputs.table}")))
        #expect(clean.inputs == [
            Artifact(name: "raw", path: "data/raw.csv", location: SourceLocation(file: "w.yaml", line: 7, column: 19)),
            Artifact(name: "script", path: "scripts/clean.py", location: SourceLocation(file: "w.yaml", line: 7, column: 41)),
        ])
        #expect(clean.outputs == [
            Artifact(name: "table", path: "results/clean.csv", location: SourceLocation(file: "w.yaml", line: 8, column: 22)),
            Artifact(name: "plots", path: "results/plots", isDirectory: true, location: SourceLocation(file: "w.yaml", line: 8, column: 48)),
        ])
        #expect(clean.outputs[1].displayPath == "results/plots/")
        #expect(clean.output(named: "table")?.path == "results/clean.csv")
        #expect(clean.params == ["threshold": .number(0.5)])
        #expect(clean.env == ["LANG", "STUDY_MODE"])
        #expect(clean.resources == StageResources(threads: 4, memory: "2G", time: "30m", retries: 2))
        #expect(clean.location == SourceLocation(file: "w.yaml", line: 5, column: 3))

        let km = workflow.stages[1]
        #expect(km.action == .builtin(kind: "survival/kaplan-meier",
                                      with: .object(["time": .string("months"), "event": .string("death"), "group": .string("liver_met")])))
        #expect(km.action.kindName == "survival/kaplan-meier")
        #expect(km.inputs.map(\.name) == [nil, nil])
        #expect(km.inputs.map(\.path) == ["results/clean.csv", "data/extra.csv"])
        #expect(km.outputs.map(\.path) == ["results/km.json"])
        #expect(km.resources == StageResources())
    }

    @Test("parameter scalars are typed as YAML types them, but only when unquoted")
    func paramTyping() throws {
        let yaml = """
        name: demo
        params:
          i: -7
          f: 1.5e3
          t: true
          s: hello world
          q: '3.14'
          d: "true"
          l: [1, two]
          m: {k: v}
          e:
        stages:
          a:
            run: echo hi
        """
        let params = try load(yaml).params
        #expect(params["i"] == .integer(-7))
        #expect(params["f"] == .number(1500))
        #expect(params["t"] == .bool(true))
        #expect(params["s"] == .string("hello world"))
        #expect(params["q"] == .string("3.14"))
        #expect(params["d"] == .string("true"))
        #expect(params["l"] == .array([.integer(1), .string("two")]))
        #expect(params["m"] == .object(["k": .string("v")]))
        #expect(params["e"] == .null)
    }

    @Test("'with' defaults to an empty mapping")
    func withDefaultsToEmpty() throws {
        let yaml = "name: demo\nstages:\n  x:\n    uses: ingest/csv\n"
        let stage = try load(yaml, knownKinds: ["ingest/csv"]).stages[0]
        #expect(stage.action == .builtin(kind: "ingest/csv", with: .object([:])))
    }

    @Test("a single path may be given as a scalar")
    func scalarArtifact() throws {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    outputs: results/dir/\n"
        let output = try #require(try load(yaml).stages[0].outputs.first)
        #expect(output.path == "results/dir")
        #expect(output.isDirectory)
        #expect(output.name == nil)
    }

    @Test("the example workflow of the design document loads")
    func designExample() throws {
        let yaml = """
        name: demo                       # required
        description: optional text
        params: {seed: 42}
        stages:
          clean:                         # stage id
            run: python3 scripts/clean.py ${inputs.raw} > ${outputs.table}
            inputs:  {raw: data/raw.csv, script: scripts/clean.py}
            outputs: {table: results/clean.csv}
            params:  {threshold: 0.5}
            env: [LANG]
            threads: 1
            resources: {memory: 2G, time: 30m}
            retries: 0
          km:
            uses: survival/kaplan-meier
            inputs:  {table: results/clean.csv}
            with:    {time: months, event: death, group: liver_met}
            outputs: {result: results/km.json}
        """
        let workflow = try load(yaml, knownKinds: ["survival/kaplan-meier"])
        #expect(workflow.stages.count == 2)
    }
}
