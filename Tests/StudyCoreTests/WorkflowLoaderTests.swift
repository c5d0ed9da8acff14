#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Testing

/// The diagnostics text of loading `yaml` as `w.yaml`, or `nil` when it loads.
private func diagnostics(_ yaml: String, knownKinds: [String] = []) -> String? {
    do {
        _ = try WorkflowLoader(knownKinds: knownKinds).load(text: yaml, file: "w.yaml")
        return nil
    } catch {
        return error.description
    }
}

/// A workflow that must load.
private func load(_ yaml: String, knownKinds: [String] = []) throws -> Workflow {
    try WorkflowLoader(knownKinds: knownKinds).load(text: yaml, file: "w.yaml")
}

@Suite("WorkflowLoader: syntax and keys")
struct WorkflowLoaderKeyTests {
    @Test("a YAML syntax error is reported with libyaml's problem and position")
    func syntaxError() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo [unclosed
            inputs: [a, b
        """
        #expect(diagnostics(yaml) == "w.yaml:6:1: error: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence")
    }

    @Test("an empty file says how to start")
    func emptyFile() {
        #expect(diagnostics("") == "w.yaml:1:1: error: workflow file is empty; 'studyflow init' writes an example to start from")
    }

    @Test("a file that is not a mapping is rejected")
    func notAMapping() {
        #expect(diagnostics("- a\n- b\n") == "w.yaml:1:1: error: a workflow must be a mapping with 'name' and 'stages', got a list")
    }

    @Test("missing 'name' and 'stages' are both reported at the top of the file")
    func missingRequiredKeys() {
        #expect(diagnostics("description: nothing here\n") == """
        w.yaml:1:1: error: missing required key 'name'; add e.g. 'name: my-study' at the top
        w.yaml:1:1: error: missing required key 'stages'
        """)
    }

    @Test("a 'slurm' block gives partition, account and sbatch arguments; mistakes are diagnostics")
    func slurmBlock() throws {
        let workflow = try load("""
        name: demo
        slurm: {partition: short, account: lab42, sbatch_args: [--qos=normal, "--constraint=a b"]}
        stages:
          a:
            run: echo hi
        """)
        #expect(workflow.slurm == SlurmDefaults(partition: "short", account: "lab42", sbatchArguments: ["--qos=normal", "--constraint=a b"]))
        #expect(try load("name: d\nstages:\n  a:\n    run: echo\n").slurm == SlurmDefaults())
        #expect(diagnostics("""
        name: demo
        slurm:
          partion: short
          account: ""
          sbatch_args: [qos=normal]
        stages:
          a:
            run: echo hi
        """) == """
        w.yaml:3:3: error: unknown key 'partion' in 'slurm'; did you mean 'partition'?
        w.yaml:4:12: error: 'account' in 'slurm' must be a SLURM account name, got ''
        w.yaml:5:17: error: 'sbatch_args' in 'slurm' holds sbatch options, which start with '-', got 'qos=normal'; write e.g. '--qos=normal'
        """)
        #expect(diagnostics("name: d\nslurm: short\nstages:\n  a:\n    run: echo\n") ==
                "w.yaml:2:8: error: 'slurm' must be a mapping like {partition: short, account: lab, sbatch_args: [--qos=normal]}, got a scalar")
    }

    @Test("an unknown top-level key suggests the closest known key")
    func unknownTopLevelKey() {
        let yaml = """
        name: demo
        descriptoin: a typo
        stages:
          a:
            run: echo hi
        """
        #expect(diagnostics(yaml) == "w.yaml:2:1: error: unknown key 'descriptoin' at the top level; did you mean 'description'?")
    }

    @Test("an unknown stage key suggests 'outputs' for 'ouputs'")
    func unknownStageKey() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            ouputs: [results/a.txt]
        """
        #expect(diagnostics(yaml) == "w.yaml:5:5: error: unknown key 'ouputs' in stage 'a'; did you mean 'outputs'?")
    }

    @Test("an unknown key far from every known key gets no suggestion")
    func unknownKeyWithoutSuggestion() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            zzzzzzzz: 1
        """
        #expect(diagnostics(yaml) == "w.yaml:5:5: error: unknown key 'zzzzzzzz' in stage 'a'")
    }

    @Test("a duplicate top-level key names the line of the first one")
    func duplicateTopLevelKey() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
        name: again
        """
        #expect(diagnostics(yaml) == "w.yaml:5:1: error: duplicate key 'name' at the top level (first at line 1); remove one of them")
    }

