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
