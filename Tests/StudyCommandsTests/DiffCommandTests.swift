import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// `studyflow diff`, `log --stage` and `audit --graph` end to end: real runs, real git, the
/// ledger read back; golden text with run ids, times and hex digests masked (they differ run to
/// run), and the digests checked against the files' bytes through `--json`.
@Suite("diff across runs")
struct DiffCommandTests {
    static let workflow = """
    name: diffdemo
    params: {scale: 2}
    stages:
      clean:
        run: tr a-z A-Z < ${inputs.raw} > ${outputs.out}
        inputs: {raw: data/raw.csv}
        outputs: {out: results/clean.csv}
      stats:
        run: awk -v s=${params.scale} -f scripts/stats.awk ${inputs.table} > ${outputs.json}
        inputs: {table: results/clean.csv}
        outputs: {json: results/stats.json}
      report:
        run: cat ${inputs.stats} > ${outputs.out}
        inputs: {stats: results/stats.json}
        outputs: {out: results/report.txt}

    """
    static let awk = #"END { printf "{\"rows\": %d, \"terms\": [{\"term\": \"age\", \"hr\": %.4f}, {\"term\": \"sex\", \"hr\": %.3f}]}\n", NR, 1 + NR / 10000, NR * s / 7 }"# + "\n"
    static let rawBefore = "id,age\na,1\nb,2\n"
    static let rawAfter = "id,age\na,1\nb,3\nc,4\n"

