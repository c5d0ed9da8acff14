import StudyCore
import Testing

/// The diagnostics text of loading `yaml` as `workflow.yaml`, or `nil` when it loads.
private func diagnostics(_ yaml: String, knownKinds: [String] = []) -> String? {
    WorkflowTextLoader.diagnostics(yaml, knownKinds: knownKinds, file: "workflow.yaml")
}

/// A disk on which every source file exists and nothing escapes.
private struct EveryFileExists: PathProbe {
    func exists(_ path: String) -> Bool { true }
    func staysInside(_ path: String) -> Bool { true }
}

private func load(_ yaml: String, knownKinds: [String] = [], overrides: [String: JSONValue] = [:]) throws -> Workflow {
    try WorkflowTextLoader.load(yaml, knownKinds: knownKinds, overrides: overrides, file: "workflow.yaml")
}

@Suite("Fan-out in workflows: instances, placeholders and gathers")
struct FanoutWorkflowTests {
    static let subgroups = """
    name: study
    params:
      cohorts: [msk, imvigor]
    stages:
      ingest:
        foreach: ${params.cohorts}
        run: ingest ${each.key} > ${outputs.table}
        outputs: {table: "results/ingest-${each.key}.csv"}
      cox:
        foreach:
          nsclc: {filter: lung, label: NSCLC, cohort: msk, threads: 2}
          melanoma: {filter: skin, label: Melanoma, cohort: msk, threads: 4}
          bladder: {filter: bladder, cohort: imvigor, threads: 1}
        uses: survival/cox
        inputs: {table: "results/ingest-${each.value.cohort}.csv"}
        with: {filter: "${each.value.filter}", title: "Cox in ${each.key}", options: "${each.value}"}
        params: {subgroup: "${each.key}"}
        threads: ${each.value.threads}
        resources: {memory: "${each.value.threads}G"}
        outputs: {result: "results/cox-${each.key}.json"}
      forest:
        inputs:
          models: {each: cox, output: result, where: {cohort: msk}}
        run: plot ${inputs.models} > ${outputs.svg}
        outputs: {svg: results/forest.svg}
    """

    @Test("instances are plain stages STAGE@KEY, contiguous, with their items kept once per group")
    func instances() throws {
        let workflow = try load(Self.subgroups, knownKinds: ["survival/cox"])
        #expect(workflow.stages.map(\.id) == ["ingest@msk", "ingest@imvigor", "cox@nsclc", "cox@melanoma", "cox@bladder", "forest"])
        #expect(workflow.fanouts.map(\.template) == ["ingest", "cox"])
        #expect(workflow.fanouts.map(\.stages) == [0..<2, 2..<5])
        #expect(workflow.template(of: 3) == "cox")
        #expect(workflow.template(of: 5) == nil)
        #expect(workflow.item(of: 1)?.key == "imvigor")
        #expect(workflow.fanoutGroup(named: "cox")?.items.map(\.label) == ["NSCLC", "Melanoma", "bladder"])
    }

