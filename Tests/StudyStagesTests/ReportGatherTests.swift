import Foundation
import StudyCore
import StudyEngine
import StudyStages
import Testing
import _StudyTestSupport

/// `report/html` over a gathered input (`inputs: {models: {each: cox, output: result}}`): a forest
/// figure draws one block per instance, labelled by the item's label (else its key) unless
/// `labels:` says otherwise; where one result is expected, a gathered input is a load error.
@Suite struct ReportGatherTests {
    /// Two instances of a fanned-out Cox stage: `cox@uni` (item label "All patients") and
    /// `cox@multi` (no label: its key).
    static let models = [
        GatheredInput(label: "All patients", key: "uni", stage: "cox@uni", path: "results/cox.json"),
        GatheredInput(label: "multi", key: "multi", stage: "cox@multi", path: "results/cox-multi.json"),
    ]

    static func forest(_ inputs: [String], labels: [String]? = nil) -> JSONValue {
        var figure: [String: JSONValue] = ["type": .string("forest"), "inputs": .array(inputs.map { .string($0) })]
        if let labels { figure["labels"] = .array(labels.map { .string($0) }) }
        return ReportStageTests.layout(figures: [.object(figure)])
    }

    @Test("a forest figure over a gathered input draws one block per instance, labelled by the item's label, else its key")
    func blocksPerInstance() throws {
        let results = ReportStageTests.Results()
        let run = ReportStageTests.run(results, with: Self.forest(["models"]), gathered: ["models": Self.models])
        #expect(run.outcome == .succeeded, "\(run.log)")
        let html = try #require(run.html)
        #expect(html.contains("All patients, sex: HR 0.59"))
        #expect(html.contains("multi, sex: HR 0.58"))
        #expect(html.contains("multi, age: HR 1.01"))
        // Each instance is its own provenance row, naming the instance that wrote it.
        let uni = Digest.of(FileIO.read(results.dir.path + "/results/cox.json")!).hex
        let multi = Digest.of(FileIO.read(results.dir.path + "/results/cox-multi.json")!).hex
        #expect(html.contains("<tr><td>Figure 1</td><td>models[uni]</td><td><code>results/cox.json</code></td><td><code>cox@uni</code></td><td class=\"digest\"><code>\(uni)</code></td></tr>"))
        #expect(html.contains("<tr><td>Figure 1</td><td>models[multi]</td><td><code>results/cox-multi.json</code></td><td><code>cox@multi</code></td><td class=\"digest\"><code>\(multi)</code></td></tr>"))
    }

    @Test("explicit labels win over the items' labels; a plain input beside a gather is labelled by its name")
    func labelsWinAndMix() throws {
        let results = ReportStageTests.Results()
        let labelled = ReportStageTests.run(results, with: Self.forest(["models"], labels: ["Crude", "Adjusted"]),
                                            gathered: ["models": Self.models])
        let html = try #require(labelled.html)
        #expect(html.contains("Crude, sex: HR 0.59") && html.contains("Adjusted, age: HR 1.01"))
        #expect(!html.contains("All patients, sex"))
        let mixed = ReportStageTests.run(results, with: Self.forest(["cox", "models"]), gathered: ["models": Self.models])
        let mixedHTML = try #require(mixed.html)
        #expect(mixedHTML.contains("cox, sex: HR 0.59") && mixedHTML.contains("All patients, sex: HR 0.59")
                && mixedHTML.contains("multi, age: HR 1.01"))
    }

    @Test("labels must count the gathered instances: the message says how many each gather holds")
    func labelCount() {
        let problems = ReportStageTests.check(ReportStageTests.Results(), with: Self.forest(["cox", "models"], labels: ["A", "B"]),
                                              gathered: ["models": Self.models])
        #expect(problems == ["with.sections[0].figures[0].labels: 2 labels for 3 blocks ('models' gathers 2); give one label per block, or leave labels out to use each instance's label"])
    }

    @Test("a gathered input where one result is expected is a load error naming the field, the gather and the fix")
    func oneResultExpected() {
        let layout = ReportStageTests.layout(
            figures: [.object(["type": .string("kaplan-meier"), "inputs": .array([.string("models"), .string("logrank")])]),
                      .object(["type": .string("power"), "input": .string("models")])],
            tables: [.object(["type": .string("log-rank"), "input": .string("models")])])
        let problems = ReportStageTests.check(ReportStageTests.Results(), with: layout, gathered: ["models": Self.models])
        #expect(problems == [
            "with.sections[0].figures[0].inputs: a kaplan-meier figure over a gathered input draws one panel per instance and takes no other input",
            "with.sections[0].figures[1].input: 'models' gathers 2 instances of 'cox'; a power figure takes one result: name a single input, or draw the instances in a forest figure",
            "with.sections[0].tables[0].input: 'models' gathers 2 instances of 'cox'; a log-rank table takes one result: name a single input, or draw the instances in a forest figure",
        ])
        let run = ReportStageTests.run(ReportStageTests.Results(), with: layout, gathered: ["models": Self.models])
        #expect(run.outcome == .failed(status: 1, message: problems.joined(separator: "\n")))
    }

    @Test("a published value naming a gathered input is a load error, and fails the stage if it gets past load")
    func publishedValue() {
        let results = ReportStageTests.Results()
        results.dir.write("gathered.yaml", """
            - quantity: Hazard ratio
              published: 0.59
              citation: Therneau, survival package vignette
              reproduced: {input: models, value: "terms[0].hr"}
            """)
        let layout = ReportStageTests.layout(figures: [], tables: [.object(["type": .string("published"), "file": .string("gathered.yaml")])])
        var inputs = results.inputs
        inputs["gathered"] = "gathered.yaml"
        let problems = ReportStageTests.check(results, with: layout, inputs: inputs, gathered: ["models": Self.models])
        #expect(problems == ["with.sections[0].tables[0].file: 'gathered.yaml': quantity 'Hazard ratio': 'models' gathers 2 instances of 'cox'; a published value takes one result: name a single input, or draw the instances in a forest figure"])
        let run = ReportStageTests.run(results, with: layout, inputs: inputs, gathered: ["models": Self.models])
        #expect(run.outcome == .failed(status: 1, message: "input 'models' gathers 2 instances of 'cox'; a published value takes one result: name a single input, or draw the instances in a forest figure"))
    }
}
