import Foundation
import Testing
import _StudyTestSupport

/// The flagship study (`Workflows/liver-metastasis.yaml`) from a copy of `Workflows/`, as `make run`
/// runs it, with fewer Monte Carlo replicates so the debug build stays quick.
@Suite("The flagship study")
struct FlagshipStudyTests {
    /// A workspace holding a copy of the package's `Workflows/`.
    private func workspace() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: CLI.packageRoot + "/Workflows", toPath: dir.path + "/Workflows")
        return dir
    }

    /// The `"ran":[…]` list of a `run --json` summary line.
    private func ran(_ stdout: String) -> String? {
        guard let summary = stdout.split(separator: "\n").last,
              let start = summary.range(of: "\"ran\":[") else { return nil }
        return String(summary[start.upperBound...].prefix { $0 != "]" })
    }

    @Test("runs end to end as the default workflow; R's numbers; a trial parameter reruns exactly trial and report")
    func endToEnd() throws {
        let dir = try workspace()
        let first = try CLI.run(["run", "-C", dir.path, "--param", "replicates=100", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\"ok\":true"))
        let report = try #require(dir.read("results/liver-metastasis/report.html"))
        #expect(report.contains("<h1>Liver metastasis and survival under immune checkpoint inhibitors</h1>"))
        try expectReportFeatures(report)

        // R 4.2.2, survival 3.5-3, on the prepared tables (scripts/check-with-r): survfit medians
        // 10 and 19 months on MSK-IMPACT; coxph coefficient 0.645200562228859 on IMvigor210.
        let km = try #require(dir.read("results/liver-metastasis/msk/km-liver.json"))
        #expect(km.contains("{\"group\":\"Liver metastasis\",\"n\":138,\"events\":88,\"median\":{\"estimate\":10,"))
        #expect(km.contains("{\"group\":\"No liver metastasis\",\"n\":1523,\"events\":744,\"median\":{\"estimate\":19,"))
        let cox = try #require(dir.read("results/liver-metastasis/imvigor210/cox-liver.json"))
        let coef = try #require(cox.range(of: "\"coef\":").map { Double(cox[$0.upperBound...].prefix { $0 != "," }) } ?? nil)
        #expect(abs(coef - 0.645200562228859) < 1e-9)

        // The report's lineage reaches both cohort files, with the digests of Workflows/data/SOURCES.md.
        let audit = try CLI.run(["audit", "-C", dir.path, "results/liver-metastasis/report.html"])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("Workflows/data/imvigor210_clinical.csv  sha256 33aafccabc6ea95fa95aa8049ace5261c7e5089ecde28811e877f0f5c010f0de"))
        #expect(audit.stdout.contains("Workflows/data/tmb_mskcc_2018_clinical.csv  sha256 dad2d1fa833cb6fbeda467c10ad27df82290c3f63f0b64f350fba2865feed86d"))
        #expect(try CLI.run(["audit", "-C", dir.path, "--verify", "results/liver-metastasis/report.html"]).status == 0)

        let again = try CLI.run(["run", "-C", dir.path, "--param", "replicates=100", "--json"])
        #expect(ran(again.stdout) == "", "\(again.stdout)")

        let edited = try CLI.run(["run", "-C", dir.path, "--param", "replicates=120", "--json"])
        #expect(edited.status == 0, "\(edited.stderr)")
        #expect(ran(edited.stdout) == "\"trial\",\"report\"", "\(edited.stdout)")
    }

    /// The report's own elements (issue 18 item 6): a Table 1 per cohort, the figure a user script
    /// drew, one Kaplan-Meier panel per cancer type from the fan-out, cross references that
    /// resolved, readable term labels and the generated methods.
    private func expectReportFeatures(_ report: String) throws {
        // Table 1 of each cohort, by liver status, with an Overall column.
        #expect(report.contains("<th class=\"num\">Overall (n = 316)</th>"))
        #expect(report.contains("<th class=\"num\">Overall (n = 1,661)</th>"))
        // The response-rate plot Workflows/scripts/response_plot.py drew, inlined with its alt text.
        #expect(report.contains(">Dot plot of objective response rate with Wilson 95 % intervals: 10 % (8 of 81) with liver metastasis, 23 % (44 of 190) without</title>"))
        // One panel per instance of msk_type_km, labelled by its item's label, in instance order.
        let figure = try #require(report.range(of: "<figure id=\"figure-7\">").map { report[$0.lowerBound...] })
        let grid = String(figure[..<(figure.range(of: "</figure>")?.lowerBound ?? figure.endIndex)])
        let labels = grid.components(separatedBy: "<div class=\"panel\">\n<p class=\"strip\">").dropFirst()
            .map { String($0.prefix { $0 != "<" }) }
        #expect(labels == ["Non-small cell lung", "Melanoma", "Bladder", "Renal cell", "Head and neck",
                           "Oesophagogastric", "Colorectal", "Unknown primary", "Breast"])
        // Small multiples: nine compact panels in three columns, the legend and axis titles once.
        #expect(grid.contains("<div class=\"facet-grid\" style=\"--cols:3\">"))
        #expect(grid.components(separatedBy: "class=\"chart compact\" viewBox=\"0 0 224 ").count - 1 == 9)
        #expect(grid.components(separatedBy: "<p class=\"facet-x\">Months</p>").count - 1 == 1)
        // Table 1 rows read as the workflow's labels: name them.
        #expect(report.contains("<td>ECOG performance status, n (%)</td>") && !report.contains("<td>ecog, n (%)</td>"))
        #expect(report.contains("<td>\u{2003}Anti-PD-1 + anti-CTLA-4</td>"))
        // Cross references became links, none stayed as written.
        #expect(report.contains("<a href=\"#figure-7\">Figure 7</a>"))
        #expect(!report.contains("[@"))
        #expect(report.contains("ECOG 1 (vs 0)") && !report.contains(">1 (vs 0)<"))
        #expect(report.contains("<h2>Methods and reproducibility</h2>"))
        #expect(report.contains("Cox proportional hazards model, Efron ties"))
        // Each section's prose, read from Workflows/report/*.md with its cross references resolved.
        #expect(report.contains("Their patient data are not public."))
        #expect(report.contains("(316 of 348; <a href=\"#table-2\">Table 2</a>)"))
    }

    @Test("the workflow is written once: at most 340 lines, no include, every subgroup analysis a fan-out")
    func size() throws {
        let text = try String(contentsOfFile: CLI.packageRoot + "/Workflows/liver-metastasis.yaml", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
        #expect(lines <= 340, "Workflows/liver-metastasis.yaml has \(lines) lines")
        #expect(!text.contains("\ninclude:"))
        #expect(text.components(separatedBy: "    foreach:").count - 1 >= 9)
    }
}