    @Test("placeholders fill paths, with (typed when whole), params, threads and resources per instance")
    func substitution() throws {
        let workflow = try load(Self.subgroups, knownKinds: ["survival/cox"])
        let bladder = workflow.stages[4]
        #expect(bladder.inputs.map(\.path) == ["results/ingest-imvigor.csv"])
        #expect(bladder.outputs.map(\.path) == ["results/cox-bladder.json"])
        #expect(bladder.params == ["subgroup": .string("bladder")])
        #expect(bladder.resources.threads == 1)
        #expect(bladder.resources.memory == "1G")
        #expect(workflow.stages[3].resources.threads == 4)
        guard case .builtin(_, let with) = bladder.action else { Issue.record("not a built-in"); return }
        #expect(with == .object([
            "filter": .string("bladder"), "title": .string("Cox in bladder"),
            "options": .object(["filter": .string("bladder"), "cohort": .string("imvigor"), "threads": .integer(1)]),
        ]))
    }

    @Test("a gather adds each matching instance's output, in instance order, and records labels")
    func gather() throws {
        let workflow = try load(Self.subgroups, knownKinds: ["survival/cox"])
        let forest = workflow.stages[5]
        #expect(forest.inputs.map(\.path) == ["results/cox-nsclc.json", "results/cox-melanoma.json"])
        #expect(forest.inputs.map(\.name) == ["models", "models"])
        #expect(workflow.gathers == [Gather(stage: 5, input: "models", template: "cox", output: "result", instances: [2, 3])])
        #expect(workflow.gathered(forStage: 5) == ["models": [
            GatheredInput(label: "NSCLC", key: "nsclc", stage: "cox@nsclc", path: "results/cox-nsclc.json"),
            GatheredInput(label: "Melanoma", key: "melanoma", stage: "cox@melanoma", path: "results/cox-melanoma.json"),
        ]])
    }

    @Test("the compiled form keeps fan-out groups and gathers")
    func binaryRoundTrip() throws {
        let workflow = try load(Self.subgroups, knownKinds: ["survival/cox"])
        let graph = try WorkflowValidator(probe: EveryFileExists()).validate(workflow)
        let compiled = CompiledWorkflow(workflow: workflow, graph: graph)
        let bytes = compiled.encoded()
        let decoded = try bytes.withUnsafeBytes { buffer throws(BinaryFormatError) in try CompiledWorkflow(decoding: buffer) }
        #expect(decoded.workflow.fanouts == workflow.fanouts)
        #expect(decoded.workflow.gathers == workflow.gathers)
        #expect(decoded == compiled)
    }

    @Test("matrix instances chain through paths to the instances they read")
    func matrixChain() throws {
        let workflow = try load("""
        name: m
        stages:
          simulate:
            matrix: {n: [100, 200], seed: [1, 2], exclude: [{n: 200, seed: 2}]}
            run: sim ${matrix.n} ${matrix.seed} > ${outputs.out}
            outputs: {out: "sims/${matrix.n}-${matrix.seed}.csv"}
          fit:
            matrix: {n: [100, 200], seed: [1, 2], exclude: [{n: 200, seed: 2}]}
            name: n${matrix.n}_s${matrix.seed}
            inputs: {data: "sims/${each.key}.csv"}
            run: fit ${inputs.data} > ${outputs.out}
            outputs: {out: "fits/${each.key}.json"}
        """)
        let graph = try WorkflowValidator(probe: EveryFileExists()).validate(workflow)
        #expect(workflow.stages.map(\.id) == ["simulate@100-1", "simulate@100-2", "simulate@200-1",
                                              "fit@n100_s1", "fit@n100_s2", "fit@n200_s1"])
        #expect(graph.dependencies[3] == [0])
        #expect(graph.dependencies[5] == [2])
    }
}

