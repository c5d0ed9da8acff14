#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Testing

/// The diagnostics text of loading `yaml` as `w.yaml`, or `nil` when it loads.
private func diagnostics(_ yaml: String, knownKinds: [String] = []) -> String? {
    WorkflowTextLoader.diagnostics(yaml, knownKinds: knownKinds)
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
