import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// A stage stopped by Ctrl-C or SIGTERM while it runs is `interrupted` — in the JSON events, the
/// progress lines, the run's provenance record and `log` — not `failed` (issue 14, item 3).
@Suite("interrupted stages")
struct InterruptedStatusTests {
    /// `quick` finishes, `slow` is running (until `slow.release` exists) when the signal comes,
    /// `after` waits for `slow`.
    static let workflow = """
    name: i
    stages:
      quick:
        run: echo quick > ${outputs}
        outputs: [quick.txt]
      slow:
        run: touch slow-started && until [ -e slow.release ]; do sleep 0.05; done && echo slow > ${outputs}
        inputs: [quick.txt]
        outputs: [slow.txt]
      after:
        run: cat ${inputs} > ${outputs}
        inputs: [slow.txt]
        outputs: [after.txt]

    """

    /// Starts `studyflow run ARGS` on the workflow, sends `signal` once `slow` runs, and returns
    /// the finished process's result.
    static func interruptedRun(_ signal: Int32, _ arguments: [String], dir: TemporaryDirectory) throws -> CLI.Result {
        dir.write("Workflows/main.yaml", workflow)
        let run = try CLI.start(["run", "-C", dir.path] + arguments)
        waitUntilStarted(dir, marker: "slow-started")
        try #require(dir.exists("slow-started"))
        kill(run.pid, signal)
        return run.wait()
    }

    /// The members of a JSON object (text), failing the test when it is not one.
    static func object(_ text: some StringProtocol) throws -> [String: JSONValue] {
        guard case .object(let members)? = try? JSONValue.parse(Array(text.utf8)) else {
            Issue.record("not a JSON object: \(text)")
            return [:]
        }
        return members
    }

    /// The JSON objects of `--json` output, one a line.
    static func events(_ stdout: String) throws -> [[String: JSONValue]] {
        try stdout.split(separator: "\n").map { try object($0) }
    }

    @Test("run --json reports the running stage as interrupted, its dependents as skipped, and the run as interrupted",
          arguments: [SIGINT, SIGTERM])
    func jsonEvents(signal: Int32) throws {
        let dir = TemporaryDirectory()
        let result = try Self.interruptedRun(signal, ["--json"], dir: dir)
        #expect(result.status == 128 + signal)
        let events = try Self.events(result.stdout)
        let stages = events.filter { $0["event"] == .string("stage") }
        #expect(stages.map { $0["stage"] } == [.string("quick"), .string("slow"), .string("after")])
        #expect(stages.map { $0["status"] } == [.string("ran"), .string("interrupted"), .string("skipped")])
        let slow = try #require(stages.first { $0["stage"] == .string("slow") })
        #expect(slow["error"] == .string("stage 'slow' was interrupted"))
        #expect(slow["exit_status"] == nil)
        let summary = try #require(events.last)
        #expect(summary["event"] == .string("summary"))
        #expect(summary["ok"] == .bool(false) && summary["interrupted"] == .bool(true))
        #expect(summary["ran"] == .array([.string("quick")]) && summary["failed"] == .array([]))
        #expect(summary["interrupted_stages"] == .array([.string("slow")]))
        #expect(summary["skipped"] == .array([.string("after")]))
        #expect(!dir.exists("slow.txt"))
    }

    @Test("the interrupted run is recorded with outcome 'interrupted' and the stage's status 'interrupted'; log shows both")
    func provenance() throws {
        let dir = TemporaryDirectory()
        #expect(try Self.interruptedRun(SIGINT, ["--json"], dir: dir).status == 130)
        let gitDir = dir.path + "/.studyflow/provenance.git"
        func git(_ args: [String]) throws -> String { try ProvenanceCommandsTests.git(["--git-dir", gitDir] + args, in: dir.path) }
        #expect(try git(["log", "--format=%s", "refs/studyflow/runs"])
            == "run 1: 3 stages, 1 ran, 0 cached, 1 skipped, 1 interrupted, interrupted\n")
        let stage = try Self.object(try git(["show", "refs/studyflow/runs:stages/slow.json"]))
        #expect(stage["status"] == .string("interrupted"))
        #expect(stage["key"] == .null && stage["exitStatus"] == .null)
        let run = try Self.object(try git(["show", "refs/studyflow/runs:run.json"]))
        #expect(run["outcome"] == .string("interrupted"))
        #expect(run["counts"] == .object(["ran": .integer(1), "skipped": .integer(1), "interrupted": .integer(1)]))

        let log = try CLI.run(["log", "-C", dir.path])
        #expect(log.status == 0)
        #expect(log.stdout.contains("  1 ran, 0 cached, 0 failed, 1 interrupted  interrupted  source "), "\(log.stdout)")

        // The RO-Crate names the execution interrupted and marks it failed, as schema.org has no other status.
        let crate = try CLI.run(["crate", "1", "-C", dir.path, "--output", dir.path + "/crate"])
        #expect(crate.status == 0, "\(crate.stderr)")
        let metadata = try #require(dir.read("crate/ro-crate-metadata.json"))
        #expect(metadata.contains("""
              "actionStatus": "http://schema.org/FailedActionStatus",
              "instrument": {
                "@id": "#tool-slow"
              },
              "name": "interrupted stage slow (key none)",
        """))
        #expect(metadata.contains("\"name\": \"run 1 (id "))
        #expect(metadata.contains(") of Workflows/main.yaml: interrupted\","))

        // The rerun completes what was interrupted.
        dir.write("slow.release", "")
        let rerun = try CLI.run(["run", "-C", dir.path, "--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("\"cached\":[\"quick\"]") && rerun.stdout.contains("\"ran\":[\"slow\",\"after\"]"))
    }

    @Test("off a terminal, the progress line and the verdict say interrupted")
    func progressLines() throws {
        let dir = TemporaryDirectory()
        let result = try Self.interruptedRun(SIGINT, [], dir: dir)
        #expect(result.status == 130)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("[1/3] ran      quick  ") })
        #expect(lines.contains { $0.hasPrefix("[2/3] interrupted slow  ") })
        #expect(lines.contains("[3/3] skipped  after"))
        let verdict = try #require(lines.last)
        #expect(verdict.hasPrefix("studyflow: 3 stages: 1 ran, 1 skipped, 1 interrupted in "))
        #expect(verdict.hasSuffix(" — interrupted"))
        #expect(result.stderr.contains("studyflow: error: stage 'slow' was interrupted\n"))
        #expect(result.stderr.hasSuffix("studyflow: interrupted; finished stages are cached, rerun 'studyflow run' to continue\n"))
    }
}
