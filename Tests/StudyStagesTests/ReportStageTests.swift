import Foundation
import StudyCore
import StudyEngine
import StudyStages
import Testing
import _StudyTestSupport

/// `report/html` over real Kaplan-Meier, log-rank and Cox results of R's `lung` data, checked
/// against `survival` 3.5's numbers, plus its load-time and run-time errors.
@Suite struct ReportStageTests {
    /// A workspace with the lung results written by the real stage kinds under results/.
    final class Results: Sendable {
        let dir = TemporaryDirectory()

        init() {
            run(KaplanMeierStage(), "km.json", ["time": .string("time"), "event": .string("status"), "group": .string("sex")])
            run(LogRankStage(), "logrank.json", ["time": .string("time"), "event": .string("status"), "group": .string("sex")])
            run(CoxStage(), "cox.json", ["time": .string("time"), "event": .string("status"),
                                         "covariates": .array([.string("sex")])])
            run(CoxStage(), "cox-multi.json", ["time": .string("time"), "event": .string("status"),
                                               "covariates": .array([.string("age"), .string("sex"), .string("ph.ecog")])])
        }

        func run(_ kind: any StageKind, _ file: String, _ with: [String: JSONValue]) {
            try? FileIO.createDirectories(dir.path + "/results")
            let context = StageKindContext(stage: "s", root: dir.path, inputs: ["table": SurvivalStageTests.lungPath],
                                           outputs: ["result": dir.path + "/results/" + file], with: .object(with), params: [:],
                                           log: { _ in })
            precondition(kind.run(context) == .succeeded)
        }

        var inputs: [String: String] {
            ["km": "results/km.json", "logrank": "results/logrank.json", "cox": "results/cox.json",
             "cox_multi": "results/cox-multi.json", "published": "published.yaml"]
        }
    }

    static let published = """
        - quantity: Median survival, women
          published: 426
          unit: days
          citation: Loprinzi et al., J Clin Oncol 12:601 (1994)
          reproduced: {input: km, value: "curves[group=2].median.estimate"}
        - quantity: Hazard ratio, women vs men
          published: "0.59 (0.42-0.82)"
          citation: Therneau, survival package vignette
          reproduced: {input: cox, value: "terms[term=sex].hr"}
        """

    static func layout(figures: [JSONValue], tables: [JSONValue] = []) -> JSONValue {
        .object([
            "title": .string("Lung cancer survival"), "authors": .array([.string("A. Author")]),
            "sections": .array([.object(["title": .string("Results"), "text": .string("NCCTG *lung* data."),
                                         "figures": .array(figures), "tables": .array(tables)])]),
        ])
    }

    static let fullLayout = layout(
        figures: [
            .object(["type": .string("kaplan-meier"), "inputs": .array([.string("km"), .string("logrank")]),
                     "title": .string("Survival by sex"), "x_label": .string("Time (days)"), "medians": .bool(true)]),
            .object(["type": .string("forest"), "inputs": .array([.string("cox"), .string("cox_multi")]),
                     "labels": .array([.string("Univariable"), .string("Multivariable")])]),
        ],
        tables: [
            .object(["type": .string("cox"), "input": .string("cox_multi")]),
            .object(["type": .string("log-rank"), "input": .string("logrank")]),
            .object(["type": .string("published"), "file": .string("published.yaml")]),
        ])

