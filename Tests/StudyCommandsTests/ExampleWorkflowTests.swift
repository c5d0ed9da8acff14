import Foundation
import Testing
import _StudyTestSupport

/// The built binary on every bundled example, as a user runs them: run, run again, change, status.
@Suite("studyflow on Workflows/examples")
struct ExampleWorkflowTests {
    static let examples = ["quoting", "directories", "params", "survival", "shell"]

    @Test("each example runs, then a second run runs nothing", arguments: examples)
    func runTwice(example: String) throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample(example, to: dir.path)
        let first = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!first.stdout.contains("failed"))
        let second = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--json"])
        #expect(second.status == 0)
        let summary = try #require(second.stdout.split(separator: "\n").last)
        #expect(summary.contains("\"ran\":[]"))
        #expect(summary.contains("\"ok\":true"))
    }

    @Test("quoting: paths with spaces, quotes and $ stay one word and inject nothing")
    func quoting() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("quoting", to: dir.path)
        let result = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(dir.read("results/upper case; $(echo no).txt") == "ALPHA\nBETA\n")
        #expect(dir.read("results/count.txt") == "2\n")
        #expect(!dir.exists("no"))
    }

    @Test("directories: a directory output is stored, restored and read downstream")
    func directories() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("directories", to: dir.path)
        #expect(try CLI.run(["run", "-C", dir.path, "workflow.yaml"]).status == 0)
        #expect(dir.read("results/totals.txt") == "a 7\nb 7\nc 1\n")
        dir.delete("results/groups")
        let status = try CLI.run(["status", "-C", dir.path, "workflow.yaml"])
        #expect(status.stdout.contains("stale      split   output results/groups/ missing"))
        let rerun = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--json"])
        #expect(rerun.stdout.contains("\"restored\":[\"split\"]"), "\(rerun.stdout)")
        #expect(dir.read("results/groups/a.txt") == "3\n4\n")
    }

    @Test("params: --param and env values rerun exactly the stages that use them")
    func params() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("params", to: dir.path)
        #expect(try CLI.run(["run", "-C", dir.path, "workflow.yaml"]).status == 0)
        let changed = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--param", "n=3", "--json"])
        #expect(changed.stdout.contains("\"ran\":[\"numbers\",\"scaled\"]"), "\(changed.stdout)")
        #expect(changed.stdout.contains("param n 5 → 3"))
        #expect(dir.read("results/scaled.txt") == "2.5\n5\n7.5\n")
        let env = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--param", "n=3", "--json"],
                              environment: ["STUDY_SUFFIX": "x"])
        #expect(env.stdout.contains("\"ran\":[\"labelled\"]"), "\(env.stdout)")
        #expect(env.stdout.contains("env STUDY_SUFFIX changed"))
        let unknown = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--param", "m=3"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "studyflow: error: no workflow parameter named 'm'; did you mean 'n'?\n")
    }

    @Test("survival: built-in stages reproduce R's survfit medians and survdiff on lung by sex")
    func survival() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("survival", to: dir.path)
        let result = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        let km = try #require(dir.read("results/km.json"))
        // R: survfit(Surv(time, status) ~ sex, lung): medians 270 (212, 310) and 426 (348, 550).
        #expect(km.contains("\"median\":{\"estimate\":270,\"lower\":212,\"upper\":310}"))
        #expect(km.contains("\"median\":{\"estimate\":426,\"lower\":348,\"upper\":550}"))
        // R: survdiff(Surv(time, status) ~ sex, lung): chisq 10.3267, 1 df.
        let logrank = try #require(dir.read("results/logrank.json"))
        #expect(logrank.hasPrefix("{\"kind\":\"survival/log-rank\",\"rho\":0,\"statistic\":10.32674"))
        let validate = try CLI.run(["validate", "-C", dir.path, "workflow.yaml"])
        #expect(validate.stdout == "ok: workflow.yaml: 4 stages\n")
    }

    @Test("shell: awk stages give R's medians, and editing a script the command names makes its stage stale")
    func shell() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("shell", to: dir.path)
        let result = try CLI.run(["run", "-C", dir.path, "workflow.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        // R: survfit(Surv(time, status) ~ sex, lung) medians are 270 (male) and 426 (female) days.
        #expect(dir.read("results/median.tsv") == "group\tmedian_days\nfemale\t426\nmale\t270\n")
        dir.write("scripts/median.awk", (dir.read("scripts/median.awk") ?? "") + "# edited\n")
        let status = try CLI.run(["status", "-C", dir.path, "workflow.yaml", "--json"])
        #expect(status.stdout.contains("\"reasons\":[\"input scripts/median.awk changed\"],\"stage\":\"median\",\"state\":\"stale\""), "\(status.stdout)")
    }
}
