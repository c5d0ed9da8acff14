import StudyCore
import Testing

/// Loads `Workflows/study.yaml` from `files` (which must hold it), with `include:` reading `files`.
private func load(_ files: [String: String], profile: String? = nil,
                  overrides: [String: JSONValue] = [:]) throws(WorkflowDiagnostics) -> Workflow {
    let memory = MemoryWorkflowFiles(files)
    return try WorkflowLoader(paramOverrides: overrides, profile: profile, files: memory)
        .load(text: files["Workflows/study.yaml"]!, file: "Workflows/study.yaml")
}

/// The diagnostics text of loading, or nil when it loads.
private func diagnostics(_ files: [String: String]) -> String? {
    do {
        _ = try load(files)
        return nil
    } catch {
        return error.description
    }
}

private let main = """
name: study
params: {seed: 1}
include: [cohorts/*.yaml]
stages:
  prepare:
    run: echo ${params.seed} > ${outputs.table}
    outputs: {table: results/table.csv}

"""

private let msk = """
params: {msk_filter: "liver == 1"}
stages:
  cox_msk:
    run: cat ${inputs.table} > ${outputs.result}
    inputs: {table: results/table.csv}
    outputs:
      result: results/msk/${params.msk_filter}.json

"""

private let imvigor = """
stages:
  cox_imvigor:
    run: cat ${inputs.table} > ${outputs.result}
    inputs: {table: results/table.csv}
    outputs: {result: results/imvigor.json}

"""

@Suite("include: merging stages and parameters from other files")
struct WorkflowIncludeMergeTests {
    @Test("a glob includes its files in sorted order; their stages follow the main file's and their params merge")
    func globMerges() throws {
        let workflow = try load(["Workflows/study.yaml": main, "Workflows/cohorts/msk.yaml": msk,
                                 "Workflows/cohorts/imvigor.yaml": imvigor, "Workflows/cohorts/notes.txt": "not yaml"])
        #expect(workflow.stages.map(\.id) == ["prepare", "cox_imvigor", "cox_msk"])
        #expect(workflow.params == ["seed": .integer(1), "msk_filter": .string("liver == 1")])
        #expect(workflow.includes.files.map(\.path) == ["Workflows/cohorts/imvigor.yaml", "Workflows/cohorts/msk.yaml"])
        #expect(workflow.includes.files[1].digest == Digest.of(Array(msk.utf8)))
        #expect(workflow.includes.patterns == [IncludePattern(pattern: "Workflows/cohorts/*.yaml",
                                                              matches: ["Workflows/cohorts/imvigor.yaml", "Workflows/cohorts/msk.yaml"],
                                                              directories: ["Workflows/cohorts"])])
        // A stage of an included file is positioned in it, and its paths see the merged params.
        let cox = workflow.stages[2]
        #expect(cox.location == SourceLocation(file: "Workflows/cohorts/msk.yaml", line: 3, column: 3))
        #expect(cox.outputs[0].path == "results/msk/liver == 1.json")
        #expect(cox.outputs[0].location.file == "Workflows/cohorts/msk.yaml")
    }

    @Test("nested includes resolve against the including file's directory, depth first")
    func nested() throws {
        let workflow = try load([
            "Workflows/study.yaml": main.replacingOccurrences(of: "[cohorts/*.yaml]", with: "[cohorts/all.yaml, extra.yaml]"),
            "Workflows/cohorts/all.yaml": "include: [msk.yaml, ../../shared/imvigor.yaml]\n",
            "Workflows/cohorts/msk.yaml": msk, "shared/imvigor.yaml": imvigor,
            "Workflows/extra.yaml": "params: {extra: 2}\n",
        ])
        #expect(workflow.includes.files.map(\.path) == ["Workflows/cohorts/all.yaml", "Workflows/cohorts/msk.yaml",
                                                        "shared/imvigor.yaml", "Workflows/extra.yaml"])
        #expect(workflow.stages.map(\.id) == ["prepare", "cox_msk", "cox_imvigor"])
        #expect(workflow.params["extra"] == .integer(2))
    }

    @Test("the stages of a workflow may all come from included files")
    func stagesOnlyIncluded() throws {
        let workflow = try load(["Workflows/study.yaml": "name: s\nparams: {seed: 1}\ninclude: cohorts/msk.yaml\n",
                                 "Workflows/cohorts/msk.yaml": msk.replacingOccurrences(of: "${inputs.table}", with: "x")
                                    .replacingOccurrences(of: "    inputs: {table: results/table.csv}\n", with: "")])
        #expect(workflow.stages.map(\.id) == ["cox_msk"])
    }

    @Test("the selected profile's params and the overrides reach paths of included files, in precedence order")
    func profilePrecedence() throws {
        let files = ["Workflows/study.yaml": main + "profiles:\n  wide: {params: {msk_filter: wide, seed: 5}, jobs: 3}\n",
                     "Workflows/cohorts/msk.yaml": msk]
        let profiled = try load(files, profile: "wide")
        #expect(profiled.stages[1].outputs[0].path == "results/msk/wide.json")
        #expect(profiled.params["msk_filter"] == .string("liver == 1"))  // the workflow's own value stays
        #expect(profiled.profiles["wide"] == Profile(params: ["msk_filter": .string("wide"), "seed": .integer(5)], jobs: 3))
        let overridden = try load(files, profile: "wide", overrides: ["msk_filter": .string("cli")])
        #expect(overridden.stages[1].outputs[0].path == "results/msk/cli.json")
    }
}