    static func run(_ results: Results, with: JSONValue, inputs: [String: String]? = nil,
                    gathered: [String: [GatheredInput]] = [:])
        -> (outcome: StageOutcome, html: String?, summary: String?, log: [String]) {
        results.dir.write("published.yaml", published)
        let log = LogLines()
        var absolute = (inputs ?? results.inputs).mapValues { results.dir.path + "/" + $0 }
        for (name, entries) in gathered { absolute[name] = results.dir.path + "/" + entries[0].path }
        let absoluteGathered = gathered.mapValues { entries in
            entries.map { GatheredInput(label: $0.label, key: $0.key, stage: $0.stage, path: results.dir.path + "/" + $0.path) }
        }
        let context = StageKindContext(
            stage: "report", root: results.dir.path, inputs: absolute,
            outputs: ["report": results.dir.path + "/out/report.html", "summary": results.dir.path + "/out/report.md"],
            with: with, params: [:], inputProducers: ["km": "km", "logrank": "logrank", "cox": "cox", "cox_multi": "cox_multi"],
            gathered: absoluteGathered, log: { log.append($0) })
        try? FileIO.createDirectories(results.dir.path + "/out")
        let outcome = ReportStage().run(context)
        return (outcome, results.dir.read("out/report.html"), results.dir.read("out/report.md"), log.lines)
    }

    static func check(_ results: Results, with: JSONValue, inputs: [String: String]? = nil,
                      gathered: [String: [GatheredInput]] = [:]) -> [String] {
        results.dir.write("published.yaml", published)
        var declared = inputs ?? results.inputs
        for (name, entries) in gathered { declared[name] = entries[0].path }
        return ReportStage().check(StageDeclaration(stage: "report", root: results.dir.path, inputs: declared,
                                                    outputs: ["report": "out/report.html"], with: with, gathered: gathered))
    }

    @Test("the report shows R's numbers: log-rank p, Cox HR and CI, medians and numbers at risk")
    func numbersMatchR() throws {
        let results = Results()
        #expect(Self.check(results, with: Self.fullLayout) == [])
        let run = Self.run(results, with: Self.fullLayout)
        #expect(run.outcome == .succeeded, "\(run.log)")
        let html = try #require(run.html)
        let r = try SurvivalStageTests.r()
        let p = ((r["logrank"] as! [String: Any])["rho0"] as! [String: Any])["p"] as! Double  // 0.00131
        #expect(p > 0.001 && p < 0.0015)
        #expect(html.contains(">Log-rank p = 0.001</text>"))
        #expect(html.contains(">1 (n = 138, 112 events, median 270)</text>"))
        #expect(html.contains(">2 (n = 90, 53 events, median 426)</text>"))
        // survival::coxph(Surv(time, status) ~ sex): HR 0.588 (0.424-0.816), p 0.0015
        #expect(html.contains(">0.59</text>"))
        #expect(html.contains(">0.42–0.82</text>"))
        #expect(html.contains("<td>Median survival, women</td><td class=\"num\">426 days</td><td class=\"num\">426 days</td><td class=\"num\">0.0 %</td>"))
        #expect(html.contains("<td>Hazard ratio, women vs men</td><td class=\"num\">0.59 (0.42-0.82)</td><td class=\"num\">0.59</td>"))

        // Numbers at risk under the KM plot: R's n.risk at each x tick (0, 200, …, 1200 days).
        let groups = (r["kaplan_meier"] as! [String: Any])["by_group"] as! [[String: Any]]
        let svg = String(html[html.range(of: "<svg")!.lowerBound..<html.range(of: "</svg>")!.upperBound])
        let rows = Self.riskRows(svg)
        #expect(rows.count == 2)
        for (row, group) in zip(rows, groups) {
            let table = group["table"] as! [String: Any]
            let times = table["time"] as! [Double], risks = table["n.risk"] as! [Int]
            let expected = stride(from: 0.0, through: 1200, by: 200).map { t -> String in
                if t == 0 { return String(group["n"] as! Int) }
                return times.firstIndex { $0 >= t }.map { String(risks[$0]) } ?? "0"
            }
            #expect(row == expected)
        }
    }

