import StudyCore
import Testing
import _StudyTestSupport

/// `FieldLocations`: the loader records where every field of `with:` is written, so a problem
/// with one value can point at it; inputs and outputs point at their own paths.
@Suite struct FieldLocationsTests {
    private let yaml = """
        name: t
        stages:
          cox:
            uses: survival/cox
            inputs: {table: t.csv}
            outputs:
              result: r.json
            with:
              time: months
              covariates: [age, sex, {bad: 1}]
              conf_typ: log
              categorical:
                sex: {reference: f}
        """

    private func stage() throws -> Stage {
        try WorkflowLoader(knownKinds: ["survival/cox"]).load(text: yaml, file: "w.yaml").stages[0]
    }

    private func fields() throws -> FieldLocations { try stage().fields }

    private func at(_ line: Int, _ column: Int) -> StudyCore.SourceLocation { StudyCore.SourceLocation(file: "w.yaml", line: line, column: column) }

    @Test("a list item, a nested member and an output point at their own values")
    func values() throws {
        let fields = try fields()
        #expect(fields.location(forProblem: "with.covariates[2]: must be a column name, not {\"bad\":1}") == at(10, 30))
        #expect(fields.location(forProblem: "with.categorical.sex.reference: 'f' is not a level") == at(13, 26))
        #expect(fields.location(forProblem: "with.time: must be a single name") == at(9, 13))
        let stage = try stage()
        #expect(stage.location(forProblem: "outputs.result: missing") == at(7, 15))
        #expect(stage.location(forProblem: "inputs.table: unreadable") == at(5, 21))
        #expect(stage.location(forProblem: "with.covariates[2]: must be a column name") == at(10, 30))
    }

    @Test("an unknown setting points at its key")
    func unknownSetting() throws {
        let fields = try fields()
        #expect(fields.location(forProblem: "with: unknown setting 'conf_typ'; did you mean 'conf_type'?") == at(11, 7))
        #expect(fields.location(forProblem: "with.categorical.sex: unknown setting; known settings: reference") == at(13, 9))
    }

    @Test("a field that is not written points at the nearest written field around it, or at the stage")
    func fallback() throws {
        let fields = try fields()
        #expect(fields.location(forProblem: "with.ties: must be efron or breslow") == at(9, 7))
        #expect(fields.location(forProblem: "with.covariates[7]: must be a column name") == at(10, 19))
        #expect(try stage().location(forProblem: "outputs.summary: missing") == at(3, 3))
    }

    @Test("a problem that names no field has no location of its own, and points at the stage")
    func noField() throws {
        let fields = try fields()
        #expect(try stage().location(forProblem: "missing input 'table' (a CSV file)") == at(3, 3))
        #expect(fields.location(forProblem: "missing input 'table' (a CSV file); inputs: {table: PATH}") == nil)
        #expect(fields.location(forProblem: "no rows left") == nil)
        #expect(fields.location(forProblem: "within: the period") == nil)
    }

    @Test("the compiled form keeps the field locations")
    func compiledRoundTrip() throws {
        let workflow = try WorkflowLoader(knownKinds: ["survival/cox"]).load(text: yaml, file: "w.yaml")
        let directory = TemporaryDirectory()
        directory.write("t.csv", "a\n1\n")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: directory.path)).validate(workflow)
        let compiled = CompiledWorkflow(workflow: workflow, graph: graph)
        let decoded = try compiled.encoded().withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
        #expect(decoded.workflow.stages[0].fields == workflow.stages[0].fields)
        #expect(decoded.workflow.stages[0].fields.location(of: "with.covariates[2]") == at(10, 30))
    }
}

