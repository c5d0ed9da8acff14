import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport
@testable import StudyStages

/// Data files a stage reads (upstream results, the published-figures YAML) crafted to exhaust the
/// parser: each is refused with a message naming the limit, in-process, without a crash.
@Suite struct HostileInputTests {
    static let nested40KB = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)

    @Test("a 40 KB deeply nested result is refused at the level past 256")
    func deepResult() {
        do throws(ResultJSONError) {
            _ = try ResultValue.parse(Array(Self.nested40KB.utf8))
            Issue.record("parsed")
        } catch {
            #expect(error.message == "arrays and objects nest more than 256 levels deep; a result is never that deep: check that it is the right file at byte 257")
        }
    }

    @Test("a trial reading its control median from a deeply nested file fails with the reason")
    func deepKaplanMeierInput() {
        let dir = TemporaryDirectory()
        dir.write("km.json", "{\"kind\":\"survival/kaplan-meier\",\"curves\":" + Self.nested40KB + "}")
        do throws(SimulationStageError) {
            _ = try KaplanMeierMedian.read(dir.path + "/km.json", group: "a", name: "km")
            Issue.record("read")
        } catch {
            #expect(error.message == "input 'km' is not a readable JSON result: arrays and objects nest more than 256 levels deep; a result is never that deep: check that it is the right file at byte 297")
        }
    }

    @Test("a published-figures file nested 5,000 deep or holding an alias bomb is a problem, not a crash")
    func hostilePublishedFigures() {
        let deep = PublishedFigures.parse("- " + String(repeating: "[", count: 5_000) + "\n", inputs: ["km"])
        #expect(deep.problems == ["line 1, column 258: lists and mappings are nested more than 256 levels deep; flatten the structure"])
        var bomb = "- quantity: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for (name, previous) in zip("bcdefgh", "abcdefg") {
            bomb += "- quantity: &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        let parsed = PublishedFigures.parse(bomb, inputs: ["km"])
        #expect(parsed.problems == ["line 5, column 45: aliases expand to more than 100000 nodes (an alias bomb?); write the repeated values out or use fewer nested aliases"])
    }

    @Test("a bad covariate is reported at its list item's line and column, through the load-time check")
    func coxCovariateLocation() throws {
        let yaml = """
            name: t
            stages:
              cox:
                uses: survival/cox
                inputs: {table: t.csv}
                outputs: {result: r.json}
                with:
                  time: t
                  event: e
                  covariates:
                    - a
                    - b
                    - {c: 1}
                  tie: efron
            """
        #expect(try SettingsReaderTests.loadDiagnostics(yaml) == [
            "w.yaml:14:7: error: stage 'cox' (survival/cox): with: unknown setting 'tie'; did you mean 'ties'? (settings: time, event, start, covariates, categorical, interactions, strata, cluster, weights, ties, conf_level, ph_test)",
            "w.yaml:13:11: error: stage 'cox' (survival/cox): with.covariates[2]: must be a column name, not {\"c\":1}",
        ])
    }
}