    /// The counts of the numbers-at-risk rows: centred texts on the lowest two baselines of the SVG.
    static func riskRows(_ svg: String) -> [[String]] {
        var byY: [Double: [String]] = [:]
        for line in svg.split(separator: "\n") where line.hasPrefix("<text class=\"t\" text-anchor=\"middle\"") {
            guard let y = line.range(of: " y=\""), let close = line.range(of: "\">", range: y.upperBound..<line.endIndex),
                  let end = line.range(of: "</text>") else { continue }
            let yValue = Double(line[y.upperBound..<close.lowerBound].prefix { $0 != "\"" })!
            byY[yValue, default: []].append(String(line[close.upperBound..<end.lowerBound]).replacingOccurrences(of: ",", with: ""))
        }
        return byY.keys.sorted().suffix(2).map { byY[$0]! }
    }

    @Test("provenance names the producing stage and the sha256 of each input; same inputs give the same bytes")
    func provenanceAndDeterminism() throws {
        let results = Results()
        let first = Self.run(results, with: Self.fullLayout)
        let second = Self.run(results, with: Self.fullLayout)
        let html = try #require(first.html)
        #expect(first.html == second.html)
        #expect(first.summary == second.summary)
        let kmDigest = Digest.of(FileIO.read(results.dir.path + "/results/km.json")!).hex
        #expect(html.contains("<tr><td>Figure 1</td><td>km</td><td><code>results/km.json</code></td><td><code>km</code></td><td class=\"digest\"><code>\(kmDigest)</code></td></tr>"))
        let yamlDigest = Digest.of(Array(Self.published.utf8)).hex
        #expect(html.contains("<td><code>published.yaml</code></td><td>source file</td><td class=\"digest\"><code>\(yamlDigest)</code>"))
        let summary = try #require(first.summary)
        #expect(summary.hasPrefix("# Lung cancer survival\n"))
        #expect(summary.contains("| Median survival, women | 426 days | 426 days | 0.0 % |"))
    }

    @Test("a figure naming a missing input is a load error naming the field")
    func missingInput() {
        let results = Results()
        let problems = Self.check(results, with: Self.layout(figures: [
            .object(["type": .string("kaplan-meier"), "input": .string("kmx")]),
        ]))
        #expect(problems == ["with.sections[0].figures[0].input: 'kmx' is not an input of this stage; inputs are: cox, cox_multi, km, logrank, published"])
    }

    @Test("unknown figure types, stray settings and missing outputs are load errors")
    func badLayout() {
        let results = Results()
        let problems = Self.check(results, with: Self.layout(
            figures: [.object(["type": .string("pie"), "input": .string("km"), "colour": .string("red")])],
            tables: [.object(["type": .string("published"), "file": .string("other.yaml")])]))
        #expect(problems.contains("with.sections[0].figures[0].colour: unknown setting; known: type, input, inputs, title, caption, labels, x_label, medians, confidence, alt, layout, id, terms"))
        #expect(problems.contains("with.sections[0].figures[0].type: must be one of kaplan-meier, forest, power, image, not 'pie'"))
        #expect(problems.contains { $0.hasPrefix("with.sections[0].tables[0].file: 'other.yaml' is not among the stage's inputs") })
    }

