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
