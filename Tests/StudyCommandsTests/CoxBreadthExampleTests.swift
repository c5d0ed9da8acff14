import Foundation
import Testing
import _StudyTestSupport

/// The built binary on Workflows/examples/survival-breadth: the Cox breadth and Fine-Gray stages
/// run and write the documented members with R's numbers.
@Suite("studyflow on the survival-breadth example: cox and fine-gray")
struct CoxBreadthExampleTests {
    @Test("cox with start/cluster and strata(a, b), and fine-gray, run and write R's numbers; a second run runs nothing")
    func runs() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("survival-breadth", to: dir.path)
        let result = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        let heart = try #require(dir.read("results/cox-heart.json"))
        #expect(heart.hasPrefix(#"{"kind":"survival/cox","ties":"efron","n":172,"events":75,"n_dropped":0,"terms":[{"term":"age","coef":0.03053631"#))
        // R: robust se of age 0.0143280673 (cluster = id); the robust score test is written.
        #expect(heart.contains(#""robust_se":0.0143280"#))
        #expect(heart.contains(#""robust_score":{"statistic":"#))
        let strata = try #require(dir.read("results/cox-lung-strata.json"))
        #expect(strata.contains(#"{"term":"age","coef":0.01042664"#))
        #expect(!strata.contains("robust_se"))
        let fineGray = try #require(dir.read("results/fine-gray.json"))
        #expect(fineGray.hasPrefix(#"{"kind":"survival/fine-gray","cause":"1","competing_events":"#))
        #expect(fineGray.contains(#""expanded_rows":41568,"ties":"efron","n":1371,"events":114,"n_dropped":13"#))
        #expect(fineGray.contains(#"{"term":"age","coef":-0.0175796"#))
        let again = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--json"])
        #expect(again.stdout.split(separator: "\n").last?.contains("\"ran\":[]") == true)
    }
}
