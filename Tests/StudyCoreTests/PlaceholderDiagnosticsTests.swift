import StudyCore
import Testing

/// The diagnostics text of loading `yaml` as `w.yaml`, or `nil` when it loads.
private func diagnostics(_ yaml: String, knownKinds: [String] = [], overrides: [String: JSONValue] = [:]) -> String? {
    WorkflowTextLoader.diagnostics(yaml, knownKinds: knownKinds, overrides: overrides)
}

private func load(_ yaml: String, overrides: [String: JSONValue] = [:]) throws -> Workflow {
    try WorkflowTextLoader.load(yaml, overrides: overrides)
}

@Suite("WorkflowLoader: placeholders in paths, settings and unsafe shell positions")
struct PlaceholderDiagnosticsTests {
    static let levelWorkflow = """
    name: demo
    params: {level: 2}
    stages:
      a:
        run: echo x > ${outputs.o}
        outputs:
          o: results/ecog${params.level}.csv
      b:
        run: cat ${inputs.t}
        inputs:
          t: results/ecog${params.level}.csv
        params: {unused: 1}
    """

    @Test("'${params.NAME}' in input and output paths expands at load, so the edge between stages holds")
    func pathsExpand() throws {
        let workflow = try load(Self.levelWorkflow)
        #expect(workflow.stages[0].outputs.map(\.path) == ["results/ecog2.csv"])
        #expect(workflow.stages[1].inputs.map(\.path) == ["results/ecog2.csv"])
    }

    @Test("'--param' overrides apply to paths; a stage's own parameter wins over the workflow's")
    func pathsTakeOverrides() throws {
        let workflow = try load(Self.levelWorkflow, overrides: ["level": .integer(3), "undeclared": .integer(1)])
        #expect(workflow.stages[0].outputs.map(\.path) == ["results/ecog3.csv"])
        let own = try load("name: d\nparams: {x: w}\nstages:\n  a:\n    run: echo > ${outputs}\n    params: {x: s}\n    outputs:\n      - out-${params.x}.txt\n",
                           overrides: ["x": .string("o")])
        #expect(own.stages[0].outputs.map(\.path) == ["out-s.txt"])
    }

    @Test("a misspelled parameter in a path is an error at its column with a did-you-mean")
    func misspelledPathParam() {
        let yaml = "name: demo\nparams: {level: 2}\nstages:\n  a:\n    run: echo x > ${outputs.o}\n    outputs:\n      o: results/ecog${params.levl}.csv\n"
        #expect(diagnostics(yaml) == "w.yaml:7:22: error: undefined placeholder '${params.levl}' in a path in 'outputs' of stage 'a'; did you mean '${params.level}'? (named params: level)")
    }

