import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// `report/html` through `studyflow run`, locally and on (fake) SLURM: the stage keys' digests
/// reach the report, which hashes none of its inputs yet shows the SHA-256 of each (issue 14
/// item 5).
@Suite("report/html takes its input digests from the run")
struct ReportDigestRunTests {
    static let report = """
          report:
            uses: report/html
            inputs: {km: results/km.json, logrank: results/logrank.json, cox: results/cox.json, published: published.yaml}
            outputs: {report: results/report.html}
            with:
              title: Lung
              sections:
                - title: Results
                  figures: [{type: kaplan-meier, inputs: [km, logrank]}, {type: forest, input: cox}]
                  tables: [{type: published, file: published.yaml}]

        """

    static let published = """
        - quantity: Median survival, sex 2
          published: 426
          citation: Loprinzi et al., J Clin Oncol 12:601 (1994)
          reproduced: {input: km, value: "curves[group=2].median.estimate"}

        """

    /// The survival example plus a report over its results, in a fresh directory.
    private func workspace() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        try CLI.copyExample("survival", to: dir.path)
        let workflow = try #require(dir.read("workflow.yaml"))
        dir.write("workflow.yaml", workflow + Self.report)
        dir.write("published.yaml", Self.published)
        return dir
    }

    /// The report's log line, the inputs' SHA-256 as read from disk now, and the HTML.
    private func check(_ dir: TemporaryDirectory) throws {
        let log = try #require(dir.read(".studyflow/logs/1/report.log"))
        let inputs = ["results/km.json", "results/logrank.json", "results/cox.json", "published.yaml"]
        var bytes = 0
        let html = try #require(dir.read("results/report.html"))
        for path in inputs {
            let data = try #require(FileIO.read(dir.path + "/" + path))
            bytes += data.count
            let shown = html.contains("<code>\(Digest.of(data).hex)</code>")
            #expect(shown, "the report does not show the SHA-256 of '\(path)'")
        }
        #expect(log.contains("report/html: read 4 input files (\(bytes) bytes), hashed 0 bytes\n"), "\(log)")
    }

    @Test("a local run gives the report every input's key digest: it hashes nothing and shows each file's SHA-256")
    func local() throws {
        let dir = try workspace()
        let run = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "-j", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        try check(dir)
    }

    @Test("on SLURM the frozen specification carries the digests, and the node's report hashes nothing either")
    func slurm() throws {
        let slurm = FakeSlurm()
        let dir = try workspace()
        let env = ["PATH": slurm.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let run = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--executor", "slurm", "--poll-interval", "0.05"],
                              environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        let spec = try #require(dir.read(".studyflow/logs/1/report.spec.json"))
        let km = try #require(FileIO.read(dir.path + "/results/km.json"))
        #expect(spec.contains("\"inputDigests\":{"), "\(spec)")
        #expect(spec.contains("\"km\":\"\(Digest.of(km).hex)\""), "\(spec)")
        try check(dir)
    }
}
