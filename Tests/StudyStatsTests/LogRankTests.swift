import Foundation
import Testing
@testable import StudyStats

@Suite("Log-rank and G-rho tests against survival::survdiff")
struct LogRankTests {
    static func check(_ result: LogRankResult, _ input: SurvivalInput, _ key: String, _ label: String) {
        let reference = (input.reference.r["logrank"] as! [String: Any])[key] as! [String: Any]
        #expect(result.groups.map { "\(input.groupVariable)=\($0)" } == reference["groups"] as? [String], "\(label)")
        #expect(close(result.statistic, jsonNumber(reference["chisq"]), relative: 1e-9), "\(label)")
        #expect(close(result.p, jsonNumber(reference["p"]), relative: 1e-9), "\(label)")
        #expect(result.df == reference["df"] as? Int, "\(label)")
        #expect(result.n == reference["n"] as? [Int], "\(label)")
        let observed = (reference["observed"] as! [Any]).map(jsonNumber)
        let expected = (reference["expected"] as! [Any]).map(jsonNumber)
        let variance = (reference["var"] as! [[Any]]).map { $0.map(jsonNumber) }
        #expect(result.observed.count == observed.count && result.expected.count == expected.count, "\(label)")
        for (a, b) in zip(result.observed, observed) { #expect(close(a, b, relative: 1e-9), "\(label) observed") }
        for (a, b) in zip(result.expected, expected) { #expect(close(a, b, relative: 1e-9), "\(label) expected") }
        for (row, referenceRow) in zip(result.variance, variance) {
            for (a, b) in zip(row, referenceRow) { #expect(close(a, b, relative: 1e-9), "\(label) var") }
        }
    }

    @Test("log-rank (rho = 0) and Peto-Peto (rho = 1)", arguments: ReferenceData.names)
    func unstratified(name: String) throws {
        let input = try SurvivalInput.load(name)
        for (rho, key) in [(0.0, "rho0"), (1.0, "rho1")] {
            let result = LogRank.test(input.data, groups: input.groups, levels: input.levels, rho: rho)
            Self.check(result, input, key, "\(name) \(key)")
        }
    }

    // One stratum holding everyone is the unstratified test, so R's unstratified numbers still apply.
    @Test("a single stratum reproduces the unstratified test", arguments: ReferenceData.names)
    func singleStratum(name: String) throws {
        let input = try SurvivalInput.load(name)
        let strata = [String](repeating: "all", count: input.data.count)
        for (rho, key) in [(0.0, "rho0"), (1.0, "rho1")] {
            let result = LogRank.test(input.data, groups: input.groups, levels: input.levels, strata: strata, rho: rho)
            Self.check(result, input, key, "\(name) \(key) one stratum")
        }
    }
}