@Suite("Fan-out mistakes: positioned at the template, naming the instance, all at once")
struct FanoutDiagnosticsTests {
    @Test("an undefined item placeholder names the first instance, suggests a fix, and counts the others")
    func undefinedPlaceholder() {
        let yaml = """
        name: study
        stages:
          cox:
            foreach:
              nsclc: {filter: lung}
              melanoma: {filter: skin}
              bladder: {filter: bladder}
            outputs:
              result: "results/cox-${each.key}.json"
            inputs: {data: data.csv}
            params: {n: 1}
            run: >-
              fit --data ${inputs.data} --out ${outputs.result} --filter ${each.valu.filter}
        """
        #expect(diagnostics(yaml) == """
        workflow.yaml:13:66: error: stage 'cox@nsclc' (and 2 more instances): undefined placeholder '${each.valu.filter}'; did you mean '${each.value.filter}'?
        """)
    }

    @Test("a placeholder defined in some items only is reported for those that lack it")
    func missingField() {
        let yaml = """
        name: study
        stages:
          cox:
            foreach:
              nsclc: {filter: lung}
              melanoma: {label: Melanoma}
            run: fit ${each.value.filter} > ${outputs.o}
            outputs: {o: "r/${each.key}.txt"}
        """
        #expect(diagnostics(yaml) == """
        workflow.yaml:7:14: error: stage 'cox@melanoma': undefined placeholder '${each.value.filter}' (its item defines ${each.key}, ${each.value}, ${each.value.label})
        """)
        #expect(diagnostics(yaml.replacingAll("label: Melanoma", with: "filtre: skin")) == """
        workflow.yaml:7:14: error: stage 'cox@melanoma': undefined placeholder '${each.value.filter}'; did you mean '${each.value.filtre}'?
        """)
    }

    @Test("every mistake is reported at once: item placeholders without fan-out, wrong scopes, non-scalar paths")
    func collected() {
        let yaml = """
        name: study
        stages:
          plain:
            run: echo ${each.key} > ${outputs.o}
            outputs: {o: "p/${matrix.x}.txt"}
          fe:
            foreach: {a: {x: 1}, b: {x: 2}}
            run: echo ${matrix.m} > ${outputs.o}
            outputs: {o: "q/${each.value}.txt"}
            threads: ${each.value.y}
        """
        #expect(diagnostics(yaml) == """
        workflow.yaml:4:15: error: placeholder '${each.key}' in stage 'plain' needs 'foreach:' or 'matrix:' on the stage, which makes one instance per item; add it, or write the value out
        workflow.yaml:5:21: error: placeholder '${matrix.x}' in a path in 'outputs' of stage 'plain' needs 'matrix:' on the stage, which makes one instance per item; add it, or write the value out
        workflow.yaml:8:15: error: stage 'fe@a' (and 1 more instance): placeholder '${matrix.m}' applies only to 'matrix:' stages, and this one has 'foreach:'; use '${each.key}' or '${each.value…}'
        workflow.yaml:9:21: error: stage 'fe@a' (and 1 more instance): placeholder '${each.value}' is a map in this instance, but in a path it must be a string or a number; use one of its fields, e.g. '${each.value.FIELD}'
        workflow.yaml:10:14: error: stage 'fe@a' (and 1 more instance): undefined placeholder '${each.value.y}'; did you mean '${each.value.x}'?
        """)
    }

    @Test("item-dependent settings are checked per instance as a plain stage's are")
    func settingsPerInstance() {
        let yaml = """
        name: study
        stages:
          fit:
            foreach: [1, 0, 5000]
            run: fit > ${outputs.o}
            outputs: {o: "r/${each.key}.txt"}
            threads: ${each.value}
            resources: {time: "${each.key}x"}
        """
        #expect(diagnostics(yaml) == """
        workflow.yaml:7:14: error: stage 'fit@0': 'threads' must be an integer from 1 to 4096, got '0'
        workflow.yaml:7:14: error: stage 'fit@5000': 'threads' must be an integer from 1 to 4096, got '5000'
        workflow.yaml:8:23: error: stage 'fit@0': 'time' must be a duration like 90s, 30m, 2h or 1-00:00:00, got '0x'
        workflow.yaml:8:23: error: stage 'fit@1': 'time' must be a duration like 90s, 30m, 2h or 1-00:00:00, got '1x'
        workflow.yaml:8:23: error: stage 'fit@5000': 'time' must be a duration like 90s, 30m, 2h or 1-00:00:00, got '5000x'
        """)
    }

    @Test("an instance path that leaves the workspace is refused, naming the instance")
    func pathPerInstance() {
        let yaml = """
        name: study
        stages:
          fit:
            foreach: [ok, ..]
            run: fit > ${outputs.o}
            outputs: {o: "${each.key}/../../x.txt"}
        """
        #expect(diagnostics(yaml) == """
        workflow.yaml:6:18: error: stage 'fit@..': output '../../../x.txt' is outside the workspace; write it under the workspace, e.g. 'results/…'
        workflow.yaml:6:18: error: stage 'fit@ok': output 'ok/../../x.txt' is outside the workspace; write it under the workspace, e.g. 'results/…'
        """)
    }

    @Test("a placeholder in a flow mapping says what YAML did and shows the quoted value at the placeholder")
    func flowMappingTrap() {
        let yaml = """
        name: study
        stages:
          fit:
            foreach: [a, b]
            run: fit > ${outputs.out}
            outputs: {out: o/${each.key}.txt}
        """
        #expect(diagnostics(yaml) == """
        workflow.yaml:6:22: error: YAML syntax error: the '{' and '}' of placeholder '${each.key}' are YAML syntax inside a flow mapping '{…}', so the value ends early; quote the value, as in "o/${each.key}.txt", or write the mapping in block style
        """)
        #expect(diagnostics("name: s\nstages:\n  a:\n    inputs: [d/${params.x}/in.csv, b]\n") == """
        workflow.yaml:4:16: error: YAML syntax error: the '{' and '}' of placeholder '${params.x}' are YAML syntax inside a flow sequence '[…]', so the value ends early; quote the value, as in "d/${params.x}/in.csv", or write the list in block style
        """)
    }

    @Test("gather mistakes: unknown template, plain stage, unknown output, unknown field, matching nothing, missing key")
    func gatherMistakes() {
        let yaml = """
        name: study
        stages:
          cox:
            foreach: {nsclc: {filter: lung}, mel: {filter: skin}}
            run: fit > ${outputs.out}
            outputs: {out: "o/${each.key}.txt"}
          plain:
            run: x > ${outputs.o}
            outputs: {o: p.txt}
          report:
            inputs:
              a: {each: coxx, output: out}
              b: {each: plain, output: o}
              c: {each: cox, output: outt}
              d: {each: cox, output: out, where: {filtr: lung}}
              e: {each: cox, output: out, where: {filter: brain}}
              f: {each: cox}
            run: cat ${inputs.a} > ${outputs.o}
            outputs: {o: r/g.txt}
        """
        #expect(diagnostics(yaml) == """
        workflow.yaml:12:17: error: input 'a' of stage 'report' gathers from unknown stage 'coxx'; did you mean 'cox'? (fan-out stages: cox)
        workflow.yaml:13:17: error: input 'b' of stage 'report' gathers from stage 'plain', which has no 'foreach:' or 'matrix:', so it has no instances; read its output by path instead
        workflow.yaml:14:30: error: input 'c' of stage 'report' gathers output 'outt' of stage 'cox', which has no such output; did you mean 'out'? (its outputs: out)
        workflow.yaml:15:43: error: 'where' of input 'd' of stage 'report' names field 'filtr', which no instance of 'cox' has; did you mean 'filter'? (fields: filter, key)
        workflow.yaml:16:42: error: 'where' of input 'e' of stage 'report' matches no instance of 'cox'; check its values (instances: nsclc, mel)
        workflow.yaml:17:10: error: input 'f' of stage 'report' is a mapping without 'output'; a path is a string, and a gathered input is {each: STAGE, output: OUTPUT}
        """)
    }

    @Test("one typo over 10,000 instances is one line; without it every instance loads")
    func manyInstances() throws {
        let yaml = """
        name: big
        stages:
          sim:
            matrix: {a: [\((0..<100).map(String.init).joined(separator: ", "))], b: [\((0..<100).map(String.init).joined(separator: ", "))]}
            run: sim ${matrix.a} ${matrix.bb} > ${outputs.out}
            outputs: {out: "sims/${matrix.a}/${matrix.b}.csv"}
        """
        #expect(diagnostics(yaml)?.hasSuffix("error: stage 'sim@0-0' (and 9999 more instances): undefined placeholder '${matrix.bb}'; did you mean '${matrix.b}'?") == true)
        let workflow = try load(yaml.replacingAll("${matrix.bb}", with: "${matrix.b}"))
        #expect(workflow.stages.count == 10_000)
        #expect(workflow.stages[9_999].outputs[0].path == "sims/99/99.csv")
    }
}