    @Test("a published-figures file that does not parse is a load error naming the field and file")
    func badPublishedFile() {
        let results = Results()
        let with = Self.layout(figures: [], tables: [.object(["type": .string("published"), "file": .string("published.yaml")])])
        results.dir.write("published.yaml", "- quantity: [unclosed\n")
        var problems = ReportStage().check(StageDeclaration(stage: "report", root: results.dir.path, inputs: results.inputs,
                                                            outputs: ["report": "r.html"], with: with))
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("with.sections[0].tables[0].file: 'published.yaml' does not parse as YAML:") == true)
        results.dir.write("published.yaml", "- quantity: x\n  published: 1\n  citation: c\n  reproduced: {input: nope, value: \"a[\"}\n")
        problems = ReportStage().check(StageDeclaration(stage: "report", root: results.dir.path, inputs: results.inputs,
                                                        outputs: ["report": "r.html"], with: with))
        #expect(problems.contains { $0.contains("reproduced.input: 'nope' is not an input of this stage") })
        #expect(problems.contains { $0.contains("reproduced.value: 'a[': unclosed '['") })
    }

    @Test("a Latin-1 published-figures file is a load error naming the byte, and a BOM is accepted")
    func publishedFileEncoding() throws {
        let results = Results()
        let with = Self.layout(figures: [], tables: [.object(["type": .string("published"), "file": .string("published.yaml")])])
        let path = results.dir.path + "/published.yaml"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(Array("- quantity: caf".utf8) + [0xE9] + Array("\n".utf8))))
        let problems = ReportStage().check(StageDeclaration(stage: "report", root: results.dir.path, inputs: results.inputs,
                                                            outputs: ["report": "r.html"], with: with))
        #expect(problems == ["with.sections[0].tables[0].file: 'published.yaml' is not UTF-8: invalid UTF-8 byte 0xe9 at byte offset 15 (line 1, column 16); save it as UTF-8"])
        #expect(FileManager.default.createFile(atPath: path, contents: Data(UTF8Check.byteOrderMark + Array(Self.published.utf8))))
        #expect(ReportStage().check(StageDeclaration(stage: "report", root: results.dir.path, inputs: results.inputs,
                                                     outputs: ["report": "r.html"], with: with)) == [])
    }

    @Test("a figure over a result of the wrong kind fails the stage with one line naming field and input")
    func wrongKind() {
        let results = Results()
        let run = Self.run(results, with: Self.layout(figures: [.object(["type": .string("forest"), "input": .string("km")])]))
        #expect(run.outcome == .failed(status: 1, message: "with.sections[0].figures[0].inputs: input 'km' is a survival/kaplan-meier result; this needs survival/cox"))
        #expect(run.html == nil, "nothing half-written")
    }

    @Test("a published path selecting nothing fails with the values present")
    func badPath() {
        let results = Results()
        results.dir.write("bad.yaml", "- quantity: x\n  published: 1\n  citation: c\n  reproduced: {input: km, value: \"curves[group=3].n\"}\n")
        var inputs = results.inputs
        inputs["bad"] = "bad.yaml"
        let run = Self.run(results, with: Self.layout(figures: [], tables: [.object(["type": .string("published"), "file": .string("bad.yaml")])]),
                           inputs: inputs)
        guard case .failed(_, let message) = run.outcome else { Issue.record("expected failure"); return }
        #expect(message == "with.sections[0].tables[0].file: 'bad.yaml': quantity 'x': input 'km': 'curves[group=3].n': no item with group=3; present: 1, 2")
    }

    @Test("a published table reads values from any JSON result (a shell stage's), which no figure can draw")
    func publishedFromOtherJSON() {
        let results = Results()
        results.dir.write("results/orr.json", #"{"kind":"response-rate","groups":[{"group":"Liver","rate":0.0988},{"group":"Other","rate":0.2316}]}"#)
        results.dir.write("orr.yaml", "- quantity: Response rate, liver\n  published: 0.1\n  citation: c\n  reproduced: {input: orr, value: \"groups[group=Liver].rate\"}\n")
        var inputs = results.inputs
        inputs["orr"] = "results/orr.json"
        inputs["orr_published"] = "orr.yaml"
        let table = Self.run(results, with: Self.layout(figures: [], tables: [.object(["type": .string("published"), "file": .string("orr.yaml")])]),
                             inputs: inputs)
        #expect(table.outcome == .succeeded)
        #expect(table.html?.contains("orr: groups[group=Liver].rate") == true, "the row names where its value came from")
        let figure = Self.run(results, with: Self.layout(figures: [.object(["type": .string("forest"), "input": .string("orr")])]), inputs: inputs)
        #expect(figure.outcome == .failed(status: 1, message: "with.sections[0].figures[0].inputs: input 'orr' is a JSON file of another kind ('response-rate'); this needs survival/cox"))
    }
}
