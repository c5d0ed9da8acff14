import StudyCore
import Testing

private func diagnostics(_ yaml: String) -> String? { WorkflowTextLoader.diagnostics(yaml) }

private let base = """
name: demo
params: {seed: 1, cohorts: [a, b]}
stages:
  a:
    run: echo ${params.seed}

"""

@Suite("profiles: named run settings")
struct ProfileLoadingTests {
    @Test("a profile gives params, jobs, executor and slurm settings")
    func loads() throws {
        let workflow = try WorkflowLoader().load(text: base + """
        profiles:
          cluster:
            description: the lab cluster
            params: {cohorts: [a, b, c]}
            jobs: 64
            executor: slurm
            slurm: {partition: long, sbatch_args: [--qos=high]}
          quick: {params: {seed: 2}}
        """, file: "w.yaml")
        #expect(workflow.profiles == [
            "cluster": Profile(params: ["cohorts": .array([.string("a"), .string("b"), .string("c")])], jobs: 64, executor: "slurm",
                               slurm: SlurmDefaults(partition: "long", sbatchArguments: ["--qos=high"])),
            "quick": Profile(params: ["seed": .integer(2)]),
        ])
    }

    @Test("profile mistakes are positioned diagnostics with fixes")
    func mistakes() {
        #expect(diagnostics(base + """
        profiles:
          cluster: {params: {sed: 2}, jobs: 0, executor: slrum, slurm: {partion: x}, job: 2}
          "bad name": {}
          flat: 3
        """) == """
        w.yaml:7:22: error: profile 'cluster' sets parameter 'sed', which the workflow does not declare; did you mean 'seed'?
        w.yaml:7:37: error: 'jobs' of profile 'cluster' must be an integer from 1 to 100000, got '0'
        w.yaml:7:50: error: unknown executor 'slrum' in profile 'cluster'; did you mean 'slurm'?
        w.yaml:7:65: error: unknown key 'partion' in 'slurm'; did you mean 'partition'?
        w.yaml:7:78: error: unknown key 'job' in profile 'cluster'; did you mean 'jobs'?
        w.yaml:8:3: error: bad profile name 'bad name'; use letters, digits, '_' and '-'
        w.yaml:9:9: error: profile 'flat' must be a mapping with 'params', 'jobs', 'executor' or 'slurm', got a scalar
        """)
    }
}

@Suite("--params-file: parameter values from YAML")
struct ParamsFileTests {
    @Test("values of any type are read, with the location of each name")
    func anyType() throws {
        let file = try ParamsFile.parse(Array("seed: 7\ncohorts: [x, y]\nfilter: {age: 60}\n".utf8), file: "p.yaml")
        #expect(file.values == ["seed": .integer(7), "cohorts": .array([.string("x"), .string("y")]),
                                "filter": .object(["age": .integer(60)])])
        #expect(file.entries[1].location == SourceLocation(file: "p.yaml", line: 2, column: 1))
    }

    @Test("an empty params file overrides nothing")
    func empty() throws {
        #expect(try ParamsFile.parse(Array("# nothing yet\n".utf8), file: "p.yaml").entries.isEmpty)
    }

    @Test("unknown names are positioned in the params file with a did-you-mean, as --param says it")
    func unknownNames() throws {
        let file = try ParamsFile.parse(Array("seed: 7\nchorts: [x]\nzzz: 1\n".utf8), file: "p.yaml")
        let declared: [String: JSONValue] = ["seed": .integer(1), "cohorts": .array([])]
        #expect(WorkflowDiagnostics(file.unknownNames(declared: declared)).description == """
        p.yaml:2:1: error: no workflow parameter named 'chorts'; did you mean 'cohorts'?
        p.yaml:3:1: error: no workflow parameter named 'zzz'; declare it under 'params:' in the workflow
        """)
    }

    @Test("malformed params files are diagnostics positioned in them")
    func malformed() {
        func message(_ text: String) -> String? {
            do { _ = try ParamsFile.parse(Array(text.utf8), file: "p.yaml"); return nil } catch { return error.description }
        }
        #expect(message("- a\n") == "p.yaml:1:1: error: a params file must be a mapping of parameter name to value, like 'seed: 7', got a list")
        #expect(message("seed: 1\nseed: 2\nbad-name: 3\nx: ${params.seed}\n") == """
        p.yaml:2:1: error: duplicate key 'seed' in the params file (first at line 1); remove one of them
        p.yaml:3:1: error: bad parameter name 'bad-name' in the params file; use letters, digits and '_'
        p.yaml:4:4: error: placeholder '${params.seed}' in parameter 'x' of the params file is not expanded: placeholders expand only in 'run', input and output paths and 'with'; write the value, e.g. a literal value
        """)
        #expect(message("a: [1\n") == "p.yaml:2:1: error: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence")
    }
}