@Suite("include: mistakes are positioned where they stand")
struct WorkflowIncludeDiagnosticsTests {
    @Test("a mistake inside an included file is reported at its own line and column")
    func positionedInIncludedFile() {
        let broken = msk.replacingOccurrences(of: "    inputs:", with: "    inptus:")
        #expect(diagnostics(["Workflows/study.yaml": main, "Workflows/cohorts/msk.yaml": broken]) == """
        Workflows/cohorts/msk.yaml:4:14: error: undefined placeholder '${inputs.table}' in stage 'cox_msk' (stage 'cox_msk' names no inputs)
        Workflows/cohorts/msk.yaml:5:5: error: unknown key 'inptus' in stage 'cox_msk'; did you mean 'inputs'?
        """)
    }

    @Test("a YAML syntax error in an included file names that file")
    func syntaxInIncludedFile() {
        #expect(diagnostics(["Workflows/study.yaml": main, "Workflows/cohorts/msk.yaml": "stages:\n  a: {run: [x\n"]) ==
                "Workflows/cohorts/msk.yaml:3:1: error: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence")
    }

    @Test("a stage id declared in two files is an error naming both places")
    func duplicateStage() {
        let copy = msk.replacingOccurrences(of: "cox_msk", with: "prepare")
        #expect(diagnostics(["Workflows/study.yaml": main, "Workflows/cohorts/msk.yaml": copy]) ==
                "Workflows/cohorts/msk.yaml:3:3: error: stage 'prepare' is also declared at Workflows/study.yaml:5:3; stage ids must be unique across the workflow and its included files: rename one of them")
    }

    @Test("a parameter declared in two files, or twice up to case, is an error naming both places")
    func duplicateParam() {
        #expect(diagnostics(["Workflows/study.yaml": main, "Workflows/cohorts/a.yaml": "params: {seed: 2}\n",
                             "Workflows/cohorts/b.yaml": "params: {SEED: 3}\n"]) == """
        Workflows/cohorts/a.yaml:1:10: error: parameter 'seed' is also declared at Workflows/study.yaml:2:10; declare each parameter once: remove one of them
        Workflows/cohorts/b.yaml:1:10: error: parameter 'SEED' and parameter 'seed' (at Workflows/study.yaml:2:10) would both be exported as STUDYFLOW_PARAM_SEED; parameter names must differ in more than case: rename one of them
        """)
    }

    @Test("an include cycle prints its path, also through a glob that matches the including file")
    func cycles() {
        #expect(diagnostics(["Workflows/study.yaml": main.replacingOccurrences(of: "cohorts/*.yaml", with: "cohorts/a.yaml"),
                             "Workflows/cohorts/a.yaml": "include: [b.yaml]\n",
                             "Workflows/cohorts/b.yaml": "include: [a.yaml]\n"]) ==
                "Workflows/cohorts/b.yaml:1:11: error: include cycle: Workflows/cohorts/a.yaml -> Workflows/cohorts/b.yaml -> Workflows/cohorts/a.yaml; a file cannot include itself, directly or through others: remove one of these includes")
        #expect(diagnostics(["Workflows/study.yaml": main.replacingOccurrences(of: "cohorts/*.yaml", with: "'*.yaml'")]) ==
                "Workflows/study.yaml:3:11: error: include cycle: Workflows/study.yaml -> Workflows/study.yaml; a file cannot include itself, directly or through others: remove one of these includes")
    }

    @Test("a file included twice is an error naming the first inclusion")
    func includedTwice() {
        let twice = main.replacingOccurrences(of: "[cohorts/*.yaml]", with: "[cohorts/*.yaml, cohorts/msk.yaml]")
        #expect(diagnostics(["Workflows/study.yaml": twice, "Workflows/cohorts/msk.yaml": msk]) ==
                "Workflows/study.yaml:3:27: error: file 'Workflows/cohorts/msk.yaml' is already included at Workflows/study.yaml:3:11; include each file once")
    }

    @Test("workflow-wide keys in an included file are refused; unknown keys get a did-you-mean")
    func workflowWideKeys() {
        #expect(diagnostics(["Workflows/study.yaml": main,
                             "Workflows/cohorts/msk.yaml": "name: other\nslurm: {partition: x}\nstagse: {}\n" + msk]) == """
        Workflows/cohorts/msk.yaml:1:1: error: 'name' applies to the whole workflow and may be set only in the main workflow file 'Workflows/study.yaml'; move it there
        Workflows/cohorts/msk.yaml:2:1: error: 'slurm' applies to the whole workflow and may be set only in the main workflow file 'Workflows/study.yaml'; move it there
        Workflows/cohorts/msk.yaml:3:1: error: unknown key 'stagse' at the top level of an included file; did you mean 'stages'?
        """)
    }

    @Test("entries naming nothing usable are errors at the entry, with a fix")
    func badEntries() {
        let entries = "[cohorts/*.yml, cohorts/mks.yaml, /etc/x.yaml, ../../x.yaml, cohorts, cohorts/**/a.yaml]"
        #expect(diagnostics(["Workflows/study.yaml": main.replacingOccurrences(of: "[cohorts/*.yaml]", with: entries),
                             "Workflows/cohorts/msk.yaml": msk]) == """
        Workflows/study.yaml:3:11: error: include pattern 'cohorts/*.yml' matches no file (looked for 'Workflows/cohorts/*.yml'); fix the pattern or remove the entry
        Workflows/study.yaml:3:26: error: included file 'Workflows/cohorts/mks.yaml' does not exist; did you mean 'Workflows/cohorts/msk.yaml'?
        Workflows/study.yaml:3:44: error: included file '/etc/x.yaml' is an absolute path; name included files relative to 'Workflows/', e.g. 'cohorts/*.yaml'
        Workflows/study.yaml:3:57: error: included file '../../x.yaml' lies outside the workspace; name included files relative to 'Workflows/', e.g. 'cohorts/*.yaml'
        Workflows/study.yaml:3:71: error: included file 'cohorts' is a directory; include its files, e.g. 'Workflows/cohorts/*.yaml'
        Workflows/study.yaml:3:80: error: include pattern 'cohorts/**/a.yaml' uses '**', which is not supported; write one '*' per directory level, e.g. 'cohorts/*/*.yaml'
        """)
    }

    @Test("an empty or non-mapping included file says what it must hold")
    func emptyIncluded() {
        #expect(diagnostics(["Workflows/study.yaml": main, "Workflows/cohorts/a.yaml": ""]) ==
                "Workflows/cohorts/a.yaml:1:1: error: included file must be a mapping with 'stages' or 'params', got an empty file; add e.g. 'stages:' or remove it from 'include'")
    }

    @Test("a loader without file access refuses include:")
    func noFiles() {
        #expect(throws: WorkflowDiagnostics.self) { try WorkflowLoader().load(text: main, file: "w.yaml") }
    }
}

@Suite("include: the record of what was merged")
struct WorkflowIncludesCurrencyTests {
    @Test("an edited included file, or a new file a pattern matches, makes the record stale")
    func staleness() throws {
        var files = ["Workflows/study.yaml": main, "Workflows/cohorts/msk.yaml": msk]
        let includes = try load(files).includes
        #expect(includes.isCurrent(in: MemoryWorkflowFiles(files)))
        var edited = files
        edited["Workflows/cohorts/msk.yaml"] = msk + "# edited\n"
        #expect(!includes.isCurrent(in: MemoryWorkflowFiles(edited)))
        files["Workflows/cohorts/imvigor.yaml"] = imvigor
        #expect(!includes.isCurrent(in: MemoryWorkflowFiles(files)))
        #expect(includes.watchedPaths == ["Workflows/cohorts/msk.yaml", "Workflows/cohorts"])
    }

    @Test("the compiled encoding keeps included files, patterns, profiles and each stage's file")
    func encoding() throws {
        let workflow = try load(["Workflows/study.yaml": main + "profiles:\n  c: {executor: slurm, slurm: {partition: p}}\n",
                                 "Workflows/cohorts/msk.yaml": msk])
        let graph = try WorkflowValidator(probe: MemoryProbe()).validate(workflow)
        let compiled = CompiledWorkflow(workflow: workflow, graph: graph)
        let decoded = try compiled.encoded().withUnsafeBytes { try CompiledWorkflow(decoding: $0) }
        #expect(decoded == compiled)
        #expect(decoded.workflow.stages[1].location.file == "Workflows/cohorts/msk.yaml")
    }
}

/// Every path exists and stays inside.
private struct MemoryProbe: PathProbe {
    func exists(_ path: String) -> Bool { true }
    func staysInside(_ path: String) -> Bool { true }
}

/// Files that claim a size of their own (an in-memory stand-in for huge files on disk).
private struct SizedFiles: WorkflowFiles {
    var memory: MemoryWorkflowFiles
    var claimedSize: Int
    func contents(_ path: String) -> [UInt8]? { memory.contents(path) }
    func kind(_ path: String) -> WorkflowFileKind? { memory.kind(path) }
    func entries(_ path: String) -> [String]? { memory.entries(path) }
    func size(_ path: String) -> Int? { claimedSize }
}

@Suite("include: limits against hostile inputs")
struct WorkflowIncludeLimitTests {
    @Test("more than 1,000 included files is one error")
    func tooManyFiles() {
        var files = ["Workflows/study.yaml": main]
        for i in 0...WorkflowLoader.maximumIncludedFiles { files["Workflows/cohorts/f\(i).yaml"] = "description: f\(i)\n" }
        #expect(diagnostics(files) == "Workflows/study.yaml:3:11: error: more than 1000 files are included; merge some of them")
    }

    @Test("included files may not add up to more than one workflow file's limit; one over it alone is refused before reading")
    func tooManyBytes() {
        let files = MemoryWorkflowFiles(["Workflows/study.yaml": main, "Workflows/cohorts/a.yaml": "description: a\n",
                                         "Workflows/cohorts/b.yaml": "description: b\n"])
        func message(size: Int) -> String? {
            do {
                _ = try WorkflowLoader(files: SizedFiles(memory: files, claimedSize: size)).load(text: main, file: "Workflows/study.yaml")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message(size: 40 << 20) == "Workflows/study.yaml:3:11: error: included files add up to more than 64 MiB, the limit of one workflow; include fewer or smaller files")
        #expect(message(size: 65 << 20) == "Workflows/study.yaml:3:11: error: included files add up to more than 64 MiB, the limit of one workflow; include fewer or smaller files")
    }
}
