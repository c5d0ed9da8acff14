import StudyCore
import StudyEngine
import StudyStages
import Testing

/// The load-time `check` of the built-in ingest and survival kinds: every problem of `with:` that
/// needs no data, all at once, each naming its field.
@Suite struct StageSettingsCheckTests {
    static func declaration(_ with: [String: JSONValue], inputs: [String: String] = ["table": "t.csv"],
                            outputs: [String: String] = ["result": "r.json"]) -> StageDeclaration {
        StageDeclaration(stage: "s", root: "/tmp", inputs: inputs, outputs: outputs, with: .object(with))
    }

    @Test("valid settings give no problems")
    func valid() {
        #expect(KaplanMeierStage().check(Self.declaration([
            "time": .string("t"), "event": .string("e"), "group": .string("g"), "conf_type": .string("log-log"),
            "conf_level": .number(0.9), "rmst_tau": .integer(10)])) == [])
        #expect(LogRankStage().check(Self.declaration([
            "time": .string("t"), "event": .string("e"), "group": .string("g"), "rho": .integer(1)])) == [])
        #expect(CoxStage().check(Self.declaration([
            "time": .string("t"), "event": .string("e"), "covariates": .array([.string("a"), .string("b")]),
            "categorical": .object(["a": .object(["reference": .string("x")])]),
            "interactions": .array([.array([.string("a"), .string("b")])]), "ties": .string("breslow")])) == [])
        #expect(IngestCSV().check(Self.declaration([
            "columns": .object(["x": .object(["type": .string("number")])]), "derive": .object(["y": .string("log(x)")])],
            outputs: ["table": "o.csv", "summary": "o.json"])) == [])
    }

    @Test("Kaplan-Meier: unknown setting, conf_type, conf_level, rmst_tau and a missing time, all listed")
    func kaplanMeier() {
        #expect(KaplanMeierStage().check(Self.declaration([
            "event": .string("e"), "conf_typ": .string("log"), "conf_type": .string("plain"),
            "conf_level": .number(1.5), "rmst_tau": .integer(0)])) == [
            "with: unknown setting 'conf_typ'; did you mean 'conf_type'? (settings: time, event, group, start, weights, conf_type, conf_level, rmst_tau)",
            "with.time: missing; name a column of the table",
            "with.conf_type: must be log or log-log, not 'plain'",
            "with.conf_level: must lie strictly between 0 and 1, not 1.5",
            "with.rmst_tau: must be positive, not 0",
        ])
    }

    @Test("log-rank: a negative rho, a list where a name is expected, missing input and output")
    func logRank() {
        #expect(LogRankStage().check(Self.declaration([
            "time": .string("t"), "event": .string("e"), "group": .array([.string("a")]), "rho": .number(-1)],
            inputs: [:], outputs: ["res": "r.json"])) == [
            "missing input 'table' (a CSV file); inputs: {table: PATH}",
            "missing output 'result' (a JSON file); outputs: {result: PATH}",
            "with.group: must be a single name, not [\"a\"]",
            "with.rho: must not be negative, not -1",
        ])
    }

    @Test("Cox: ties, ph_test, covariates, and categorical and interactions naming non-covariates")
    func cox() {
        #expect(CoxStage().check(Self.declaration([
            "time": .string("t"), "event": .string("e"), "covariates": .array([.string("a")]),
            "ties": .string("efrom"), "ph_test": .string("yes"),
            "categorical": .object(["b": .null]), "interactions": .array([.array([.string("a")])])])) == [
            "with.ties: must be efron or breslow, not 'efrom'; did you mean 'efron'?",
            "with.ph_test: must be true or false, not \"yes\"",
            "with.categorical.b: 'b' is not among with.covariates; add it there",
            "with.interactions: each interaction must list at least two columns, e.g. [[arm, liver]]",
        ])
        #expect(CoxStage().check(Self.declaration(["time": .string("t"), "event": .string("e")]))
            == ["with.covariates: missing; list the covariate columns"])
    }

    @Test("ingest/csv: unknown settings and types, malformed expressions and missing outputs")
    func ingest() {
        #expect(IngestCSV().check(Self.declaration([
            "columns": .object(["a": .object(["type": .string("nmber")])]), "filter": .string("a >"),
            "derive": .object(["d": .string("log(a")]), "delimiter": .string("|")], outputs: ["summary": "o.json"])) == [
            "missing output 'table' (the normalized CSV); outputs: {table: PATH, summary: PATH}",
            "with.delimiter: expected \",\", \";\" or \"\\t\", got \"|\"",
            "with.columns.a.type: unknown type 'nmber'; did you mean 'number'? (types: number, integer, category, string, boolean)",
            "with.derive.d: expected ')', found end of expression",
            "with.filter: unexpected end of expression",
        ])
    }
}
