import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport
@testable import StudyStages

/// One `with:` reader for every kind: settings with several mistakes at once report every one of
/// them with its exact field path, at load and at run, and at the line and column of the field.
@Suite struct SettingsReaderTests {
    static func declaration(_ with: JSONValue, inputs: [String: String] = ["table": "t.csv"],
                            outputs: [String: String] = ["result": "r.json"]) -> StageDeclaration {
        StageDeclaration(stage: "s", root: "/tmp", inputs: inputs, outputs: outputs, with: with)
    }

    static func context(_ with: JSONValue, log: LogLines) -> StageKindContext {
        StageKindContext(stage: "s", root: "/nonexistent", inputs: ["table": "/nonexistent/t.csv"],
                         outputs: ["result": "/nonexistent/r.json"], with: with, params: [:], log: { log.append($0) })
    }

    static let badCox: JSONValue = .object([
        "time": .string("t"), "event": .string("e"),
        "covariates": .array([.string("a"), .object(["c": .integer(1)]), .string("b")]),
        "categorical": .object(["a": .object(["referenc": .string("x")]), "z": .null]),
        "interactions": .array([.array([.string("a"), .integer(5)]), .array([.string("a"), .string("q")])]),
        "ties": .integer(3), "conf_level": .integer(2), "extra": .integer(1),
    ])

    static let badCoxProblems = [
        "with: unknown setting 'extra' (settings: time, event, start, covariates, categorical, interactions, strata, cluster, weights, ties, conf_level, ph_test)",
        "with.covariates[1]: must be a column name, not {\"c\":1}",
        "with.ties: must be efron or breslow, not 3",
        "with.conf_level: must lie strictly between 0 and 1, not 2",
        "with.categorical.a: unknown setting 'referenc'; did you mean 'reference'? (settings: reference)",
        "with.categorical.z: 'z' is not among with.covariates; add it there",
        "with.interactions[0][1]: must be a column name, not 5",
        "with.interactions[1][1]: 'q' is not among with.covariates; add it there",
    ]

    @Test("survival/cox: every problem of with: at once, each at its field path")
    func coxAllAtOnce() {
        #expect(CoxStage().check(Self.declaration(Self.badCox)) == Self.badCoxProblems)
    }

    @Test("survival/cox: the run refuses the same settings with the same lines, before reading the table")
    func coxRunAgrees() {
        let log = LogLines()
        let outcome = CoxStage().run(Self.context(Self.badCox, log: log))
        #expect(outcome == .failed(status: 1, message: Self.badCoxProblems.joined(separator: "\n")))
        #expect(log.lines == [Self.badCoxProblems.joined(separator: "\n")])
    }

