import Foundation
import Testing
import _StudyTestSupport

/// The built binary on Workflows/examples/survival-breadth, checked against R's numbers
/// (Tests/StudyStatsTests/Reference/survfit.R computes them).
@Suite("studyflow on the survival-breadth example")
struct SurvivalBreadthExampleTests {
    static func json(_ text: String?) throws -> [String: Any] {
        let text = try #require(text)
        return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("delayed-entry Kaplan-Meier with its RMST difference, and cumulative incidence with Gray's test, match R")
    func breadth() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("survival-breadth", to: dir.path)
        let result = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(result.status == 0, "\(result.stderr)")

        let km = try Self.json(dir.read("results/km-entry.json"))
        // R: survfit(Surv(start, stop, event) ~ transplant, heart): medians 149 (69, NA) and 90 (53, 334).
        let curves = try #require(km["curves"] as? [[String: Any]])
        #expect(curves.map { $0["group"] as? String } == ["0", "1"])
        #expect((curves[1]["median"] as? [String: Any])?["estimate"] as? Double == 90)
        #expect((curves[1]["median"] as? [String: Any])?["upper"] as? Double == 334)
        // R: summary(fit, rmean = 365)$table: rmean 1 − rmean 0 = −6.806861722219821, se 37.12462740561532.
        let difference = try #require(km["rmst_difference"] as? [String: Any])
        #expect(difference["groups"] as? [String] == ["0", "1"])
        #expect(abs((difference["estimate"] as? Double ?? 0) + 6.806861722219821) < 1e-9)
        #expect(abs((difference["se"] as? Double ?? 0) - 37.12462740561532) < 1e-8)
        #expect(abs((difference["p"] as? Double ?? 0) - 0.8545221097151612) < 1e-8)

        let cuminc = try Self.json(dir.read("results/cuminc.json"))
        let incidence = try #require(cuminc["curves"] as? [[String: Any]])
        #expect(incidence.map { "\($0["group"]!) \($0["event"]!)" } == ["F progression", "F death", "M progression", "M death"])
        // R: cmprsk::cuminc(etime, event, sex)$Tests: stat 1.1945078250755148 and 11.651259012127738, 1 df.
        let tests = try #require(cuminc["tests"] as? [[String: Any]])
        #expect(tests.map { $0["event"] as? String } == ["progression", "death"])
        #expect(abs((tests[0]["statistic"] as? Double ?? 0) - 1.1945078250755148) < 1e-6)
        #expect(abs((tests[1]["statistic"] as? Double ?? 0) - 11.651259012127738) < 1e-6)
        #expect(tests.allSatisfy { $0["df"] as? Int == 1 })

        let again = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--json"])
        #expect(again.status == 0)
        #expect(again.stdout.split(separator: "\n").last?.contains("\"ran\":[]") == true, "\(again.stdout)")
    }

    @Test("log-rank with start or weights is a load error naming the field and saying R does not define it")
    func logRankRefusesStartAndWeights() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("survival-breadth", to: dir.path)
        dir.write("lr.yaml", """
            name: lr
            stages:
              lr:
                uses: survival/log-rank
                inputs:  {table: data/heart.csv}
                outputs: {result: results/lr.json}
                with: {time: stop, event: event, group: transplant, start: start, weights: age}

            """)
        let result = try CLI.run(["run", "-C", dir.path, "lr.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr == """
            lr.yaml:7:64: error: stage 'lr' (survival/log-rank): with.start: is not supported by survival/log-rank: R's survival::survdiff defines the log-rank test for right-censored data only (it stops with "Right censored data only" on Surv(start, stop, event)); drop start, or fit survival/cox with start: instead
            lr.yaml:7:80: error: stage 'lr' (survival/log-rank): with.weights: is not supported by survival/log-rank: R's survival::survdiff takes no case weights (it has no weights argument); drop weights, or fit survival/cox with weights: instead
            studyflow: 2 errors in lr.yaml; nothing was run

            """)
        #expect(!dir.exists("results/lr.json"))
    }
}