    @Test("other scopes, shell variables, unclosed '${' and list values in paths are errors")
    func pathMistakes() {
        #expect(diagnostics("name: d\nstages:\n  a:\n    run: echo\n    inputs:\n      t: data/${inputs.x}.csv\n")
            == "w.yaml:6:15: error: placeholder '${inputs.x}' in a path in 'inputs' of stage 'a' is not expanded: only ${params.NAME} expands there; write the path or value out")
        #expect(diagnostics("name: d\nstages:\n  a:\n    run: echo\n    inputs:\n      - ${HOME}/data.csv\n")
            == "w.yaml:6:9: error: '${HOME}' in a path in 'inputs' of stage 'a' is not expanded: paths are not shell text; write the path out, or use a parameter, e.g. '${params.NAME}'")
        #expect(diagnostics("name: d\nparams: {level: 2}\nstages:\n  a:\n    run: echo > ${outputs}\n    outputs:\n      - ecog${params.level.csv\n")
            == "w.yaml:7:13: error: unclosed placeholder '${params.level.csv' in stage 'a': no '}' follows; close it, e.g. '${params.level.csv}'")
        #expect(diagnostics("name: d\nparams: {l: [1, 2]}\nstages:\n  a:\n    run: echo > ${outputs}\n    outputs:\n      - x${params.l}\n")
            == "w.yaml:7:10: error: parameter 'l' used in a path in 'outputs' of stage 'a' must be a string or a number, got [1,2]; give it a scalar value")
        #expect(diagnostics("name: d\nparams: {level: 2}\nstages:\n  a:\n    run: echo > ${outputs}\n    outputs:\n      - x${param.level}\n")
            == "w.yaml:7:10: error: undefined placeholder '${param.level}' in a path in 'outputs' of stage 'a'; did you mean '${params.level}'?")
    }

    @Test("an unclosed '${' in 'run' is an error naming the stage and the placeholder")
    func unclosedInRun() {
        #expect(diagnostics("name: d\nstages:\n  a:\n    run: echo x > ${outputs.o\n    outputs: {o: o.txt}\n")
            == "w.yaml:4:19: error: unclosed placeholder '${outputs.o' in stage 'a': no '}' follows; close it, e.g. '${outputs.o}'")
    }

    @Test("'with:' takes only declared '${params.NAME}'; resources and env take none")
    func settings() {
        let with = "name: d\nparams: {t: months}\nstages:\n  a:\n    uses: k\n    with: {time: '${params.tme}', event: '${inputs.table}'}\n"
        #expect(diagnostics(with, knownKinds: ["k"]) == """
        w.yaml:6:19: error: undefined placeholder '${params.tme}' in 'with' of stage 'a'; did you mean '${params.t}'? (named params: t)
        w.yaml:6:43: error: placeholder '${inputs.table}' in 'with' of stage 'a' is not expanded: only ${params.NAME} expands there; write the path or value out
        """)
        #expect(diagnostics("name: d\nparams: {t: months}\nstages:\n  a:\n    uses: k\n    with: {time: '${params.t}'}\n", knownKinds: ["k"]) == nil)
        let resources = "name: d\nparams: {m: 2G}\nstages:\n  a:\n    run: echo\n    resources: {memory: '${params.m}'}\n    env: ['${params.m}']\n"
        #expect(diagnostics(resources) == """
        w.yaml:6:26: error: placeholder '${params.m}' in 'memory' of stage 'a' is not expanded: placeholders expand only in 'run', input and output paths and 'with'; write the value, e.g. 2G
        w.yaml:7:12: error: placeholder '${params.m}' in 'env' of stage 'a' is not expanded: placeholders expand only in 'run', input and output paths and 'with'; write the value, e.g. [LANG]
        """)
    }

    @Test("placeholders in parameter values and 'slurm' settings are not expanded, so they are errors")
    func parameterValuesAndSlurm() {
        let yaml = "name: d\nparams: {a: x, b: 'pre-${params.a}'}\nslurm: {partition: '${params.a}'}\nstages:\n  s:\n    run: echo ${params.b}\n"
        #expect(diagnostics(yaml) == """
        w.yaml:2:24: error: placeholder '${params.a}' in parameter 'b' of workflow is not expanded: placeholders expand only in 'run', input and output paths and 'with'; write the value, e.g. a literal value
        w.yaml:3:21: error: placeholder '${params.a}' in 'partition' in 'slurm' is not expanded: placeholders expand only in 'run', input and output paths and 'with'; write the value, e.g. short
        """)
    }

    @Test("placeholders where the shell would read their value as code are refused with a fix")
    func unsafePositions() {
        let arithmetic = "name: d\nparams: {n: 1}\nstages:\n  a:\n    run: echo $((${params.n} + 1))\n"
        #expect(diagnostics(arithmetic) == "w.yaml:5:18: error: placeholder '${params.n}' in stage 'a' is inside arithmetic '$((…))', where the shell would evaluate its value as code; compute outside it, e.g. 'expr ${params.n} + 1'")
        let hereDocument = "name: d\nparams: {x: 1}\nstages:\n  a:\n    run: |\n      cat <<EOF\n      value ${params.x}\n      EOF\n"
        #expect(diagnostics(hereDocument) == "w.yaml:7:13: error: placeholder '${params.x}' in stage 'a' is inside a here-document, where its value cannot be quoted (a line of it could end the document); pass it as an argument instead, e.g. printf '%s\\n' ${params.x} | … or read \"$STUDYFLOW_PARAM_X\"")
        let backslash = "name: d\nparams: {x: 1}\nstages:\n  a:\n    run: echo \\${params.x}\n"
        #expect(diagnostics(backslash) == "w.yaml:5:16: error: placeholder '${params.x}' in stage 'a' follows a backslash, which would break the quoting of its value; remove the backslash")
        let dollar = "name: d\nparams: {x: 1}\nstages:\n  a:\n    run: echo \"$${params.x}\"\n"
        #expect(diagnostics(dollar) == "w.yaml:5:17: error: placeholder '${params.x}' in stage 'a' follows a '$', which would join it to the value and expand it; remove the '$' (write '\\$' for a literal dollar sign)")
    }

    @Test("shell variables and quoted placeholders in 'run' still load")
    func safeRunLoads() {
        #expect(diagnostics("name: d\nparams: {x: 1}\nstages:\n  a:\n    run: |\n      echo \"$HOME ${HOME} ${params.x}\" '${params.x}' `echo ${params.x}` # ${params.x}\n") == nil)
    }
}