    @Test("a duplicate key in a stage is reported at the second occurrence")
    func duplicateStageKey() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo one
            threads: 2
            run: echo two
        """
        #expect(diagnostics(yaml) == "w.yaml:6:5: error: duplicate key 'run' in stage 'a' (first at line 4); remove one of them")
    }

    @Test("a duplicate stage id is reported")
    func duplicateStageID() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo one
          a:
            run: echo two
        """
        #expect(diagnostics(yaml) == "w.yaml:5:3: error: duplicate key 'a' in 'stages' (first at line 3); remove one of them")
    }

    @Test("a duplicate key nested in 'with' is reported")
    func duplicateKeyInWith() {
        let yaml = """
        name: demo
        stages:
          km:
            uses: survival/kaplan-meier
            with:
              time: months
              event: death
              time: days
        """
        #expect(diagnostics(yaml, knownKinds: ["survival/kaplan-meier"])
            == "w.yaml:8:7: error: duplicate key 'time' in 'with' of stage 'km' (first at line 6); remove one of them")
    }

    @Test("a duplicate key in a flow mapping of params is reported")
    func duplicateKeyInParams() {
        let yaml = """
        name: demo
        params: {seed: 1, seed: 2}
        stages:
          a:
            run: echo hi
        """
        #expect(diagnostics(yaml) == "w.yaml:2:19: error: duplicate key 'seed' in 'params' of workflow (first at line 2); remove one of them")
    }
}

