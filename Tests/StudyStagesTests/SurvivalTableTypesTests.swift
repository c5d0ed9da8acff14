import StudyCore
import StudyStages
import Testing
import _StudyTestSupport

/// The survival kinds read types from quotes as ingest/csv writes them: a quoted number in a file
/// with bare fields is a factor level (R's `write.csv` of a factor), in a quote-everything file it
/// is a number.
@Suite struct SurvivalTableTypesTests {
    /// Twelve patients, ECOG 0-2, events and censoring in every level.
    static let rows: [(time: Int, status: Int, ecog: Int)] = [
        (5, 1, 0), (8, 0, 0), (12, 1, 0), (20, 0, 0), (3, 1, 1), (6, 1, 1),
        (9, 0, 1), (15, 1, 1), (2, 1, 2), (4, 1, 2), (7, 0, 2), (10, 1, 2),
    ]

    func terms(_ csv: String) throws -> [String] {
        let dir = TemporaryDirectory()
        dir.write("t.csv", csv)
        let run = SurvivalStageTests.run(CoxStage(), table: dir.path + "/t.csv", with: [
            "time": .string("time"), "event": .string("status"), "covariates": .array([.string("ecog")]),
        ])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let out = try SurvivalStageTests.json(run.text)
        return (out["terms"] as? [[String: Any]] ?? []).compactMap { $0["term"] as? String }
    }

    @Test("survival/cox takes a quoted-number column of a file with bare fields as a factor (R's write.csv, ingest/csv's category)")
    func quotedNumbersAreAFactor() throws {
        let r = "\"time\",\"status\",\"ecog\"\n" + Self.rows.map { "\($0.time),\($0.status),\"\($0.ecog)\"" }.joined(separator: "\n") + "\n"
        #expect(try terms(r) == ["ecog=1", "ecog=2"])
    }

    @Test("survival/cox takes numbers as numbers when the file quotes every field or none")
    func quoteAllOrNone() throws {
        let all = "\"time\",\"status\",\"ecog\"\n" + Self.rows.map { "\"\($0.time)\",\"\($0.status)\",\"\($0.ecog)\"" }.joined(separator: "\n") + "\n"
        #expect(try terms(all) == ["ecog"])
        let none = "time,status,ecog\n" + Self.rows.map { "\($0.time),\($0.status),\($0.ecog)" }.joined(separator: "\n") + "\n"
        #expect(try terms(none) == ["ecog"])
    }
}
