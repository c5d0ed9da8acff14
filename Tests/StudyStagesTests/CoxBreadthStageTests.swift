import Foundation
import StudyCore
import StudyEngine
@testable import StudyStages
import Testing
import _StudyTestSupport

/// `survival/cox` with `start`, `strata: [a, b]`, `cluster` and `weights`, and `survival/fine-gray`,
/// run as stages on the reference tables and compared with R (`cox-breadth.r-survival.json`); and
/// their mistakes, as load errors or row errors with the whole message.
@Suite("Cox breadth and Fine-Gray stages")
struct CoxBreadthStageTests {
    static let reference = SurvivalStageTests.reference

    static func table(_ name: String) -> String { reference.appendingPathComponent(name + ".csv").path }

    static func r(_ key: String) throws -> [String: Any] {
        let data = try Data(contentsOf: reference.appendingPathComponent("cox-breadth.r-survival.json"))
        let all = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return try #require(all[key] as? [String: Any])
    }

    /// The stage's terms against R's coef, se, robust se (absent when R's fit is not robust), z, p and interval.
    static func expectTerms(_ out: [String: Any], _ r: [String: Any], _ label: String) {
        let terms = out["terms"] as? [[String: Any]] ?? []
        #expect(terms.count == (r["term"] as? [String])?.count, "\(label) terms")
        let robust = r["robust_se"] as? [Double]
        for (j, term) in terms.enumerated() {
            for (mine, theirs) in [("coef", "coef"), ("se", "se"), ("z", "z"), ("p", "p"), ("hr_lower", "hr_lower"), ("hr_upper", "hr_upper")] {
                let expected = (r[theirs] as? [Double])?[j]
                #expect(SurvivalStageTests.rel(SurvivalStageTests.num(term[mine]), expected, 1e-6),
                        "\(label) \(term["term"] ?? "?") \(mine): \(term[mine] ?? "nil") vs R \(expected ?? .nan)")
            }
            if let robust {
                #expect(SurvivalStageTests.rel(SurvivalStageTests.num(term["robust_se"]), robust[j], 1e-6), "\(label) robust_se")
            } else {
                #expect(term["robust_se"] == nil, "\(label): robust_se only on a robust fit")
            }
        }
        let tests = out["tests"] as? [String: Any] ?? [:]
        let robustScore = (tests["robust_score"] as? [String: Any]).flatMap { SurvivalStageTests.num($0["statistic"]) }
        if let expected = r["robust_score"] as? Double {
            #expect(SurvivalStageTests.rel(robustScore, expected, 1e-6), "\(label) robust_score")
        } else {
            #expect(robustScore == nil)
        }
        let wald = (tests["wald"] as? [String: Any]).flatMap { SurvivalStageTests.num($0["statistic"]) }
        #expect(SurvivalStageTests.rel(wald, r["wald"] as? Double, 1e-6), "\(label) wald")
    }

    @Test("start/stop with cluster on heart: R's coef, se, robust se, robust z/p/interval, robust Wald and score; no concordance")
    func countingProcessCluster() throws {
        let run = SurvivalStageTests.run(CoxStage(), table: Self.table("cox-breadth-heart"), with: [
            "time": .string("stop"), "start": .string("start"), "event": .string("event"), "cluster": .string("id"),
            "covariates": .array([.string("age"), .string("surgery"), .string("transplant")]),
        ])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let out = try SurvivalStageTests.json(run.text)
        Self.expectTerms(out, try Self.r("heart_cluster_efron"), "heart cluster")
        #expect(out["n"] as? Int == 172 && out["events"] as? Int == 75)
        let concordance = try #require(out["concordance"] as? [String: Any])
        #expect(concordance["estimate"] is NSNull)
    }

    @Test("strata: [sex, ph.ecog] is R's strata(sex, ph.ecog), Breslow too; a single name keeps working", arguments: ["efron", "breslow"])
    func severalStrata(_ ties: String) throws {
        let run = SurvivalStageTests.run(CoxStage(), with: [
            "time": .string("time"), "event": .string("status"), "strata": .array([.string("sex"), .string("ph.ecog")]),
            "covariates": .array([.string("age"), .string("wt.loss")]), "ties": .string(ties),
        ])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let out = try SurvivalStageTests.json(run.text)
        let r = try Self.r("lung_strata2_\(ties)")
        Self.expectTerms(out, r, "lung strata2 \(ties)")
        let concordance = try #require(out["concordance"] as? [String: Any])
        #expect(SurvivalStageTests.rel(SurvivalStageTests.num(concordance["estimate"]), r["concordance"] as? Double, 1e-9))
        #expect(out["n_dropped"] as? Int == 228 - 213)
    }

    @Test("cluster: inst on lung: robust se and the clustered concordance standard error of R")
    func clusterConcordance() throws {
        let run = SurvivalStageTests.run(CoxStage(), with: [
            "time": .string("time"), "event": .string("status"), "cluster": .string("inst"),
            "covariates": .array([.string("age"), .string("sex"), .string("ph.ecog")]),
        ])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let out = try SurvivalStageTests.json(run.text)
        let r = try Self.r("lung_cluster_efron")
        Self.expectTerms(out, r, "lung cluster")
        let concordance = try #require(out["concordance"] as? [String: Any])
        #expect(SurvivalStageTests.rel(SurvivalStageTests.num(concordance["se"]), r["concordance_se"] as? Double, 1e-6))
    }

    @Test("ph_test with cluster is cox.zph of the same fit, which ignores the cluster (R alike)")
    func phTestWithCluster() throws {
        // Rows without 'inst' are dropped from both fits, so they differ only by the cluster.
        let (dir, path) = Self.csv(try String(contentsOfFile: SurvivalStageTests.lungPath, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix(",") }.joined(separator: "\n"))
        defer { _ = dir }
        let with: [String: JSONValue] = [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("age"), .string("sex")]),
            "ph_test": .bool(true),
        ]
        let plain = try SurvivalStageTests.json(SurvivalStageTests.run(CoxStage(), table: path, with: with).text)
        let clustered = try SurvivalStageTests.json(SurvivalStageTests.run(
            CoxStage(), table: path, with: with.merging(["cluster": .string("inst")]) { a, _ in a }).text)
        let ph = try #require(clustered["ph_test"] as? [String: Any])
        #expect(NSDictionary(dictionary: ph).isEqual(to: try #require(plain["ph_test"] as? [String: Any])))
        // R: cox.zph(coxph(Surv(time, status) ~ age + sex, lung[!is.na(lung$inst), ], cluster = inst)): GLOBAL 2.955668.
        let global = try #require(ph["global"] as? [String: Any])
        #expect(SurvivalStageTests.rel(SurvivalStageTests.num(global["chisq"]), 2.955668, 1e-6))
    }

    @Test("weights: whole numbers keep the model-based variance; fractional weights make the fit robust, as R", arguments: ["w_int", "w_frac"])
    func weights(_ column: String) throws {
        let run = SurvivalStageTests.run(CoxStage(), table: Self.table("cox-breadth-rossi"), with: [
            "time": .string("week"), "event": .string("arrest"), "weights": .string(column),
            "covariates": .array([.string("fin"), .string("age"), .string("prio")]),
        ])
        #expect(run.outcome == .succeeded, "\(run.log)")
        Self.expectTerms(try SurvivalStageTests.json(run.text), try Self.r("rossi_\(column)_efron"), "rossi \(column)")
    }

    @Test("Fine-Gray on mgus2, cause 1: R's finegray + weighted coxph, subjects and events of the cause counted")
    func fineGray() throws {
        let run = SurvivalStageTests.run(FineGrayStage(), table: Self.table("mgus2"), with: [
            "time": .string("etime"), "event": .string("event"), "cause": .integer(1),
            "covariates": .array([.string("age"), .string("sex"), .string("hgb")]),
        ])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let out = try SurvivalStageTests.json(run.text)
        let r = try Self.r("finegray_cause1_efron")
        Self.expectTerms(out, r, "fine-gray")
        #expect(out["kind"] as? String == "survival/fine-gray")
        #expect(out["cause"] as? String == "1")
        #expect(out["n"] as? Int == r["subjects"] as? Int)
        #expect(out["events"] as? Int == r["nevent"] as? Int)
        #expect(out["expanded_rows"] as? Int == r["rows"] as? Int)
        #expect(out["n_dropped"] as? Int == 1384 - 1371)
        #expect((out["terms"] as? [[String: Any]])?.map { $0["term"] as? String } == ["age", "sex=M", "hgb"])
    }

    @Test("load errors: ph_test with start or weights, empty or repeated strata, an empty cluster name, cause 0 — all at once")
    func loadErrors() {
        let cox: JSONValue = .object([
            "time": .string("stop"), "start": .string("start"), "event": .string("e"), "covariates": .array([.string("a")]),
            "strata": .array([.string("s"), .string("s")]), "cluster": .string(""), "ph_test": .bool(true),
        ])
        #expect(CoxStage().check(SettingsReaderTests.declaration(cox)) == [
            "with.strata[1]: strata column 's' appears twice; names must be distinct",
            "with.cluster: must name a column of the table, not \"\"",
            "with.ph_test: is not available with 'start' (the test of counting-process or weighted fits is not implemented); "
                + "remove ph_test, or check proportional hazards on a fit without start",
        ])
        let weighted: JSONValue = .object([
            "time": .string("t"), "event": .string("e"), "covariates": .array([.string("a")]), "weights": .string("w"),
            "ph_test": .bool(true), "strata": .array([]),
        ])
        #expect(CoxStage().check(SettingsReaderTests.declaration(weighted)) == [
            "with.strata: must not be empty; name a column or leave strata out",
            "with.ph_test: is not available with 'weights' (the test of counting-process or weighted fits is not implemented); "
                + "remove ph_test, or check proportional hazards on a fit without weights",
        ])
        let fineGray: JSONValue = .object([
            "time": .string("t"), "event": .string("e"), "cause": .integer(0), "covariates": .array([]), "strata": .string("x"),
        ])
        #expect(FineGrayStage().check(SettingsReaderTests.declaration(fineGray)) == [
            "with: unknown setting 'strata' (settings: time, event, cause, covariates, categorical, interactions, cluster, ties, conf_level)",
            "with.cause: must be a cause code, a positive whole number (0 marks censored rows), not '0'",
            "with.covariates: missing; list the covariate columns",
        ])
        #expect(FineGrayStage().check(SettingsReaderTests.declaration(.object([
            "time": .string("t"), "event": .string("e"), "covariates": .string("a")]))) == [
            "with.cause: missing; name the event value to model, e.g. cause: 1",
        ])
    }

    static func csv(_ text: String) -> (TemporaryDirectory, String) {
        let dir = TemporaryDirectory()
        dir.write("t.csv", text)
        return (dir, dir.path + "/t.csv")
    }

    @Test("data errors name the line and column: start not before stop, a negative or zero weight, an unknown cluster column, a cause that never occurs")
    func rowErrors() {
        let (dir, path) = Self.csv("start,stop,e,a,w,id\n0,5,1,1,1,1\n2,9,0,2,1,1\n4,4,1,3,1,2\n0,3,1,4,-1,3\n")
        defer { _ = dir }
        let base: [String: JSONValue] = ["time": .string("stop"), "event": .string("e"), "covariates": .string("a")]
        var with = base.merging(["start": .string("start")]) { a, _ in a }
        #expect(SurvivalStageTests.run(CoxStage(), table: path, with: with).outcome == .failed(status: 1, message:
            "line 4: start 4 ('start') is not before stop 4 ('stop'); each row is the interval (start, stop], so start must be smaller"))
        with = base.merging(["weights": .string("w")]) { a, _ in a }
        #expect(SurvivalStageTests.run(CoxStage(), table: path, with: with).outcome == .failed(status: 1, message:
            "column 'w' (weights) must hold finite numbers ≥ 0: line 5 has '-1'"))
        with = base.merging(["cluster": .string("patient")]) { a, _ in a }
        #expect(SurvivalStageTests.run(CoxStage(), table: path, with: with).outcome == .failed(status: 1, message:
            "unknown column 'patient' in 'cluster'; available columns: start, stop, e, a, w, id"))
        let (zeroDir, zeroPath) = Self.csv("t,e,a,w\n1,1,1,1\n2,0,2,0\n3,1,3,1\n")
        defer { _ = zeroDir }
        #expect(SurvivalStageTests.run(CoxStage(), table: zeroPath, with: [
            "time": .string("t"), "event": .string("e"), "covariates": .string("a"), "weights": .string("w"),
        ]).outcome == .failed(status: 1, message:
            "column 'w' (weights) must be positive for survival/cox, as R's coxph requires: line 3 has '0'; drop the row or give it a positive weight"))
        let fineGray: [String: JSONValue] = ["time": .string("stop"), "event": .string("e"), "cause": .integer(2), "covariates": .string("a")]
        #expect(SurvivalStageTests.run(FineGrayStage(), table: path, with: fineGray).outcome == .failed(status: 1, message:
            "cause '2' does not occur in column 'e' (event) among the rows used; its causes: 1; set cause to one of them"))
        let (textDir, textPath) = Self.csv("t,status,a\n1,death,1\n2,0,2\n")
        defer { _ = textDir }
        #expect(SurvivalStageTests.run(FineGrayStage(), table: textPath, with: [
            "time": .string("t"), "event": .string("status"), "cause": .integer(1), "covariates": .string("a"),
        ]).outcome == .failed(status: 1, message:
            "column 'status' (event) must hold 0 for censored and a positive whole number for each cause: line 2 has 'death'; recode the column (e.g. with ingest/csv's map)"))
        #expect(FineGrayStage().check(SettingsReaderTests.declaration(.object([
            "time": .string("t"), "event": .string("e"), "cause": .string("pcm"), "covariates": .string("a")]))) == [
            "with.cause: must be a cause code, a positive whole number (0 marks censored rows), not 'pcm'",
        ])
    }
}