@Suite("WorkflowLoader: types and values")
struct WorkflowLoaderTypeTests {
    @Test("'threads: two' is not an integer in range")
    func threadsNotANumber() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            threads: two
        """
        #expect(diagnostics(yaml) == "w.yaml:5:14: error: 'threads' of stage 'a' must be an integer from 1 to 4096, got 'two'")
    }

    @Test("'threads: 0' is below the allowed range")
    func threadsZero() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    threads: 0\n"
        #expect(diagnostics(yaml) == "w.yaml:5:14: error: 'threads' of stage 'a' must be an integer from 1 to 4096, got '0'")
    }

    @Test("a quoted number is a string, not an integer")
    func threadsQuoted() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    threads: \"2\"\n"
        #expect(diagnostics(yaml) == "w.yaml:5:14: error: 'threads' of stage 'a' must be an integer from 1 to 4096, got '2'")
    }

    @Test("'retries: -1' is below the allowed range")
    func retriesNegative() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            retries: -1
        """
        #expect(diagnostics(yaml) == "w.yaml:5:14: error: 'retries' of stage 'a' must be an integer from 0 to 100, got '-1'")
    }

    @Test("an integer above the allowed range names the limit, not 'must be a positive integer'")
    func threadsAboveRange() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    threads: 5000\n    retries: 101\n"
        let text = diagnostics(yaml) ?? ""
        // 5000 *is* a positive integer; the message should say what the limit is.
        #expect(text.contains("4096"))
        #expect(text.contains("100"))
        #expect(text == """
        w.yaml:5:14: error: 'threads' of stage 'a' must be an integer from 1 to 4096, got '5000'
        w.yaml:6:14: error: 'retries' of stage 'a' must be an integer from 0 to 100, got '101'
        """)
    }

    @Test("'env: LANG' must be a list")
    func envScalar() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            env: LANG
        """
        #expect(diagnostics(yaml) == "w.yaml:5:10: error: 'env' of stage 'a' must be a list of variable names, got a scalar")
    }

    @Test("a bad environment variable name is reported at the entry")
    func envBadName() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    env: [LANG, 1X, A-B]\n"
        #expect(diagnostics(yaml) == """
        w.yaml:5:17: error: bad environment variable name '1X' in stage 'a'
        w.yaml:5:21: error: bad environment variable name 'A-B' in stage 'a'
        """)
    }

    @Test("'stages' must be a mapping")
    func stagesNotAMapping() {
        #expect(diagnostics("name: demo\nstages: [a, b]\n")
            == "w.yaml:2:9: error: 'stages' must be a mapping of stage id to stage, got a list")
    }

    @Test("a stage must be a mapping")
    func stageNotAMapping() {
        #expect(diagnostics("name: demo\nstages:\n  a: echo hi\n")
            == "w.yaml:3:6: error: stage 'a' must be a mapping with 'run' or 'uses', got a scalar")
    }

    @Test("'run' must be a string")
    func runNotAString() {
        #expect(diagnostics("name: demo\nstages:\n  a:\n    run: [echo, hi]\n")
            == "w.yaml:4:10: error: 'run' of stage 'a' must be a string, got a list")
    }

    @Test("'with' of a built-in stage must be a mapping")
    func withNotAMapping() {
        let yaml = "name: demo\nstages:\n  km:\n    uses: survival/cox\n    with: [a]\n"
        #expect(diagnostics(yaml, knownKinds: ["survival/cox"]) == "w.yaml:5:11: error: 'with' of stage 'km' must be a mapping")
    }

    @Test("'resources' must be a mapping")
    func resourcesNotAMapping() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    resources: 2G\n"
        #expect(diagnostics(yaml) == "w.yaml:5:16: error: 'resources' of stage 'a' must be a mapping like {memory: 2G, time: 30m}")
    }

    @Test("bad memory and time formats and unknown resource keys are reported")
    func resourcesFormats() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo hi
            resources: {memory: lots, time: soon, cpus: 4}
        """
        #expect(diagnostics(yaml) == """
        w.yaml:5:25: error: 'memory' of stage 'a' must be a size like 512M or 2G, got 'lots'
        w.yaml:5:37: error: 'time' of stage 'a' must be a duration like 90s, 30m, 2h or 1-00:00:00, got 'soon'
        w.yaml:5:43: error: unknown key 'cpus' in 'resources' of stage 'a'
        """)
    }

    @Test("valid memory and time are kept as written")
    func resourcesValid() throws {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi\n    resources: {memory: 1.5T, time: 1-00:00:00}\n"
        let stage = try load(yaml).stages[0]
        #expect(stage.resources == StageResources(threads: 1, memory: "1.5T", time: "1-00:00:00", retries: 0))
    }

    @Test("a bad parameter name is reported")
    func badParamName() {
        let yaml = "name: demo\nparams: {my-seed: 1}\nstages:\n  a:\n    run: echo hi\n"
        #expect(diagnostics(yaml) == "w.yaml:2:10: error: bad parameter name 'my-seed' in workflow; use letters, digits and '_'")
    }

    @Test("an empty 'stages' asks for a stage")
    func emptyStages() {
        #expect(diagnostics("name: demo\nstages: {}\n") == "w.yaml:2:9: error: 'stages' is empty; add at least one stage")
    }
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

@Suite("WorkflowLoader: placeholders")
struct WorkflowLoaderPlaceholderTests {
    @Test("a misspelled input name suggests the declared one, at the placeholder's column")
    func misspelledInput() {
        let yaml = """
        name: demo
        stages:
          a:
            run: cat ${inputs.rw} > ${outputs.out}
            inputs: {raw: data/raw.csv}
            outputs: {out: results/a.txt}
        """
        #expect(diagnostics(yaml) == "w.yaml:4:14: error: undefined placeholder '${inputs.rw}' in stage 'a'; did you mean '${inputs.raw}'? (named inputs: raw)")
    }

    @Test("a misspelled scope suggests the right scope")
    func misspelledScope() {
        let yaml = """
        name: demo
        stages:
          a:
            run: cat ${input.raw}
            inputs: {raw: data/raw.csv}
        """
        #expect(diagnostics(yaml) == "w.yaml:4:14: error: undefined placeholder '${input.raw}' in stage 'a'; did you mean '${inputs.raw}'?")
    }

    @Test("an unknown scope far from every scope lists the placeholders that exist")
    func unknownScope() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo ${stage.id}\n"
        #expect(diagnostics(yaml) == "w.yaml:4:15: error: undefined placeholder '${stage.id}' in stage 'a'; placeholders are ${inputs.NAME}, ${outputs.NAME} and ${params.NAME} (and ${each…}, ${matrix…} on fan-out stages)")
    }

    @Test("an undefined parameter when none is declared says so")
    func undefinedParamNoneDeclared() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo ${params.nope}
        """
        #expect(diagnostics(yaml) == "w.yaml:4:15: error: undefined placeholder '${params.nope}' in stage 'a' (stage 'a' names no params)")
    }

    @Test("workflow and stage parameters are both visible to placeholders")
    func paramsFromWorkflowAndStage() throws {
        let yaml = """
        name: demo
        params: {seed: 42}
        stages:
          a:
            run: echo ${params.seed} ${params.threshold}
            params: {threshold: 0.5}
        """
        #expect(diagnostics(yaml) == nil)
        let yamlWithTypo = """
        name: demo
        params: {seed: 42}
        stages:
          a:
            run: echo ${params.sed} ${params.threshold}
            params: {threshold: 0.5}
        """
        #expect(diagnostics(yamlWithTypo) == "w.yaml:5:15: error: undefined placeholder '${params.sed}' in stage 'a'; did you mean '${params.seed}'? (named params: seed, threshold)")
    }

    @Test("the did-you-mean among parameters does not depend on dictionary order")
    func paramSuggestionIsDeterministic() async {
        // '${params.ad}' is one edit from 'ab', 'ac', 'ae' and 'af'; each exit test has a fresh hash seed.
        // Ties go to the alphabetically first name, whatever the hash seed.
        for _ in 0..<6 {
            await #expect(processExitsWith: .success) {
                let yaml = "name: demo\nparams: {ab: 1, ac: 2, ae: 3, af: 4}\nstages:\n  a:\n    run: echo ${params.ad}\n"
                let expected = "w.yaml:5:15: error: undefined placeholder '${params.ad}' in stage 'a'; did you mean '${params.ab}'? (named params: ab, ac, ae, af)"
                exit(diagnostics(yaml) == expected ? 0 : 1)
            }
        }
    }

    @Test("an undefined output in a stage with no named outputs says so")
    func undefinedOutputNoneNamed() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo hi > ${outputs.out}\n    outputs: [results/a.txt]\n"
        #expect(diagnostics(yaml) == "w.yaml:4:20: error: undefined placeholder '${outputs.out}' in stage 'a' (stage 'a' names no outputs)")
    }

    @Test("a placeholder inside a literal block scalar is reported on its own line and column")
    func placeholderInLiteralBlock() {
        let yaml = """
        name: demo
        stages:
          a:
            run: |
              echo start
              cat ${inputs.rw} > ${outputs.out}
            inputs: {raw: data/raw.csv}
            outputs: {out: results/a.txt}
        """
        #expect(diagnostics(yaml) == "w.yaml:6:11: error: undefined placeholder '${inputs.rw}' in stage 'a'; did you mean '${inputs.raw}'? (named inputs: raw)")
    }

    @Test("a placeholder inside a folded block scalar is reported on its own line and column")
    func placeholderInFoldedBlock() {
        let yaml = """
        name: demo
        stages:
          a:
            run: >
              echo start &&
              cat ${inputs.rw}
            inputs: {raw: data/raw.csv}
        """
        #expect(diagnostics(yaml) == "w.yaml:6:11: error: undefined placeholder '${inputs.rw}' in stage 'a'; did you mean '${inputs.raw}'? (named inputs: raw)")
    }

    @Test("a placeholder inside a multi-line plain scalar is reported on its own line and column")
    func placeholderInMultiLinePlainScalar() {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo start &&
              cat ${inputs.rw}
            inputs: {raw: data/raw.csv}
        """
        #expect(diagnostics(yaml) == "w.yaml:5:11: error: undefined placeholder '${inputs.rw}' in stage 'a'; did you mean '${inputs.raw}'? (named inputs: raw)")
    }

    @Test("the second of two equal placeholders in a folded block scalar is found on its own line")
    func repeatedPlaceholderInFoldedBlock() {
        let yaml = """
        name: demo
        stages:
          a:
            run: >
              echo ${inputs.raw}
              ${inputs.rw} ${inputs.rw}
            inputs: {raw: data/raw.csv}
        """
        #expect(diagnostics(yaml) == """
        w.yaml:6:7: error: undefined placeholder '${inputs.rw}' in stage 'a'; did you mean '${inputs.raw}'? (named inputs: raw)
        w.yaml:6:20: error: undefined placeholder '${inputs.rw}' in stage 'a'; did you mean '${inputs.raw}'? (named inputs: raw)
        """)
    }

    @Test("the shell's own ${NAME} is not a placeholder")
    func shellVariablesIgnored() {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo ${HOME} ${#HOME} $PATH\n"
        #expect(diagnostics(yaml) == nil)
    }

    @Test("'${inputs}' and '${outputs}' without a name are accepted")
    func wholeScopePlaceholders() {
        let yaml = "name: demo\nstages:\n  a:\n    run: cat ${inputs} > ${outputs}\n    inputs: [data/a.txt]\n    outputs: [results/a.txt]\n"
        #expect(diagnostics(yaml) == nil)
    }
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

@Suite("WorkflowLoader: sign")
struct WorkflowLoaderSignTests {
    @Test("'sign: true' turns signing on; without the key it is off")
    func signKey() throws {
        #expect(try load("name: s\nsign: true\nstages:\n  a:\n    run: 'true'\n").sign)
        #expect(try !load("name: s\nsign: false\nstages:\n  a:\n    run: 'true'\n").sign)
        #expect(try !load("name: s\nstages:\n  a:\n    run: 'true'\n").sign)
    }

    @Test("a 'sign' that is not a plain boolean is a load error at its value")
    func signNotBoolean() {
        #expect(diagnostics("name: s\nsign: yes\nstages:\n  a:\n    run: 'true'\n")
            == "w.yaml:2:7: error: 'sign' must be true or false, got 'yes'")
        #expect(diagnostics("name: s\nsign: 'true'\nstages:\n  a:\n    run: 'true'\n")
            == "w.yaml:2:7: error: 'sign' must be true or false, got the quoted string 'true'; drop the quotes")
        #expect(diagnostics("name: s\nsign: [true]\nstages:\n  a:\n    run: 'true'\n")
            == "w.yaml:2:7: error: 'sign' must be true or false, got a list")
    }

    @Test("a misspelled 'sign' is an unknown key with a suggestion")
    func signMisspelled() {
        #expect(diagnostics("name: s\nsigned: true\nstages:\n  a:\n    run: 'true'\n")?.hasPrefix("w.yaml:2:1: error: unknown key 'signed' at the top level") == true)
    }
}
