import Foundation
import Testing
import _StudyTestSupport

/// `graph`, `log`, `diff` and `reproduce` with fan-out instances.
@Suite("graph, log, diff and reproduce with fan-out instances")
struct FanoutProvenanceCommandTests {
    @Test("graph draws a fan-out as one node with its count and merges its edges; --expand draws instances")
    func graph() throws {
        let dir = FanoutCommandTests.workspace()
        let dot = try CLI.run(["graph", "-C", dir.path])
        #expect(dot.stdout == """
        digraph "fan" {
          rankdir=LR;
          node [shape=box, style=rounded];
          "ingest" [label="ingest ×3\\nshell"];
          "cox" [label="cox ×3\\nshell"];
          "forest" [label="forest\\nshell"];
          "ingest" -> "cox";
          "cox" -> "forest";
        }

        """)
        let mermaid = try CLI.run(["graph", "-C", dir.path, "--format", "mermaid"])
        #expect(mermaid.stdout == """
        flowchart LR
          s0["ingest ×3<br/><small>shell</small>"]
          s1["cox ×3<br/><small>shell</small>"]
          s2["forest<br/><small>shell</small>"]
          s0 --> s1
          s1 --> s2

        """)
        let json = try CLI.run(["graph", "-C", dir.path, "--format", "json"])
        #expect(json.stdout == #"{"stages":[{"depends_on":[],"instances":3,"kind":"shell","stage":"ingest"},{"depends_on":["ingest"],"instances":3,"kind":"shell","stage":"cox"},{"depends_on":["cox"],"inputs":["results/cox-msk.txt","results/cox-luad.txt","results/cox-brca.txt"],"kind":"shell","outputs":["results/forest.txt"],"stage":"forest"}],"workflow":"fan"}"# + "\n")
        let expanded = try CLI.run(["graph", "-C", dir.path, "--expand"])
        #expect(expanded.stdout.contains("  \"cox@luad\" [label=\"cox@luad\\nshell\"];\n"))
        #expect(expanded.stdout.contains("  \"ingest@luad\" -> \"cox@luad\";\n"))
        #expect(expanded.stdout.components(separatedBy: " -> ").count - 1 == 6)
        let expandedJSON = try CLI.run(["graph", "-C", dir.path, "--expand", "--format", "json"])
        #expect(expandedJSON.stdout.contains(#"{"depends_on":["ingest@msk"],"inputs":["results/ingest-msk.txt"],"kind":"shell","outputs":["results/cox-msk.txt"],"stage":"cox@msk","template":"cox"}"#))
    }

    @Test("run.json records each template's instances and diff names the instances added and removed")
    func diff() throws {
        let dir = FanoutCommandTests.workspace()
        try CLI.run(["run", "-C", dir.path, "-j", "1"])
        let log = try CLI.run(["log", "-C", dir.path, "--json"])
        #expect(log.stdout.contains(#""instances":{"cox":["msk","luad","brca"],"ingest":["msk","luad","brca"]}"#), "\(log.stdout)")
        dir.write("Workflows/main.yaml", FanoutCommandTests.workflow("[msk, brca, blca]"))
        try CLI.run(["run", "-C", dir.path, "-j", "1"])
        let diff = try CLI.run(["diff", "-C", dir.path])
        #expect(diff.stdout.contains("""
        instances:
          instance 'cox@luad' removed
          instance 'cox@blca' added
          instance 'ingest@luad' removed
          instance 'ingest@blca' added

        """), "\(diff.stdout)")
        let json = try CLI.run(["diff", "-C", dir.path, "--json"])
        #expect(json.stdout.contains(#"{"change":"added","key":"blca","stage":"cox@blca","template":"cox"}"#), "\(json.stdout)")
    }

    @Test("log --stage takes a template or a glob and lists each recorded instance's history")
    func logStage() throws {
        let dir = FanoutCommandTests.workspace()
        try CLI.run(["run", "-C", dir.path, "-j", "1"])
        for name in ["cox@*", "cox"] {
            let result = try CLI.run(["log", "-C", dir.path, "--stage", name])
            #expect(result.status == 0, "\(result.stderr)")
            let headers = result.stdout.split(separator: "\n").filter { $0.hasPrefix("stage '") }
            #expect(headers == ["stage 'cox@brca' across 1 run, newest first", "stage 'cox@luad' across 1 run, newest first",
                                "stage 'cox@msk' across 1 run, newest first"])
        }
        let one = try CLI.run(["log", "-C", dir.path, "--stage", "cox@m?k", "--json"])
        #expect(one.stdout.split(separator: "\n").count == 1 && one.stdout.contains("\"stage\":\"cox@msk\""))
        let none = try CLI.run(["log", "-C", dir.path, "--stage", "cxo@*"])
        #expect(none.status == 2)
        #expect(none.stderr == "studyflow: error: no stage matches 'cxo@*'; did you mean 'cox@*'?\n")
        let far = try CLI.run(["log", "-C", dir.path, "--stage", "zzzz*"])
        #expect(far.stderr == "studyflow: error: no stage of the recorded runs matches 'zzzz*'; 'studyflow status' lists the workflow's stages\n")
    }

    @Test("audit names the instance that wrote a file, and its template in --json")
    func audit() throws {
        let dir = FanoutCommandTests.workspace()
        try CLI.run(["run", "-C", dir.path, "-j", "1"])
        let text = try CLI.run(["audit", "-C", dir.path, "results/forest.txt"])
        #expect(text.stdout.contains("stage 'cox@luad' (shell)"), "\(text.stdout)")
        let json = try CLI.run(["audit", "-C", dir.path, "results/cox-msk.txt", "--json"])
        #expect(json.stdout.contains(#""stage":"cox@msk""#) && json.stdout.contains(#""template":"cox""#), "\(json.stdout)")
    }

    @Test("reproduce --stage takes a glob; one that matches no recorded stage names the run")
    func reproduce() throws {
        let dir = FanoutCommandTests.workspace()
        try CLI.run(["run", "-C", dir.path, "-j", "1"])
        let result = try CLI.run(["reproduce", "-C", dir.path, "--stage", "cox@l*"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "identical  results/ingest-luad.txt\nidentical  results/cox-luad.txt\n")
        let none = try CLI.run(["reproduce", "-C", dir.path, "--stage", "cox@z*"])
        #expect(none.status == 2)
        #expect(none.stderr == "studyflow: error: run 1 has no stage matching 'cox@z*'; did you mean 'cox@*'?\n")
    }
}
