import Foundation
import Testing
import _StudyTestSupport

/// `studyflow run` as a user meets it: failures, dry runs, the lock, interrupts and crashes.
@Suite("studyflow run")
struct RunCommandTests {
    static let failing = """
    name: failing
    stages:
      good:
        run: echo ok > ${outputs.out}
        outputs: {out: results/good.txt}
      bad:
        run: echo "something broke on line 3" >&2; exit 3
        outputs: {out: results/bad.txt}
      after-bad:
        run: cat ${inputs} > ${outputs.out}
        inputs: [results/bad.txt]
        outputs: {out: results/after.txt}
      independent:
        run: sleep 0.2; echo fine > ${outputs.out}
        outputs: {out: results/independent.txt}

    """

    @Test("a failing stage exits 1, names the stage and its exit status, and shows its log tail")
    func failure() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.failing)
        let result = try CLI.run(["run", "-C", dir.path, "-j", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("studyflow: error: stage 'bad' failed: exited with status 3\n--- last lines of \(dir.path)/.studyflow/logs/1/bad.log ---\nsomething broke on line 3\n"), "\(result.stderr)")
        #expect(result.stdout.contains("skipped  after-bad"))
        // Nothing of the failed stage is recorded: it runs again next time.
        let again = try CLI.run(["run", "-C", dir.path, "--json", "-k"])
        #expect(again.stdout.contains("\"failed\":[\"bad\"]"))
    }

    @Test("--keep-going runs every branch that does not depend on the failure")
    func keepGoing() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.failing)
        let result = try CLI.run(["run", "-C", dir.path, "-k", "--json", "-j", "1"])
        #expect(result.status == 1)
        let summary = try #require(result.stdout.split(separator: "\n").last)
        #expect(summary.contains("\"failed\":[\"bad\"]"))
        #expect(summary.contains("\"skipped\":[\"after-bad\"]"))
        #expect(dir.read("results/independent.txt") == "fine\n")
        #expect(dir.read("results/good.txt") == "ok\n")
    }

    @Test("invalid workflows: every mistake as file:line:column, exit 2, nothing run")
    func diagnostics() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", """
        name: broken
        stages:
          a:
            run: cat ${inputs.rw} > ${outputs.out}
            inputs: {raw: data/raw.csv}
            ouputs: {out: results/a.txt}
          b b:
            run: echo
            threads: two

        """)
        let result = try CLI.run(["run", "-C", dir.path])
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr == """
        Workflows/main.yaml:4:14: error: undefined placeholder '${inputs.rw}' in stage 'a'; did you mean '${inputs.raw}'? (named inputs: raw)
        Workflows/main.yaml:4:29: error: undefined placeholder '${outputs.out}' in stage 'a' (stage 'a' names no outputs)
        Workflows/main.yaml:6:5: error: unknown key 'ouputs' in stage 'a'; did you mean 'outputs'?
        Workflows/main.yaml:7:3: error: bad stage id 'b b'; use letters, digits, '_' and '-'
        Workflows/main.yaml:9:14: error: 'threads' of stage 'b b' must be an integer from 1 to 4096, got 'two'
        studyflow: 5 errors in Workflows/main.yaml; nothing was run

        """)
        #expect(!dir.exists(".studyflow/logs"))
    }

    @Test("a cycle is reported with its path")
    func cycle() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", """
        name: cycle
        stages:
          a:
            run: cat ${inputs} > ${outputs}
            inputs: [c.txt]
            outputs: [a.txt]
          b:
            run: cat ${inputs} > ${outputs}
            inputs: [a.txt]
            outputs: [b.txt]
          c:
            run: cat ${inputs} > ${outputs}
            inputs: [b.txt]
            outputs: [c.txt]

        """)
        let result = try CLI.run(["validate", "-C", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("Workflows/main.yaml:3:3: error: dependency cycle: a -> b -> c -> a\n"), "\(result.stderr)")
    }

    @Test("run -n prints the plan with reasons and runs nothing")
    func dryRun() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: d\nstages:\n  one:\n    run: cp ${inputs} ${outputs}\n    inputs: [in.txt]\n    outputs: [out.txt]\n")
        dir.write("in.txt", "1\n")
        let result = try CLI.run(["run", "-n", "-C", dir.path])
        #expect(result.status == 0)
        #expect(result.stdout == "run     one  never run\nstudyflow: dry run: 1 of 1 stages would run or be restored; nothing was run\n")
        #expect(!dir.exists("out.txt"))
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        let after = try CLI.run(["run", "-n", "-C", dir.path])
        #expect(after.stdout == "studyflow: nothing to do; all 1 stages up to date\n")
    }

    @Test("status --json has the documented schema")
    func statusJSON() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: d\nstages:\n  one:\n    run: cp ${inputs} ${outputs}\n    inputs: [in.txt]\n    outputs: [out.txt]\n")
        dir.write("in.txt", "1\n")
        let before = try CLI.run(["status", "-C", dir.path, "--json"])
        #expect(before.stdout == "{\"stages\":[{\"action\":\"run\",\"reasons\":[\"never run\"],\"stage\":\"one\",\"state\":\"stale\"}]}\n")
        _ = try CLI.run(["run", "-C", dir.path])
        dir.write("in.txt", "2\n")
        let after = try CLI.run(["status", "-C", dir.path, "--json"])
        #expect(after.stdout == "{\"stages\":[{\"action\":\"run\",\"reasons\":[\"input in.txt changed\"],\"stage\":\"one\",\"state\":\"stale\"}]}\n")
    }

    @Test("a second run waits for the lock, naming the holder's pid; --no-wait exits 1 at once")
    func lock() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: l\nstages:\n  slow:\n    run: sleep 2; echo > ${outputs}\n    outputs: [out.txt]\n")
        let holder = try CLI.start(["run", "-C", dir.path])
        waitUntilStarted(dir)
        let noWait = try CLI.run(["run", "-C", dir.path, "--no-wait"])
        #expect(noWait.status == 1)
        #expect(noWait.stderr.contains("is locked by another studyflow process (pid \(holder.pid))"), "\(noWait.stderr)")
        let waiter = try CLI.start(["run", "-C", dir.path, "--json"])
        usleep(300_000)
        #expect(waiter.stderrSoFar.contains("waiting for another studyflow process (pid \(holder.pid))"))
        #expect(holder.wait().status == 0)
        let second = waiter.wait()
        #expect(second.status == 0)
        #expect(second.stdout.contains("\"cached\":[\"slow\"]"))
    }

    @Test("a lock left by a killed run is taken over once its stages are gone")
    func staleLock() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: l\nstages:\n  slow:\n    run: sleep 31; echo > ${outputs}\n    outputs: [out.txt]\n")
        let holder = try CLI.start(["run", "-C", dir.path])
        waitUntilStarted(dir)
        kill(holder.pid, SIGKILL)
        _ = holder.wait()
        // The orphaned `sleep` holds a copy of the lock until it is stopped (it dies with its run).
        dir.write("Workflows/main.yaml", "name: l\nstages:\n  slow:\n    run: echo done > ${outputs}\n    outputs: [out.txt]\n")
        let started = Date()
        let next = try CLI.run(["run", "-C", dir.path])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(dir.read("out.txt") == "done\n")
    }

    @Test("Ctrl-C stops running stages, exits 130, and the next run completes")
    func interrupt() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", """
        name: i
        stages:
          quick:
            run: echo quick > ${outputs}
            outputs: [quick.txt]
          slow:
            run: touch slow-started && sleep 30 && echo slow > ${outputs}
            inputs: [quick.txt]
            outputs: [slow.txt]

        """)
        let run = try CLI.start(["run", "-C", dir.path])
        // Interrupt while 'slow' runs, so 'quick' has finished (the log directory alone appears before it has).
        waitUntilStarted(dir, marker: "slow-started")
        let sent = Date()
        kill(run.pid, SIGINT)
        let result = run.wait()
        #expect(result.status == 130)
        #expect(Date().timeIntervalSince(sent) < 5)
        #expect(result.stderr.contains("interrupted"))
        #expect(!dir.exists("slow.txt"))
        let leftovers = try CLI.run(["status", "-C", dir.path, "--json"])
        #expect(leftovers.stdout.contains("{\"action\":\"run\",\"reasons\":[\"never run\"],\"stage\":\"slow\",\"state\":\"stale\"}"))
        #expect(leftovers.stdout.contains("\"stage\":\"quick\",\"state\":\"up-to-date\""))
    }
}

/// Waits (up to 10 s) until run 1 of `dir` has started executing a stage: its log directory (or `marker`) exists.
func waitUntilStarted(_ dir: TemporaryDirectory, marker: String = ".studyflow/logs/1") {
    var waited = 0
    while !dir.exists(marker) && waited < 200 {
        usleep(50_000)
        waited += 1
    }
}
