import Foundation
import StudyCore
import StudyEngine
@testable import StudyStages
import Testing
import _StudyTestSupport

/// The simulation stage kinds: load-time checks, byte-identical outputs across threads and reruns,
/// and the trial reading its control median from a Kaplan-Meier result.
@Suite("simulate/cohort and simulate/trial")
struct SimulationStageTests {
    static func level(_ label: String, _ p: Double, _ extra: [String: JSONValue] = [:]) -> JSONValue {
        .object(["label": .string(label), "proportion": .number(p)].merging(extra) { a, _ in a })
    }

    static let cohort: [String: JSONValue] = [
        "patients": .integer(500), "seed": .integer(3), "time": .string("months"), "event": .string("death"),
        "strata": .object(["column": .string("cancer"), "levels": .array([
            level("NSCLC", 0.6, ["shape": .number(1.1), "median": .integer(12)]),
            level("melanoma", 0.4, ["shape": .number(0.8), "median": .integer(30)]),
        ])]),
        "arms": .object(["column": .string("treatment"), "levels": .array([level("chemotherapy", 0.5), level("immunotherapy", 0.5)])]),
        "covariates": .array([
            .object(["column": .string("liver"), "type": .string("binary"),
                     "prevalence": .object(["NSCLC": .number(0.3), "melanoma": .number(0.2)])]),
            .object(["column": .string("age"), "type": .string("normal"), "mean": .integer(64), "sd": .integer(10)]),
            .object(["column": .string("ecog"), "type": .string("categorical"),
                     "levels": .array([level("0", 0.5), level("1", 0.5)])]),
        ]),
        "log_hazard_ratios": .array([
            .object(["term": .string("treatment=immunotherapy"), "value": .number(-0.3)]),
            .object(["term": .string("liver:treatment=immunotherapy"), "value": .number(0.5)]),
            .object(["term": .string("age"), "value": .number(0.01)]),
        ]),
        "censoring": .object(["accrual": .integer(24), "follow_up": .integer(18), "dropout": .number(0.01)]),
    ]

    static let trial: [String: JSONValue] = [
        "hazard_ratios": .array([.number(0.6), .number(1)]), "sample_sizes": .array([.integer(60), .integer(120)]),
        "allocation": .number(0.5), "control_median": .integer(6), "accrual": .integer(12), "follow_up": .integer(12),
        "dropout": .integer(0), "analysis": .string("log-rank"), "alpha": .number(0.05), "replicates": .integer(300),
        "seed": .integer(1),
    ]

    static func declaration(_ with: [String: JSONValue], inputs: [String: String] = [:],
                            outputs: [String: String] = ["table": "t.csv", "truth": "t.json", "result": "r.json"]) -> StageDeclaration {
        StageDeclaration(stage: "s", root: "/tmp", inputs: inputs, outputs: outputs, with: .object(with))
    }

    /// Runs `kind` in a fresh directory and returns the outcome and the named outputs' text.
    static func run(_ kind: any StageKind, _ with: [String: JSONValue], threads: Int, inputs: [String: String] = [:],
                    outputs: [String]) -> (outcome: StageOutcome, files: [String: String], log: [String]) {
        let dir = TemporaryDirectory()
        let log = LogLines()
        var paths: [String: String] = [:]
        for name in outputs { paths[name] = dir.path + "/" + name }
        let context = StageKindContext(stage: "s", root: dir.path, inputs: inputs, outputs: paths, with: .object(with),
                                       params: [:], inputProducers: inputs.mapValues { _ in "km" }, threads: threads,
                                       log: { log.append($0) })
        let outcome = kind.run(context)
        var files: [String: String] = [:]
        for name in outputs { files[name] = dir.read(name) }
        return (outcome, files, log.lines)
    }

    @Test("valid settings pass the load-time check")
    func validSettings() {
        #expect(SimulateCohort().check(Self.declaration(Self.cohort)) == [])
        #expect(SimulateTrial().check(Self.declaration(Self.trial)) == [])
    }