    @Test("survival/log-rank and kaplan-meier: a list for a name, an empty column, a mapping for strata, a negative rho")
    func logRankAndKaplanMeier() {
        let with: JSONValue = .object([
            "time": .array([.string("t")]), "event": .string(""), "group": .string("g"),
            "strata": .object([:]), "rho": .integer(-1)])
        let problems = [
            "with.time: must be a single name, not [\"t\"]",
            "with.event: missing; name a column of the table",
            "with.strata: must be a single name, not {}",
            "with.rho: must not be negative, not -1",
        ]
        #expect(LogRankStage().check(Self.declaration(with)) == problems)
        #expect(LogRankStage().run(Self.context(with, log: LogLines())) == .failed(status: 1, message: problems.joined(separator: "\n")))
        let km: JSONValue = .object([
            "time": .string("t"), "event": .bool(true), "group": .array([]), "conf_type": .string("log_log"),
            "rmst_tau": .string("soon")])
        #expect(KaplanMeierStage().check(Self.declaration(km)) == [
            "with.group: must be a single name, not []",
            "with.conf_type: must be log or log-log, not 'log_log'; did you mean 'log-log'?",
            "with.rmst_tau: must be a number, not \"soon\"",
        ])
    }

    @Test("ingest/csv: unknown keys with did-you-mean, bad nested column specs, na, derive, filter and require, all listed")
    func ingestAllAtOnce() {
        let with: JSONValue = .object([
            "delimter": .string(","),
            "columns": .object(["a": .object(["type": .string("nmber"), "form": .string("x")]), "b": .array([.integer(1)])]),
            "na": .object(["x": .integer(1)]), "derive": .string("x"), "filter": .string("a >"),
            "require": .array([.array([.integer(1)])]),
        ])
        #expect(IngestCSV().check(Self.declaration(with, outputs: ["table": "o.csv"])) == [
            "with: unknown setting 'delimter'; did you mean 'delimiter'?",
            "with.na: must be a value or a list of values, not {\"x\":1}",
            "with.columns.a: unknown setting 'form'; did you mean 'from'?",
            "with.columns.a.type: unknown type 'nmber'; did you mean 'number'? (types: number, integer, category, string, boolean)",
            "with.columns.b: expected the original column name or {from, type, map}",
            "with.derive: must be a mapping of new column name to expression, not \"x\"",
            "with.filter: unexpected end of expression",
            "with.require[0]: must be a single value, not [1]",
        ])
    }

    @Test("simulate/trial: a bad list item, a bad grid size, an unknown nested key, a bad name and alpha, all listed")
    func trialAllAtOnce() {
        let with: JSONValue = .object([
            "hazard_ratios": .array([.number(0.7), .string("x")]), "sample_sizes": .array([.integer(100), .integer(1)]),
            "control_median_from": .object(["input": .string("km"), "group": .string("a,b"), "extra": .integer(1)]),
            "accrual": .integer(12), "follow_up": .integer(12), "replicates": .integer(10), "seed": .integer(1),
            "alpha": .integer(0),
        ])
        #expect(SimulateTrial().check(Self.declaration(with, inputs: ["km": "km.json"])) == [
            "with.hazard_ratios[1]: must be a number, not \"x\"",
            "with.sample_sizes[1]: must be a whole number from 2 to 10000000, not 1",
            "with.control_median_from.extra: unknown setting; known settings: input, group",
            "with.control_median_from.group: must be a non-empty name without commas, quotes, line breaks, surrounding spaces or NA, not \"a,b\"",
            "with.alpha: must be in (0, 1), not 0",
        ])
    }

    @Test("simulate/trial and report/html: the run refuses bad settings with the check's lines, all of them")
    func runsAgreeWithChecks() {
        let trial: JSONValue = .object([
            "hazard_ratios": .array([.integer(-1)]), "sample_sizes": .array([.integer(100)]), "control_median": .integer(6),
            "accrual": .integer(12), "follow_up": .integer(0), "seed": .integer(1), "replicates": .integer(10),
        ])
        let trialProblems = SimulateTrial().check(Self.declaration(trial))
        #expect(trialProblems == ["with.hazard_ratios[0]: must be positive, not -1", "with.follow_up: must be positive, not 0"])
        #expect(SimulateTrial().run(Self.context(trial, log: LogLines()))
            == .failed(status: 1, message: trialProblems.joined(separator: "\n")))
        let report: JSONValue = .object(["title": .string("R"), "sections": .array([.object([
            "title": .string("S"), "figures": .array([.object(["type": .string("pie"), "input": .string("x")])]),
        ])])])
        let reportProblems = ReportStage().check(Self.declaration(report, inputs: ["km": "km.json"], outputs: ["report": "r.html"]))
        #expect(reportProblems == [
            "with.sections[0].figures[0].type: must be one of kaplan-meier, forest, power, image, not 'pie'",
            "with.sections[0].figures[0].input: 'x' is not an input of this stage; inputs are: km",
        ])
        let context = StageKindContext(stage: "s", root: "/nonexistent", inputs: ["km": "/nonexistent/km.json"],
                                       outputs: ["report": "/nonexistent/r.html"], with: report, params: [:], log: { _ in })
        #expect(ReportStage().run(context) == .failed(status: 1, message: reportProblems.joined(separator: "\n")))
    }

    @Test("report/html: bad title, author, stray key, missing input and unknown table type, each at its field")
    func reportAllAtOnce() {
        let with: JSONValue = .object([
            "title": .array([.string("x")]), "authors": .array([.string("A"), .object(["x": .integer(1)])]),
            "sections": .array([.object([
                "title": .string("S"), "colour": .string("red"),
                "figures": .array([.object(["type": .string("kaplan-meier"), "input": .string("km")]),
                                   .object(["type": .string("forest"), "input": .string("nope")])]),
                "tables": .array([.object(["type": .string("pie"), "input": .string("km")])]),
            ])]),
        ])
        #expect(ReportStage().check(Self.declaration(with, inputs: ["km": "results/km.json"], outputs: ["report": "r.html"])) == [
            "with.title: must be text, not [\"x\"]",
            "with.authors[1]: must be a name, not {\"x\":1}",
            "with.sections[0].colour: unknown setting; known: title, text, text_input, figures, tables, generated",
            "with.sections[0].figures[1].input: 'nope' is not an input of this stage; inputs are: km",
            "with.sections[0].tables[0].type: must be one of cohort, cox, log-rank, power, published, csv, characteristics, not 'pie'",
        ])
    }

    /// The load diagnostics of `yaml` (as `w.yaml`, in a workspace holding `t.csv`) from the
    /// built-in kinds' settings checks, as printed.
    static func loadDiagnostics(_ yaml: String) throws -> [String] {
        let dir = TemporaryDirectory()
        dir.write("t.csv", "t,e,a\n1,1,2\n")
        let registry = StageKindRegistry(BuiltinStageKinds.all)
        let workflow = try WorkflowLoader(knownKinds: registry.names).load(text: yaml, file: "w.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: dir.path)).validate(workflow)
        let workspace = Workspace(layout: StoreLayout(root: dir.path), compiled: CompiledWorkflow(workflow: workflow, graph: graph),
                                  registry: registry, params: [:])
        return SettingsCheck.diagnostics(workspace).map(\.description)
    }

    @Test("a workflow with three survival mistakes reports all three as load diagnostics at their fields")
    func loadDiagnostics() throws {
        let yaml = """
            name: t
            stages:
              km:
                uses: survival/kaplan-meier
                inputs: {table: t.csv}
                outputs: {result: r.json}
                with:
                  time: t
                  event: [e]
                  conf_levl: 0.9
                  rmst_tau: -4
            """
        #expect(try Self.loadDiagnostics(yaml) == [
            "w.yaml:10:7: error: stage 'km' (survival/kaplan-meier): with: unknown setting 'conf_levl'; did you mean 'conf_level'? (settings: time, event, group, start, weights, conf_type, conf_level, rmst_tau)",
            "w.yaml:9:14: error: stage 'km' (survival/kaplan-meier): with.event: must be a single name, not [\"e\"]",
            "w.yaml:11:17: error: stage 'km' (survival/kaplan-meier): with.rmst_tau: must be positive, not -4",
        ])
    }

    @Test("shapes a hostile user might try: a list for with:, a repeated covariate, an empty group, a list for a choice, a mapping for a column")
    func hostileShapes() {
        #expect(CoxStage().check(Self.declaration(.array([.string("t")]))) == [
            "with: must be a mapping with time, event, start, covariates, categorical, interactions, strata, cluster, weights, ties, conf_level, ph_test, not [\"t\"]",
        ])
        #expect(CoxStage().check(Self.declaration(.object([
            "time": .string("t"), "event": .string("e"), "covariates": .array([.string("a"), .string(""), .string("a")]),
        ]))) == [
            "with.covariates[1]: must be a column name, not \"\"",
            "with.covariates[2]: covariate 'a' appears twice; names must be distinct",
        ])
        #expect(KaplanMeierStage().check(Self.declaration(.object(["time": .string("t"), "event": .string("e"), "group": .string("")])))
            == ["with.group: must name a column of the table, not \"\""])
        var trial = SimulationStageTests.trial
        trial["analysis"] = .array([.string("cox")])
        #expect(SimulateTrial().check(Self.declaration(.object(trial))) == ["with.analysis: must be log-rank or cox, not [\"cox\"]"])
        #expect(IngestCSV().check(Self.declaration(.object(["columns": .object(["a": .object(["from": .object(["x": .integer(1)])])])]),
                                                   outputs: ["table": "o.csv"]))
            == ["with.columns.a.from: must be a column name of the file, not {\"x\":1}"])
    }

    @Test("a non-finite number (from JSON params or code) is refused wherever a number is read, even where any sign would do")
    func nonFiniteNumbers() {
        let with: JSONValue = .object(["time": .string("t"), "event": .string("e"), "group": .string("g"),
                                       "rho": .number(.nan)])
        #expect(LogRankStage().check(Self.declaration(with)) == ["with.rho: must be a finite number, not .nan"])
        var trial = SimulationStageTests.trial
        trial["hazard_ratios"] = .array([.number(.infinity), .number(-.infinity)])
        #expect(SimulateTrial().check(Self.declaration(.object(trial))) == [
            "with.hazard_ratios[0]: must be a finite number, not .inf",
            "with.hazard_ratios[1]: must be a finite number, not -.inf",
        ])
    }

    @Test("a long value is described, not echoed, so a hostile setting cannot flood the diagnostics")
    func longValuesAreShortened() {
        var reader = SettingsReader()
        let huge = JSONValue.array((0..<1000).map { .integer($0) })
        _ = reader.text(huge, "with.time")
        _ = reader.number(.string(String(repeating: "x", count: 500)), "with.alpha")
        #expect(reader.problems == [
            "with.time: must be a single name, not a list of 1000 items",
            "with.alpha: must be a number, not \"" + String(repeating: "x", count: 56) + "…",
        ])
    }

    @Test("a list of names keeps reading past a bad item and reports each at its index")
    func listsContinue() {
        var reader = SettingsReader()
        let names = reader.textList(.array([.string("a"), .bool(true), .string("b"), .null]), "with.covariates",
                                    item: "a column name")
        #expect(names == ["a", "b"])
        #expect(reader.problems == ["with.covariates[1]: must be a column name, not true",
                                    "with.covariates[3]: must be a column name, not null"])
    }
}
