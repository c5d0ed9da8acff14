import Foundation
import Testing
@testable import StudyStats

/// The survival outcome and grouping of a reference data set, read as R's formula reads it.
struct SurvivalInput {
    let reference: ReferenceData
    let data: SurvivalData
    /// Group labels as the CSV spells them (R's factor labels, e.g. "1" or "Lev+5FU").
    let groups: [String]
    /// The group variable's name, as in R's strata names "sex=1".
    let groupVariable: String
    /// R's factor levels when the JSON gives them (non-alphabetical orders such as colon's rx).
    let levels: [String]?

    static func load(_ name: String) throws -> SurvivalInput {
        let reference = try ReferenceData.load(name)
        // "Surv(time, status)" names the time and event columns.
        let lhs = reference.r["surv_formula_lhs"] as! String
        let inner = lhs.drop { $0 != "(" }.dropFirst().prefix { $0 != ")" }
        let names = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(names[0] == reference.r["time_var"] as? String)
        let groupVariable = reference.r["group_var"] as! String
        let groupColumn = try #require(reference.text[groupVariable]).map { $0 ?? "" }
        let time = reference.columns[names[0]]!
        let status = reference.columns[names[1]]!
        // R's default na.action drops rows with a missing time, status or group.
        let rows = time.indices.filter { time[$0] != nil && status[$0] != nil && !groupColumn[$0].isEmpty }
        let levels = (reference.r["factor_levels"] as? [String: Any])?[groupVariable] as? [String]
        return SurvivalInput(
            reference: reference,
            data: SurvivalData(time: rows.map { time[$0]! }, event: rows.map { status[$0]! == 1 }),
            groups: rows.map { groupColumn[$0] }, groupVariable: groupVariable, levels: levels)
    }
}

/// A JSON number, or nil for JSON null (NSNull, R's NA).
func jsonNumber(_ value: Any?) -> Double? {
    (value as? NSNumber)?.doubleValue
}

@Suite("Kaplan-Meier against survival::survfit")
struct KaplanMeierTests {
    /// The overall curve and every group curve with the R summary that describes it.
    static func curves(_ input: SurvivalInput, _ type: KaplanMeier.ConfidenceType) -> [(KaplanMeierCurve?, [String: Any])] {
        let km = input.reference.r["kaplan_meier"] as! [String: Any]
        let overall = KaplanMeier.fit(input.data, confType: type).curves[0]
        let grouped = KaplanMeier.fit(input.data, groups: input.groups, levels: input.levels, confType: type).curves
        let byGroup = km["by_group"] as! [[String: Any]]
        var pairs: [(KaplanMeierCurve?, [String: Any])] = [(overall, km["overall"] as! [String: Any])]
        for summary in byGroup {
            let strata = summary["strata"] as! String
            pairs.append((grouped.first { "\(input.groupVariable)=\($0.group!)" == strata }, summary))
        }
        #expect(grouped.map { "\(input.groupVariable)=\($0.group!)" } == byGroup.map { $0["strata"] as! String })
        return pairs
    }

    @Test("table counts, survival, Greenwood std err and both CI types", arguments: ReferenceData.names)
    func table(name: String) throws {
        let input = try SurvivalInput.load(name)
        for (type, suffix) in [(KaplanMeier.ConfidenceType.log, "log"), (.logLog, "loglog")] {
            for (curve, summary) in Self.curves(input, type) {
                let curve = try #require(curve, "\(name) \(summary["strata"]!) has no curve")
                let table = summary["table"] as! [String: [Any]]
                #expect(curve.n == summary["n"] as? Int)
                #expect(curve.events == jsonNumber(summary["events"]))
                #expect(curve.steps.count == table["time"]!.count)
                guard curve.steps.count == table["time"]!.count else { continue }
                let label = "\(name) \(summary["strata"]!) \(suffix)"
                for (i, step) in curve.steps.enumerated() {
                    #expect(step.time == jsonNumber(table["time"]![i]), "\(label) row \(i)")
                    #expect(step.nRisk == jsonNumber(table["n.risk"]![i]), "\(label) row \(i)")
                    #expect(step.nEvent == jsonNumber(table["n.event"]![i]), "\(label) row \(i)")
                    #expect(step.nCensor == jsonNumber(table["n.censor"]![i]), "\(label) row \(i)")
                    #expect(close(step.survival, jsonNumber(table["surv"]![i]), absolute: 1e-10), "\(label) row \(i)")
                    #expect(close(step.stdErr, jsonNumber(table["std.err.logS"]![i]), absolute: 1e-10), "\(label) row \(i)")
                    #expect(close(step.survivalStdErr, jsonNumber(table["std.err.surv"]![i]), absolute: 1e-10), "\(label) row \(i)")
                    #expect(close(step.lower, jsonNumber(table["lower.\(suffix)"]![i]), absolute: 1e-10), "\(label) row \(i)")
                    #expect(close(step.upper, jsonNumber(table["upper.\(suffix)"]![i]), absolute: 1e-10), "\(label) row \(i)")
                }
            }
        }
    }

    @Test("median and its confidence interval, for both CI types", arguments: ReferenceData.names)
    func median(name: String) throws {
        let input = try SurvivalInput.load(name)
        for (type, key) in [(KaplanMeier.ConfidenceType.log, "median_ci_log"), (.logLog, "median_ci_loglog")] {
            for (curve, summary) in Self.curves(input, type) {
                let curve = try #require(curve)
                let ci = summary[key] as! [String: Any]
                let label = "\(name) \(summary["strata"]!) \(key)"
                #expect(curve.median.estimate == jsonNumber(summary["median"]), "\(label)")
                #expect(curve.median.lower == jsonNumber(ci["lower"]), "\(label)")
                #expect(curve.median.upper == jsonNumber(ci["upper"]), "\(label)")
            }
        }
    }

    @Test("restricted mean survival time and its standard error", arguments: ReferenceData.names)
    func restrictedMean(name: String) throws {
        let input = try SurvivalInput.load(name)
        for (curve, summary) in Self.curves(input, .log) {
            let curve = try #require(curve)
            let rmst = summary["rmst"] as! [String: Any]
            let result = curve.restrictedMean(tau: jsonNumber(rmst["tau"])!)
            #expect(close(result.estimate, jsonNumber(rmst["rmean"]), relative: 1e-10), "\(name) \(summary["strata"]!)")
            #expect(close(result.standardError, jsonNumber(rmst["se_rmean"]), relative: 1e-10), "\(name) \(summary["strata"]!)")
        }
    }

    // survfit(Surv(1:4, rep(1, 4)) ~ 1): S(2) = 0.5 exactly, so R prints the median as (2 + 3) / 2.
    @Test("a curve flat at exactly one half gives the midpoint median")
    func midpointMedian() {
        let fit = KaplanMeier.fit(SurvivalData(time: [1, 2, 3, 4], event: [true, true, true, true]))
        #expect(fit.curves[0].median.estimate == 2.5)
    }

    // At S = 0 Greenwood's term d / (n (n - d)) is infinite and survfit_confint gives NA for both types.
    @Test("a curve that drops to zero has no limits there")
    func dropToZero() {
        for type in [KaplanMeier.ConfidenceType.log, .logLog] {
            let last = KaplanMeier.fit(SurvivalData(time: [1, 2], event: [true, true]), confType: type).curves[0].steps[1]
            #expect(last.survival == 0)
            #expect(last.stdErr == .infinity)
            #expect(last.lower == nil && last.upper == nil)
        }
    }
}
