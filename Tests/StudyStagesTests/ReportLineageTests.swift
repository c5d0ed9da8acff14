import Foundation
import StudyCore
import StudyEngine
import StudyStages
import StudyStore
import Testing
import _StudyTestSupport

/// `survival/kaplan-meier` under another version number: the same bytes, another kind tag.
private struct RenumberedKaplanMeier: StageKind {
    let version: Int
    var name: String { KaplanMeierStage().name }
    func check(_ declaration: StageDeclaration) -> [String] { KaplanMeierStage().check(declaration) }
    func run(_ context: StageKindContext) -> StageOutcome { KaplanMeierStage().run(context) }
}

/// A report with `generated: methods` is told the stages behind its inputs by the engine, and that
/// lineage enters its key: an upstream kind's new version reruns it even when the upstream's
/// bytes did not change, and its methods text says the new version.
@Suite struct ReportLineageTests {
    static let yaml = """
        name: t
        stages:
          km:
            uses: survival/kaplan-meier
            inputs: {table: data/lung.csv}
            with: {time: time, event: status, group: sex}
            outputs: {result: results/km.json}
          report:
            uses: report/html
            inputs: {km: results/km.json}
            with:
              title: Lung
              sections:
                - {title: Methods, generated: methods}
                - title: Results
                  figures: [{type: kaplan-meier, input: km}]
            outputs: {report: out/report.html, summary: out/report.md}
          plain:
            uses: report/html
            inputs: {km: results/km.json}
            with:
              title: Lung
              sections: [{title: Results, figures: [{type: kaplan-meier, input: km}]}]
            outputs: {report: out/plain.html}
        """

    static func run(_ dir: TemporaryDirectory, kmVersion: Int, run: Int) throws -> RunSummary {
        let kinds = StageKindRegistry([RenumberedKaplanMeier(version: kmVersion), ReportStage()])
        let workflow = try WorkflowLoader(knownKinds: kinds.names).load(text: yaml, file: "w.yaml")
        let graph = try WorkflowValidator(probe: DiskPathProbe(root: dir.path)).validate(workflow)
        let ws = Workspace(layout: StoreLayout(root: dir.path), compiled: CompiledWorkflow(workflow: workflow, graph: graph),
                           registry: kinds, params: [:])
        return try Runner(workspace: ws, executor: LocalExecutor(), options: RunOptions(jobs: 1), observers: [], run: run).execute()
    }

    @Test("an upstream kind's new version reruns a methods report (not a plain one) and changes its text")
    func upstreamVersion() throws {
        let dir = TemporaryDirectory()
        dir.write("data/lung.csv", try String(contentsOfFile: SurvivalStageTests.lungPath, encoding: .utf8))
        let first = try Self.run(dir, kmVersion: 1, run: 1)
        #expect(first.ids(.failed) == [], "\(first.results.compactMap(\.failure))")
        let summary = try #require(dir.read("out/report.md"))
        let lung = Digest.of(FileIO.read(dir.path + "/data/lung.csv")!).hex
        #expect(summary.contains("""
            **Stages.** The results come from these stages (kind and version; container image and tools with their digests where a stage had them):

            - `km`: `survival/kaplan-meier@1`

            **Source data** (SHA-256):

            - `data/lung.csv`: `\(lung)`

            **Data.** The report read these files (SHA-256):
            """))
        let firstHTML = dir.read("out/report.html")

        let again = try Self.run(dir, kmVersion: 1, run: 2)
        #expect(again.ids(.cached) == ["km", "plain", "report"])
        #expect(dir.read("out/report.html") == firstHTML, "same inputs, same bytes")

        let bumped = try Self.run(dir, kmVersion: 2, run: 3)
        #expect(bumped.ids(.ran) == ["km", "report"], "km's bytes are the same, so only the methods report reruns")
        #expect(dir.read("out/report.md")?.contains("- `km`: `survival/kaplan-meier@2`\n") == true)
    }

    @Test("a source file edited under the lineage reruns the methods report with its new digest")
    func sourceDigest() throws {
        let dir = TemporaryDirectory()
        let lung = try String(contentsOfFile: SurvivalStageTests.lungPath, encoding: .utf8)
        dir.write("data/lung.csv", lung)
        _ = try Self.run(dir, kmVersion: 1, run: 1)
        dir.write("data/lung.csv", lung + "\n")
        let edited = try Self.run(dir, kmVersion: 1, run: 2)
        #expect(edited.ids(.ran).contains("report"))
        let digest = Digest.of(FileIO.read(dir.path + "/data/lung.csv")!).hex
        #expect(dir.read("out/report.md")?.contains("- `data/lung.csv`: `\(digest)`\n") == true)
    }
}