    /// A git workspace with `Workflows/FILE`, committed; ran once.
    static func workspace(file: String = "main.yaml") throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        dir.write("Workflows/" + file, workflow)
        dir.write("scripts/stats.awk", awk)
        dir.write("data/raw.csv", rawBefore)
        dir.write(".gitignore", ".studyflow/\nresults/\n")
        try GitCLI.initRepository(dir.path)
        try run(["run"], in: dir)
        return dir
    }

    /// The workspace after a second run with one row of data/raw.csv edited and one added (committed).
    static func twoRuns() throws -> TemporaryDirectory {
        let dir = try workspace()
        dir.write("data/raw.csv", rawAfter)
        try commit(dir, "edit raw")
        try run(["run"], in: dir)
        return dir
    }

    static func commit(_ dir: TemporaryDirectory, _ message: String) throws {
        #expect(try GitCLI.run(["add", "-A"], in: dir.path).status == 0)
        #expect(try GitCLI.run(["commit", "-q", "-m", message], in: dir.path).status == 0)
    }

    @discardableResult
    static func run(_ arguments: [String], in dir: TemporaryDirectory, status: Int32 = 0) throws -> CLI.Result {
        let result = try CLI.run(arguments + ["-C", dir.path])
        #expect(result.status == status, "studyflow \(arguments): \(result.stderr)")
        return result
    }

    /// Output with run labels' ids and times, and 12- or 40-digit hex words, masked.
    static func masked(_ text: String) -> String {
        var out = text
        for (pattern, replacement) in [(#"\(id [0-9a-f]{8}, [0-9T:\-]+Z\)"#, "(id ID, TIME)"), (#"id [0-9a-f]{8}  [0-9T:\-]+Z"#, "id ID  TIME"),
                                       (#"\b[0-9a-f]{64}\b"#, "HEX64"), (#"\b[0-9a-f]{40}\b"#, "HEX40"), (#"\b[0-9a-f]{12}\b"#, "HEX")] {
            out = out.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return out
    }

    static func sha(_ text: String) -> String { Digest.of(string: text).hex }

    @Test("the last two runs: source file, stages, outputs and the numbers that moved, by natural key")
    func defaultDiff() throws {
        let dir = try Self.twoRuns()
        let result = try Self.run(["diff"], in: dir)
        #expect(Self.masked(result.stdout) == """
        run 1 (id ID, TIME) → run 2 (id ID, TIME)
        run:
          sourceCommit  "HEX40" → "HEX40"
        inputs:
          data/raw.csv  sha256 HEX → HEX, 15 → 19 bytes  (read by 'clean')
        stages:
          'clean'  key HEX → HEX
          'report'  key HEX → HEX
          'stats'  key HEX → HEX
        outputs:
          results/clean.csv  sha256 HEX → HEX, 15 → 19 bytes  (written by 'clean')
          results/report.txt  sha256 HEX → HEX, 84 bytes  (written by 'report')
          results/stats.json  sha256 HEX → HEX, 84 bytes  (written by 'stats')
        results:
          results/stats.json rows  3 → 4
          results/stats.json terms[term=age].hr  1.0003 → 1.0004
          results/stats.json terms[term=sex].hr  0.857 → 1.143
        0 stages unchanged

        """)
        #expect(result.stdout.contains("data/raw.csv  sha256 \(Self.sha(Self.rawBefore).prefix(12)) → \(Self.sha(Self.rawAfter).prefix(12)), 15 → 19 bytes"))
        for reference in [["1", "2"], ["HEAD~1", "HEAD"], ["HEAD^"], ["1"]] {
            #expect(try Self.run(["diff"] + reference, in: dir).stdout == result.stdout, "\(reference)")
        }
    }

    @Test("--json is one object with every section; digests are those of the files' bytes")
    func json() throws {
        let dir = try Self.twoRuns()
        let stdout = try Self.run(["diff", "--json"], in: dir).stdout
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        #expect((object["old"] as? [String: Any])?["run"] as? Int == 1)
        #expect((object["new"] as? [String: Any])?["run"] as? Int == 2)
        let inputs = try #require(object["inputs"] as? [[String: Any]])
        #expect(inputs.count == 1)
        #expect(inputs[0]["path"] as? String == "data/raw.csv")
        #expect((inputs[0]["old"] as? [String: Any])?["sha256"] as? String == Self.sha(Self.rawBefore))
        #expect((inputs[0]["new"] as? [String: Any])?["sha256"] as? String == Self.sha(Self.rawAfter))
        let outputs = try #require(object["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["path"] as? String } == ["results/clean.csv", "results/report.txt", "results/stats.json"])
        #expect((outputs[0]["new"] as? [String: Any])?["sha256"] as? String == Self.sha(Self.rawAfter.uppercased()))
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.map { $0["path"] as? String } == ["rows", "terms[term=age].hr", "terms[term=sex].hr"])
        #expect(results[2]["old"] as? Double == 0.857 && results[2]["new"] as? Double == 1.143)
        #expect(abs((results[2]["delta"] as? Double ?? 0) - 0.286) < 1e-12)
        #expect(object["unchangedStages"] as? Int == 0)
    }

    @Test("--tolerance hides float noise but keeps real moves")
    func tolerance() throws {
        let dir = try Self.twoRuns()
        let stdout = try Self.run(["diff", "--tolerance", "0.001"], in: dir).stdout
        #expect(stdout.contains("results:\n  results/stats.json rows  3 → 4\n  results/stats.json terms[term=sex].hr  0.857 → 1.143\n0 stages"))
        #expect(try Self.run(["diff", "--tolerance=-1"], in: dir, status: 2).stderr.contains("--tolerance must be a number >= 0"))
    }

    @Test("--text adds a unified diff of each changed text output")
    func text() throws {
        let dir = try Self.twoRuns()
        let stdout = try Self.run(["diff", "--text"], in: dir).stdout
        #expect(stdout.contains("""
        0 stages unchanged
        --- a/results/clean.csv
        +++ b/results/clean.csv
        @@ -1,3 +1,4 @@
         ID,AGE
         A,1
        -B,2
        +B,3
        +C,4
        --- a/results/report.txt
        """))
    }

    @Test("--format md gives Markdown tables for a pull request or a notebook")
    func markdown() throws {
        let dir = try Self.twoRuns()
        let stdout = try Self.run(["diff", "--format", "md"], in: dir).stdout
        #expect(Self.masked(stdout) == """
        ## StudyFlow diff: run 1 → run 2

        - run 1 (id ID, TIME)
        - run 2 (id ID, TIME)

        ### Run

        | fact | run 1 | run 2 |
        |---|---|---|
        | `sourceCommit` | `"HEX40"` | `"HEX40"` |

        ### Source files

        | file | run 1 | run 2 | read by |
        |---|---|---|---|
        | `data/raw.csv` | `HEX` (15 bytes) | `HEX` (19 bytes) | `clean` |

        ### Stages

        | stage | change |
        |---|---|
        | `clean` | key HEX → HEX |
        | `report` | key HEX → HEX |
        | `stats` | key HEX → HEX |

        ### Outputs

        | file | run 1 | run 2 | written by |
        |---|---|---|---|
        | `results/clean.csv` | `HEX` (15 bytes) | `HEX` (19 bytes) | `clean` |
        | `results/report.txt` | `HEX` (84 bytes) | `HEX` (84 bytes) | `report` |
        | `results/stats.json` | `HEX` (84 bytes) | `HEX` (84 bytes) | `stats` |

        ### Results

        | file | value | run 1 | run 2 |
        |---|---|---|---|
        | `results/stats.json` | `rows` | `3` | `4` |
        | `results/stats.json` | `terms[term=age].hr` | `1.0003` | `1.0004` |
        | `results/stats.json` | `terms[term=sex].hr` | `0.857` | `1.143` |

        0 stages unchanged.

        """)
    }

    @Test("diff PATH names the upstream cause of each change through the lineage")
    func causeChain() throws {
        let dir = try Self.twoRuns()
        let result = try Self.run(["diff", "results/report.txt"], in: dir)
        #expect(Self.masked(result.stdout) == """
        results/report.txt changed between run 1 and run 2:
          results/report.txt changed because results/stats.json changed because results/clean.csv changed because data/raw.csv changed (1 row edited, 1 added)
        files:
          results/report.txt  sha256 HEX → HEX, 84 bytes
          results/stats.json  sha256 HEX → HEX, 84 bytes
          results/clean.csv  sha256 HEX → HEX, 15 → 19 bytes
          data/raw.csv  sha256 HEX → HEX, 15 → 19 bytes
        results:
          results/stats.json rows  3 → 4
          results/stats.json terms[term=age].hr  1.0003 → 1.0004
          results/stats.json terms[term=sex].hr  0.857 → 1.143

        """)
        let json = try Self.run(["diff", "results/stats.json", "--json"], in: dir).stdout
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["because"] as? [String] == [
            "results/stats.json changed because results/clean.csv changed because data/raw.csv changed (1 row edited, 1 added)",
        ])
        #expect(try Self.run(["diff", "scripts/stats.awk"], in: dir).stdout == "scripts/stats.awk is unchanged between run 1 and run 2\n")
    }

    @Test("a renamed workflow file, a changed parameter and a new stage: run facts, params, settings and the cause")
    func paramsSettingsRename() throws {
        let dir = try Self.workspace(file: "a.yaml")
        #expect(try GitCLI.run(["mv", "Workflows/a.yaml", "Workflows/b.yaml"], in: dir.path).status == 0)
        dir.write("Workflows/b.yaml", Self.workflow.replacingOccurrences(of: "{scale: 2}", with: "{scale: 3}") + """
          count:
            run: wc -l < ${inputs.table} > ${outputs.n}
            inputs: {table: results/clean.csv}
            outputs: {n: results/count.txt}

        """)
        try Self.commit(dir, "rename, scale 3, count")
        try Self.run(["run"], in: dir)
        let stdout = try Self.run(["diff"], in: dir).stdout
        #expect(Self.masked(stdout) == """
        run 1 (id ID, TIME) → run 2 (id ID, TIME)
        run:
          workflow.file  "Workflows/a.yaml" → "Workflows/b.yaml"
          workflow.sha256  "HEX64" → "HEX64"
          sourceCommit  "HEX40" → "HEX40"
        params:
          scale  2 → 3
        settings:
          'stats' params.scale  2 → 3
        stages:
          'count'  only in run 2 (ran)
          'report'  key HEX → HEX
          'stats'  key HEX → HEX
        outputs:
          results/count.txt  only in run 2 (sha256 HEX)  (written by 'count')
          results/report.txt  sha256 HEX → HEX, 84 bytes  (written by 'report')
          results/stats.json  sha256 HEX → HEX, 84 bytes  (written by 'stats')
        results:
          results/stats.json terms[term=sex].hr  0.857 → 1.286
        1 stage unchanged

        """)
        #expect(try Self.run(["diff", "results/report.txt"], in: dir).stdout.contains(
            "results/report.txt changed because results/stats.json changed because stage 'stats' params.scale 2 → 3\n"))
        #expect(try Self.run(["diff", "results/count.txt"], in: dir).stdout.contains(
            "results/count.txt changed because stage 'count' is new in run 2\n"))
    }

    @Test("a declared setting that changed is named as a setting of its stage")
    func settingChange() throws {
        let dir = try Self.workspace()
        dir.write("Workflows/main.yaml", Self.workflow.replacingOccurrences(of: "tr a-z A-Z", with: "tr a-y A-Y"))
        try Self.run(["run"], in: dir)
        let stdout = try Self.run(["diff"], in: dir).stdout
        #expect(stdout.contains("settings:\n  'clean' run  \"tr a-z A-Z < ${inputs.raw} > ${outputs.out}\" → \"tr a-y A-Y < ${inputs.raw} > ${outputs.out}\"\n"))
        #expect(stdout.contains("stages:\n  'clean'  key "))
        // The bytes did not change (no z in the data): early cutoff, nothing downstream differs.
        #expect(stdout.contains("2 stages unchanged\n"))
        #expect(try Self.run(["diff", "results/clean.csv"], in: dir).stdout == "results/clean.csv is unchanged between run 1 and run 2\n")
    }

    @Test("a file inside a directory output is explained through the directory's manifest")
    func directoryOutput() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", """
        name: dirs
        stages:
          split:
            run: mkdir -p ${outputs.dir} && cp ${inputs.raw} ${outputs.dir}copy.csv
            inputs: {raw: data/raw.csv}
            outputs: {dir: results/parts/}

        """)
        dir.write("data/raw.csv", Self.rawBefore)
        dir.write(".gitignore", ".studyflow/\nresults/\n")
        try GitCLI.initRepository(dir.path)
        try Self.run(["run"], in: dir)
        dir.write("data/raw.csv", Self.rawAfter)
        try Self.commit(dir, "edit raw")
        try Self.run(["run"], in: dir)
        let stdout = try Self.run(["diff", "results/parts/copy.csv"], in: dir).stdout
        #expect(stdout.hasPrefix("results/parts changed between run 1 and run 2:\n"
            + "  results/parts changed because data/raw.csv changed (1 row edited, 1 added)\n"), "\(stdout)")
        #expect(try Self.run(["diff"], in: dir).stdout.contains("not compared byte by byte:\n  results/parts: a directory; compared by sha256 only\n"))
    }

    @Test("an unknown run is exit 2 with a message listing the runs that exist")
    func unknownRun() throws {
        let dir = try Self.twoRuns()
        let log = try Self.run(["log", "--json"], in: dir).stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let labels = log.map { "run \($0["run"]!) (id \(($0["id"] as! String).prefix(8)), \($0["started"] as! String))" }
        let expected = "studyflow: error: no run '9' in this workspace's history; its runs are \(labels.joined(separator: ", ")); "
            + "give a run number, HEAD~N (N runs before the latest) or a prefix of a run id or commit id (see 'studyflow log')\n"
        for reference in ["9", "HEAD~2", "ffff0000"] {
            let result = try Self.run(["diff", reference, "2"], in: dir, status: 2)
            #expect(result.stderr == expected.replacingOccurrences(of: "'9'", with: "'\(reference)'"))
            #expect(result.stdout.isEmpty)
        }
        #expect(try Self.run(["diff", "1", "2", "3"], in: dir, status: 2).stderr.contains("no run '3'"))
        #expect(try Self.run(["diff", "results/x.json", "1"], in: dir, status: 2).stderr
            == "studyflow: error: '1' follows the path 'results/x.json'; give the runs first: studyflow diff [A] [B] PATH\n")
        #expect(try Self.run(["diff", "results/nothing.json"], in: dir, status: 1).stderr.contains("no recorded run produced 'results/nothing.json'"))
    }

    @Test("a workspace with one run says there is nothing to compare it with; none at all says to run first")
    func oneRun() throws {
        let dir = try Self.workspace()
        let log = try Self.run(["log", "--json"], in: dir).stdout
        let object = try #require(try JSONSerialization.jsonObject(with: Data(log.utf8)) as? [String: Any])
        let result = try Self.run(["diff"], in: dir, status: 2)
        #expect(result.stderr == "studyflow: error: only one run is recorded in this workspace (run 1 (id \((object["id"] as! String).prefix(8)), "
            + "\(object["started"] as! String))); nothing to compare it with: run 'studyflow run' again after a change, then 'studyflow diff'\n")
        let empty = TemporaryDirectory()
        empty.write("Workflows/main.yaml", Self.workflow)
        #expect(try CLI.run(["diff", "-C", empty.path]).stderr.contains("run 'studyflow run' first"))
    }

    @Test("log --stage lists one stage's history: key, status, duration, what changed; a path names its stage")
    func stageLog() throws {
        let dir = try Self.twoRuns()
        try Self.run(["run"], in: dir)
        let stdout = try Self.run(["log", "--stage", "stats"], in: dir).stdout
        let lines = stdout.split(separator: "\n").map { line in
            Self.masked(String(line)).replacingOccurrences(of: #"  [0-9]+\.[0-9]{2} s  "#, with: "  SECONDS  ", options: .regularExpression)
        }
        #expect(lines == [
            "stage 'stats' across 3 runs, newest first",
            "run 3  id ID  TIME  key HEX  cached  -  unchanged",
            "run 2  id ID  TIME  key HEX  ran  SECONDS  input results/clean.csv changed; output results/stats.json changed",
            "run 1  id ID  TIME  key HEX  ran  SECONDS  first recorded",
        ])
        let byPath = try Self.run(["log", "--stage", "results/stats.json", "-n", "2"], in: dir).stdout
        #expect(byPath.hasPrefix("the stage writing 'results/stats.json' across 2 runs, newest first\n"))
        #expect(byPath.contains("stage 'stats'  key "))
        let json = try Self.run(["log", "--stage", "stats", "--json"], in: dir).stdout.split(separator: "\n")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(json[0].utf8)) as? [String: Any])
        #expect(json.count == 3 && first["status"] as? String == "cached" && first["changes"] as? [String] == ["unchanged"])
        #expect(try Self.run(["log", "--stage", "stat"], in: dir, status: 2).stderr == "studyflow: error: no stage or output 'stat' in the last 3 runs "
            + "of this workspace; did you mean 'stats'? give a stage id or an output path relative to the workspace root (see 'studyflow audit PATH')\n")
        #expect(try Self.run(["log", "--stage", "stats", "2"], in: dir, status: 2).stderr.contains("--stage lists every run"))
    }

    @Test("audit --graph draws the lineage in dot and mermaid, with short digests and params")
    func graph() throws {
        let dir = try Self.twoRuns()
        let dot = try Self.run(["audit", "results/stats.json", "--graph", "dot"], in: dir).stdout
        #expect(Self.masked(dot) == #"""
        digraph "lineage of results/stats.json" {
          rankdir=LR;
          s0 [label="stats\nshell\nkey HEX\nrun 2", shape=box, style=rounded];
          f0 [label="results/stats.json\nsha256 HEX", shape=note, penwidth=2];
          f1 [label="results/clean.csv\nsha256 HEX", shape=note];
          f2 [label="scripts/stats.awk\nsha256 HEX", shape=note, style=filled, fillcolor="#eeeeee"];
          p0_0 [label="param scale = 2", shape=plaintext];
          s1 [label="clean\nshell\nkey HEX\nrun 2", shape=box, style=rounded];
          f3 [label="data/raw.csv\nsha256 HEX", shape=note, style=filled, fillcolor="#eeeeee"];
          s0 -> f0;
          f1 -> s0;
          f2 -> s0;
          p0_0 -> s0;
          s1 -> f1;
          f3 -> s1;
        }

        """#)
        let mermaid = try Self.run(["audit", "results/stats.json", "--graph", "mermaid"], in: dir).stdout
        #expect(Self.masked(mermaid).hasPrefix("flowchart LR\n  s0(\"stats<br/>shell<br/>key HEX<br/>run 2\")\n  f0[\"results/stats.json<br/>sha256 HEX\"]\n"))
        #expect(mermaid.contains("  f3[/\"data/raw.csv<br/>sha256 \(Self.sha(Self.rawAfter).prefix(12))\"/]\n"))
        #expect(mermaid.hasSuffix("  f3 --> s1\n  style f0 stroke-width:3px\n"))
        #expect(try Self.run(["audit", "results/stats.json", "--graph", "svg"], in: dir, status: 2).stderr.contains("svg"))
    }

    @Test("a clone with refs/studyflow fetched audits exactly as the workspace that ran, without rerunning")
    func clone() throws {
        let dir = try Self.twoRuns()
        let parent = TemporaryDirectory()
        let clone = parent.path + "/clone"
        #expect(try GitCLI.run(["clone", "-q", dir.path, clone], in: parent.path).status == 0)
        let before = try CLI.run(["diff", "-C", clone])
        #expect(before.status == 1 && before.stderr == "studyflow: error: no run is recorded in '\(clone)/.git' yet; run 'studyflow run' first, or, in a clone, "
            + "fetch the run history: git fetch origin 'refs/studyflow/*:refs/studyflow/*'\n", "\(before.stderr)")
        #expect(try GitCLI.run(["fetch", "-q", "origin", "refs/studyflow/*:refs/studyflow/*"], in: clone).status == 0)
        for command in [["diff"], ["diff", "--json"], ["diff", "results/report.txt"], ["diff", "1", "HEAD", "--format", "md"],
                        ["log", "--stage", "stats"], ["audit", "results/report.txt", "--graph", "mermaid"], ["audit", "results/report.txt"]] {
            let here = try CLI.run(command + ["-C", dir.path]), there = try CLI.run(command + ["-C", clone])
            #expect(there.status == 0, "\(command): \(there.stderr)")
            #expect(there.stdout == here.stdout, "\(command)")
        }
        #expect(!FileManager.default.fileExists(atPath: clone + "/.studyflow"), "reading the history must not create state")
        #expect(!FileManager.default.fileExists(atPath: clone + "/results"))
    }
}