    @Test("bad cohort settings are load errors naming each field")
    func badCohort() {
        var with = Self.cohort
        with["strata"] = .object(["column": .string("cancer"), "levels": .array([
            Self.level("NSCLC", 0.5, ["shape": .number(1.1), "median": .integer(-12)]),
            Self.level("melanoma", 0.3, ["shape": .number(0.8), "median": .integer(30)]),
        ])])
        with["censoring"] = .object(["accrual": .integer(24), "follow_up": .integer(18), "dropout": .number(-0.1)])
        with["seed"] = nil
        with["log_hazard_ratios"] = .array([.object(["term": .string("treatment=chemo"), "value": .integer(1)])])
        let problems = SimulateCohort().check(Self.declaration(with))
        #expect(problems.contains("with.strata.levels[0].median: must be positive, not -12"))
        #expect(problems.contains("with.strata.levels: proportions must sum to 1, not 0.8"))
        #expect(problems.contains("with.censoring.dropout: must be zero or positive, not -0.1"))
        #expect(problems.contains("with.seed: missing; a simulation needs an explicit seed, e.g. seed: 1"))

        var terms = Self.cohort
        terms["log_hazard_ratios"] = .array([.object(["term": .string("treatment=chemo"), "value": .integer(1)])])
        #expect(SimulateCohort().check(Self.declaration(terms))
            == ["with.log_hazard_ratios[0].term: term 'treatment=chemo': 'chemo' is not a level of 'treatment'; levels: chemotherapy, immunotherapy"])
        var prevalence = Self.cohort
        prevalence["covariates"] = .array([.object(["column": .string("liver"), "type": .string("binary"), "prevalence": .number(1.5)])])
        #expect(SimulateCohort().check(Self.declaration(prevalence)) == ["with.covariates[0].prevalence: must be in [0, 1], not 1.5"])
        #expect(SimulateCohort().check(Self.declaration(Self.cohort, outputs: ["table": "t.csv"]))
            == ["outputs.truth: missing; simulate/cohort writes outputs 'table' (CSV) and 'truth' (JSON)"])
    }

    @Test("bad trial settings are load errors naming each field: HR ≤ 0, alpha, replicates, grid size, unknown input")
    func badTrial() {
        var with = Self.trial
        with["hazard_ratios"] = .array([.number(0.7), .integer(0)])
        with["alpha"] = .number(1.5)
        with["replicates"] = .integer(0)
        with["analysis"] = .string("wald")
        #expect(SimulateTrial().check(Self.declaration(with)) == [
            "with.hazard_ratios[1]: must be positive, not 0",
            "with.analysis: must be log-rank or cox, not \"wald\"",
            "with.alpha: must be in (0, 1), not 1.5",
            "with.replicates: must be at least 1, not 0",
        ])
        var grid = Self.trial
        grid["hazard_ratios"] = .array((1...200).map { .number(Double($0) / 100) })
        grid["sample_sizes"] = .array((1...100).map { .integer($0 * 10) })
        #expect(SimulateTrial().check(Self.declaration(grid))
            == ["with.sample_sizes: the grid has 200 hazard ratios × 100 sample sizes = 20000 cells; at most 10000"])
        var huge = Self.trial
        huge["replicates"] = .integer(50_000_000)
        #expect(SimulateTrial().check(Self.declaration(huge)) == ["with.replicates: must be a whole number from 1 to 10000000, not 50000000"])
        var from = Self.trial
        from["control_median"] = nil
        from["control_median_from"] = .object(["input": .string("km"), "group": .string("1")])
        #expect(SimulateTrial().check(Self.declaration(from, inputs: ["table": "x.json"]))
            == ["with.control_median_from.input: 'km' is not an input of this stage; declare it under inputs (inputs: table)"])
    }

    @Test("cohort: byte-identical for 1 and 2 threads and on rerun; a new seed changes it; CSV and truth as declared")
    func cohortDeterministic() throws {
        let one = Self.run(SimulateCohort(), Self.cohort, threads: 1, outputs: ["table", "truth"])
        #expect(one.outcome == .succeeded, "\(one.log)")
        let two = Self.run(SimulateCohort(), Self.cohort, threads: 2, outputs: ["table", "truth"])
        #expect(one.files == two.files)
        let table = try #require(one.files["table"])
        let lines = table.split(separator: "\n")
        #expect(lines.first == "cancer,treatment,liver,age,ecog,months,death")
        #expect(lines.count == 501)
        let truth = try #require(one.files["truth"])
        #expect(truth.hasPrefix("{\"kind\":\"cohort-truth\",\"patients\":500,\"seed\":3,\"time\":\"months\",\"event\":\"death\",\"strata\":{\"column\":\"cancer\",\"levels\":[{\"label\":\"NSCLC\",\"proportion\":0.6,\"shape\":1.1,\"median\":12,"))
        #expect(truth.contains("{\"term\":\"liver:treatment=immunotherapy\",\"log_hr\":0.5,"))
        var reseeded = Self.cohort
        reseeded["seed"] = .integer(4)
        #expect(Self.run(SimulateCohort(), reseeded, threads: 1, outputs: ["table", "truth"]).files["table"] != table)
    }

    @Test("trial: byte-identical for 1 and 2 threads; schema order; HR 1 gives Schoenfeld = alpha")
    func trialDeterministic() throws {
        let one = Self.run(SimulateTrial(), Self.trial, threads: 1, outputs: ["result"])
        #expect(one.outcome == .succeeded, "\(one.log)")
        let two = Self.run(SimulateTrial(), Self.trial, threads: 2, outputs: ["result"])
        #expect(one.files == two.files)
        let text = try #require(one.files["result"])
        #expect(text.hasPrefix("{\"kind\":\"trial-power\",\"analysis\":\"log-rank\",\"alpha\":0.05,\"replicates\":300,\"seed\":1,"))
        #expect(text.contains("\"cells\":[{\"hazard_ratio\":0.6,\"sample_size\":60,\"power\":"))
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let cells = json["cells"] as! [[String: Any]]
        #expect(cells.count == 4)
        #expect(cells.map { Array($0.keys).sorted() }.allSatisfy {
            Set(["hazard_ratio", "sample_size", "power", "mc_se", "mean_events", "mean_hr", "median_hr", "schoenfeld_power"]).isSubset(of: $0)
        })
        let null = cells.filter { ($0["hazard_ratio"] as! Double) == 1 }
        #expect(null.allSatisfy { abs(($0["schoenfeld_power"] as! Double) - 0.05) < 1e-12 })
        let smallest = json["smallest_sample_size"] as! [[String: Any]]
        #expect(smallest.count == 2)
        var reseeded = Self.trial
        reseeded["seed"] = .integer(2)
        #expect(Self.run(SimulateTrial(), reseeded, threads: 1, outputs: ["result"]).files["result"] != text)
    }

    @Test("trial analysed by Cox: Wald test of the arm, same replicates as log-rank, identical across threads")
    func trialByCox() throws {
        var with = Self.trial
        with["analysis"] = .string("cox")
        with["replicates"] = .integer(60)
        with["hazard_ratios"] = .array([.number(0.5)])
        with["sample_sizes"] = .array([.integer(80)])
        let one = Self.run(SimulateTrial(), with, threads: 1, outputs: ["result"])
        #expect(one.outcome == .succeeded, "\(one.log)")
        #expect(Self.run(SimulateTrial(), with, threads: 2, outputs: ["result"]).files == one.files)
        let json = try JSONSerialization.jsonObject(with: Data(try #require(one.files["result"]).utf8)) as! [String: Any]
        #expect(json["analysis"] as? String == "cox")
        let cell = (json["cells"] as! [[String: Any]])[0]
        with["analysis"] = .string("log-rank")
        let logRank = try JSONSerialization.jsonObject(with: Data(try #require(
            Self.run(SimulateTrial(), with, threads: 1, outputs: ["result"]).files["result"]).utf8)) as! [String: Any]
        // Same simulated trials, so the same events; the two tests reject nearly always together.
        #expect(cell["mean_events"] as? Double == (logRank["cells"] as! [[String: Any]])[0]["mean_events"] as? Double)
        #expect(abs((cell["power"] as! Double) - ((logRank["cells"] as! [[String: Any]])[0]["power"] as! Double)) <= 0.05)
    }

    @Test("trial reads its control median from a Kaplan-Meier result, and says which group is missing")
    func controlMedianFromKaplanMeier() throws {
        let dir = TemporaryDirectory()
        dir.write("table.csv", "t,e,arm\n" + (1...42).map { "\($0),1,\($0 % 2 == 0 ? "a" : "b")" }.joined(separator: "\n") + "\n")
        let km = KaplanMeierStage().run(StageKindContext(
            stage: "km", root: dir.path, inputs: ["table": dir.path + "/table.csv"], outputs: ["result": dir.path + "/km.json"],
            with: .object(["time": .string("t"), "event": .string("e"), "group": .string("arm")]), params: [:], log: { _ in }))
        #expect(km == .succeeded)
        var with = Self.trial
        with["control_median"] = nil
        with["control_median_from"] = .object(["input": .string("km"), "group": .string("a")])
        with["hazard_ratios"] = .array([.number(0.7)])
        with["sample_sizes"] = .array([.integer(50)])
        let run = Self.run(SimulateTrial(), with, threads: 1, inputs: ["km": dir.path + "/km.json"], outputs: ["result"])
        #expect(run.outcome == .succeeded, "\(run.log)")
        // Group a has 21 deaths at 2, 4, …, 42: S falls below 1/2 at the 11th, so the median is 22.
        #expect(run.files["result"]?.contains("\"control_median\":22,\"control_median_from\":{\"input\":\"km\",\"group\":\"a\",\"stage\":\"km\"}") == true)
        with["control_median_from"] = .object(["input": .string("km"), "group": .string("c")])
        let missing = Self.run(SimulateTrial(), with, threads: 1, inputs: ["km": dir.path + "/km.json"], outputs: ["result"])
        #expect(missing.outcome == .failed(status: 1, message: "input 'km' has no curve for group 'c'; groups: a, b"))
        #expect(missing.files["result"] == nil)
    }
}
