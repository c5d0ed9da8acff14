import Foundation
import StudyCore
import StudyEngine
@testable import StudyStages
import Testing
import _StudyTestSupport

/// survival/kaplan-meier with `start` and `weights`, log-rank refusing them, and
/// survival/cumulative-incidence: settings checked at load with whole messages, data problems
/// failing the stage naming the line, and results against R (Reference/survfit.R).
@Suite struct SurvivalBreadthStageTests {
    static func declaration(_ with: [String: JSONValue]) -> StageDeclaration {
        StageDeclaration(stage: "s", root: "/tmp", inputs: ["table": "t.csv"], outputs: ["result": "r.json"], with: .object(with))
    }

    /// Runs `kind` on a table written from `csv`.
    static func run(_ kind: any StageKind, csv: String, with: [String: JSONValue]) -> (outcome: StageOutcome, text: String?) {
        let dir = TemporaryDirectory()
        dir.write("t.csv", csv)
        let result = SurvivalStageTests.run(kind, table: dir.path + "/t.csv", with: with)
        return (result.outcome, result.text)
    }

    static func r() throws -> [String: Any] {
        let data = try Data(contentsOf: SurvivalStageTests.reference.appendingPathComponent("survfit.r-survival.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static let survival: [String: JSONValue] = ["time": .string("t"), "event": .string("e")]

    @Test("log-rank refuses start and weights at load, saying R's survdiff does not define them")
    func logRankRefuses() {
        #expect(LogRankStage().check(Self.declaration(Self.survival.merging([
            "group": .string("g"), "start": .string("s"), "weights": .string("w")]) { a, _ in a })) == [
            "with.start: is not supported by survival/log-rank: R's survival::survdiff defines the log-rank test for right-censored data only (it stops with \"Right censored data only\" on Surv(start, stop, event)); drop start, or fit survival/cox with start: instead",
            "with.weights: is not supported by survival/log-rank: R's survival::survdiff takes no case weights (it has no weights argument); drop weights, or fit survival/cox with weights: instead",
        ])
    }

    @Test("Kaplan-Meier takes start and weights; start naming the time column is a load error")
    func kaplanMeierSettings() {
        #expect(KaplanMeierStage().check(Self.declaration(Self.survival.merging([
            "start": .string("s"), "weights": .string("w")]) { a, _ in a })) == [])
        #expect(KaplanMeierStage().check(Self.declaration(Self.survival.merging(["start": .string("t"), "weights": .string("")]) { a, _ in a })) == [
            "with.weights: must name a column of the table, not \"\"",
            "with.start: names the same column as with.time ('t'); each row is the interval (start, time], so name its entry-time column",
        ])
    }

    @Test("cumulative incidence: labels must be non-zero event codes with distinct non-empty names, all listed")
    func cumulativeIncidenceSettings() {
        #expect(CumulativeIncidenceStage().check(Self.declaration(Self.survival.merging([
            "group": .string("g"), "labels": .object(["1": .string("relapse"), "2": .string("death")]), "conf_level": .number(0.9)]) { a, _ in a })) == [])
        #expect(CumulativeIncidenceStage().check(Self.declaration([
            "event": .string("e"), "label": .null,
            "labels": .object(["0": .string("censored"), "x": .string("a"), "1": .string("death"), "1.0": .string("relapse"),
                               "2": .string("death"), "3": .string(""), "4": .array([])])])) == [
            "with: unknown setting 'label'; did you mean 'labels'? (settings: time, event, group, labels, conf_level)",
            "with.time: missing; name a column of the table",
            "with.labels.0: 0 is the code for censored rows and takes no label; name only the event codes",
            "with.labels.1.0: names code 1 a second time; keep one key per code",
            "with.labels.2: the name 'death' is already the label of code 1; give each event type its own name",
            "with.labels.3: must be a name, not \"\"",
            "with.labels.4: must be a name, not []",
            "with.labels.x: 'x' is not an event code; key each name by the number the event column holds, e.g. {1: relapse, 2: death}",
        ])
    }

    @Test("cumulative incidence data problems fail the stage naming the column, line and fix")
    func cumulativeIncidenceData() {
        let kind = CumulativeIncidenceStage()
        #expect(Self.run(kind, csv: "t,e\n1,0\n2,death\n", with: Self.survival).outcome
            == .failed(status: 1, message: "column 'e' (event) must hold numeric event codes (0 censored, 1, 2, … the event types): line 3 has 'death'"))
        #expect(Self.run(kind, csv: "t,e\n1,1\n2,3\n", with: Self.survival.merging(["labels": .object(["1": .string("relapse")])]) { a, _ in a }).outcome
            == .failed(status: 1, message: "column 'e' (event) has code 3 on line 3, which with.labels does not name; add 3: NAME to with.labels"))
        #expect(Self.run(kind, csv: "t,e\n1,0\n2,0\n", with: Self.survival).outcome
            == .failed(status: 1, message: "column 'e' (event) has no events among the rows used (every code is 0, censored)"))
        #expect(Self.run(kind, csv: "t,e\n-1,1\n", with: Self.survival).outcome
            == .failed(status: 1, message: "column 't' (time) has a negative time: line 2 has '-1'"))
        let many = "t,e,g\n" + (1...21).map { "\($0),\($0),\($0 % 2)" }.joined(separator: "\n") + "\n"
        #expect(Self.run(kind, csv: many, with: Self.survival).outcome
            == .failed(status: 1, message: "column 'e' (event) has 21 distinct event codes; an event column holds 0 for censored and one code per event type (at most 20): name the event-code column, not a time or a measurement"))
        #expect(Self.run(kind, csv: many, with: ["time": .string("t"), "event": .string("g"), "group": .string("t")]).outcome
            == .succeeded, "21 groups are within the limit")
        let ids = "t,e,id\n" + (1...101).map { "\($0),\($0 % 2),\($0)" }.joined(separator: "\n") + "\n"
        #expect(Self.run(kind, csv: ids, with: Self.survival.merging(["group": .string("id")]) { a, _ in a }).outcome
            == .failed(status: 1, message: "column 'id' (group) has 101 levels; cumulative incidence compares at most 100 groups (Gray's test grows with their square): name a grouping column, not an identifier or a measurement"))
    }

    @Test("Kaplan-Meier weights and start data problems name the line")
    func kaplanMeierData() {
        let kind = KaplanMeierStage()
        #expect(Self.run(kind, csv: "t,e,w\n1,1,1\n2,0,-2\n", with: Self.survival.merging(["weights": .string("w")]) { a, _ in a }).outcome
            == .failed(status: 1, message: "column 'w' (weights) must hold finite numbers ≥ 0: line 3 has '-2'"))
        #expect(Self.run(kind, csv: "t,e,s\n1,1,0\n2,0,2\n", with: Self.survival.merging(["start": .string("s")]) { a, _ in a }).outcome
            == .failed(status: 1, message: "line 3: start 2 ('s') is not before stop 2 ('t'); each row is the interval (start, stop], so start must be smaller"))
    }

    @Test("weighted Kaplan-Meier writes summed weights and R's jackknife limits (lung, fractional weights)")
    func weightedKaplanMeier() throws {
        let lung = try String(contentsOfFile: SurvivalStageTests.lungPath, encoding: .utf8)
        var lines = lung.split(separator: "\n").map(String.init)
        lines[0] += ",w"
        for i in 1..<lines.count { lines[i] += "," + JSONValue.format(0.25 + Double(i % 5) * 0.375) }
        let result = Self.run(KaplanMeierStage(), csv: lines.joined(separator: "\n") + "\n", with: [
            "time": .string("time"), "event": .string("status"), "group": .string("sex"), "weights": .string("w"),
            "rmst_tau": .integer(365)])
        #expect(result.outcome == .succeeded)
        let out = try SurvivalStageTests.json(result.text)
        let curves = out["curves"] as! [[String: Any]]
        let expected = (try Self.r()["km_fractional_weights"] as! [String: Any])["curves"] as! [[String: Any]]
        for (curve, r) in zip(curves, expected) {
            let steps = curve["steps"] as! [[String: Any]]
            for (key, column) in [("n_risk", "n_risk"), ("std_err", "std_err"), ("lower", "lower"), ("upper", "upper")] {
                let theirs = r[column] as! [Any]
                #expect(steps.count == theirs.count)
                for (step, value) in zip(steps, theirs) {
                    #expect(SurvivalStageTests.rel(step[key] as? Double, (value as? NSNumber)?.doubleValue, 1e-9), "\(key)")
                }
            }
            let rmst = curve["rmst"] as! [String: Any]
            #expect(SurvivalStageTests.rel(rmst["se"] as? Double, (r["rmean_se"] as? NSNumber)?.doubleValue, 1e-9))
        }
        #expect((out["rmst_difference"] as? [String: Any])?["groups"] as? [String] == ["1", "2"])
    }

    @Test("rmst_difference is left out without a group, and with more than two groups")
    func differenceNeedsTwoGroups() throws {
        let csv = "t,e,g\n1,1,a\n2,1,b\n3,0,c\n4,1,a\n5,1,b\n"
        let three = Self.run(KaplanMeierStage(), csv: csv, with: Self.survival.merging(["group": .string("g"), "rmst_tau": .integer(3)]) { a, _ in a })
        #expect(three.outcome == .succeeded && three.text?.contains("rmst_difference") == false)
        let none = Self.run(KaplanMeierStage(), csv: csv, with: Self.survival.merging(["rmst_tau": .integer(3)]) { a, _ in a })
        #expect(none.outcome == .succeeded && none.text?.contains("rmst_difference") == false)
    }
}
