import Foundation
import Testing
import _StudyTestSupport

/// Every command understands fan-out instances (issue 15 item 5): globs and templates wherever a
/// stage is named, `template` in JSON, collapsed graphs, per-instance status and provenance.
@Suite("commands and fan-out instances")
struct FanoutCommandTests {
    static func workflow(_ cohorts: String = "[msk, luad, brca]") -> String {
        """
        name: fan
        params:
          cohorts: \(cohorts)
        stages:
          ingest:
            foreach: ${params.cohorts}
            run: echo ${each.key} > ${outputs.table}
            outputs: {table: "results/ingest-${each.key}.txt"}
          cox:
            foreach: ${params.cohorts}
            run: cat ${inputs.table} > ${outputs.result}
            inputs: {table: "results/ingest-${each.key}.txt"}
            outputs: {result: "results/cox-${each.key}.txt"}
          forest:
            inputs:
              models: {each: cox, output: result}
            run: cat ${inputs.models} > ${outputs.svg}
            outputs: {svg: results/forest.txt}

        """
    }

    static func workspace() -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", workflow())
        return dir
    }

    /// The `"ran"` list of a `--json` run's summary line.
    static func ran(_ stdout: String) throws -> [String] {
        let line = try #require(stdout.split(separator: "\n").last)
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return try #require(object["ran"] as? [String])
    }

    @Test("--until takes a glob, an instance or a template, and runs only their upstream", arguments: [
        (["cox@m*"], ["ingest@msk", "cox@msk"]),
        (["cox@luad"], ["ingest@luad", "cox@luad"]),
        (["cox"], ["ingest@msk", "ingest@luad", "ingest@brca", "cox@msk", "cox@luad", "cox@brca"]),
        (["ingest@[lb]*"], ["ingest@luad", "ingest@brca"]),
    ])
    func until(patterns: [String], expected: [String]) throws {
        let dir = Self.workspace()
        let result = try CLI.run(["run", "-C", dir.path, "--json", "-j", "1", "--until"] + patterns)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.ran(result.stdout).sorted() == expected.sorted())
    }

    @Test("--force with a glob reruns the matching instances and what reads them, nothing else")
    func force() throws {
        let dir = Self.workspace()
        try CLI.run(["run", "-C", dir.path, "-j", "1"])
        let result = try CLI.run(["run", "-C", dir.path, "--json", "-j", "1", "--force", "cox@[mb]*"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.ran(result.stdout) == ["cox@msk", "cox@brca", "forest"])
    }

    @Test("a name or glob that selects nothing is exit 2 with a did-you-mean, for every option that names stages", arguments: [
        (["run", "--until", "cox@mks"], "studyflow: error: no stage named 'cox@mks'; did you mean 'cox@msk'?\n"),
        (["run", "--force", "cxo@*"], "studyflow: error: no stage matches 'cxo@*'; did you mean 'cox@*'?\n"),
        (["run", "-n", "--until", "cxo"], "studyflow: error: no stage named 'cxo'; did you mean 'cox'?\n"),
        (["run", "--until", "zzzz*"], "studyflow: error: no stage matches 'zzzz*'; 'studyflow status' lists the stages\n"),
    ])
    func unknown(arguments: [String], message: String) throws {
        let dir = Self.workspace()
        let result = try CLI.run(arguments + ["-C", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr == message)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/results") == false)
    }

    @Test("--json events name the instance and its template; plain stages have no template")
    func jsonEvents() throws {
        let dir = Self.workspace()
        let result = try CLI.run(["run", "-C", dir.path, "--json", "-j", "1"])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("\"stage\":\"cox@msk\"") && $0.contains("\"template\":\"cox\"") }, "\(result.stdout)")
        let forest = try #require(lines.first { $0.contains("\"stage\":\"forest\"") })
        #expect(!forest.contains("template"))
        let plan = try CLI.run(["run", "-n", "--json", "-C", dir.path, "--force", "ingest@luad"])
        #expect(plan.stdout.contains("\"stage\":\"cox@luad\",\"template\":\"cox\""), "\(plan.stdout)")
    }

    @Test("status lists every instance and merges a gather's stale upstream instances into one reason")
    func status() throws {
        let dir = Self.workspace()
        let result = try CLI.run(["status", "-C", dir.path])
        #expect(result.stdout == """
        stale      ingest@msk   never run
        stale      ingest@luad  never run
        stale      ingest@brca  never run
        stale      cox@msk      upstream ingest@msk is stale
        stale      cox@luad     upstream ingest@luad is stale
        stale      cox@brca     upstream ingest@brca is stale
        stale      forest       upstream cox@msk, cox@luad and cox@brca are stale
        studyflow: 7 of 7 stages (6 instances of 2 fan-outs) stale; 'studyflow run' brings them up to date

        """)
        let dry = try CLI.run(["run", "-n", "-C", dir.path, "--until", "cox@msk"])
        #expect(dry.stdout == """
        run     ingest@msk  never run
        run     cox@msk     upstream ingest@msk is stale
        studyflow: dry run: 2 of 2 stages (2 instances of 2 fan-outs) would run or be restored; nothing was run

        """)
    }

    @Test("the run's summary line counts instances")
    func progress() throws {
        let dir = Self.workspace()
        let result = try CLI.run(["run", "-C", dir.path, "-j", "1", "--until", "cox"])
        #expect(result.stdout.contains("studyflow: 6 stages (6 instances of 2 fan-outs): 6 ran in "), "\(result.stdout)")
        let one = try CLI.run(["run", "-C", dir.path, "-j", "1", "--force", "forest", "--until", "forest"])
        #expect(one.stdout.contains("studyflow: 7 stages (6 instances of 2 fan-outs): 1 ran, 6 cached in "), "\(one.stdout)")
    }
}
