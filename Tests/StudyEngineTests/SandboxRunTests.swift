#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyEngine
import StudyStore
import Testing
import _StudyTestSupport

/// Whether bubblewrap is installed and works here (user namespaces allowed); the tests that run
/// stages under it skip cleanly otherwise.
private let bwrapWorks: Bool = {
    guard let settings = try? SandboxSettings.resolve(everyStage: true, stages: [Stage(id: "s", action: .shell(CommandTemplate("true")))],
                                                      searchPath: "/usr/bin:/bin:/usr/local/bin"),
          let bwrap = settings.bwrap else { return false }
    let dir = TemporaryDirectory()
    let job = StageJob(stage: "probe", action: .shell("true"), root: dir.path, environment: [:], logPath: dir.path + "/log")
    var sandboxed = job
    sandboxed.sandbox = SandboxInvocation(bwrap: bwrap, root: dir.path, system: settings.system, readOnly: [], writable: [], passed: ["PATH"])
    return LocalExecutor().execute(sandboxed) == .succeeded
}()

/// Stages run under bubblewrap by the runner with the local and the SLURM executor: declared
/// reads pass, undeclared reads and writes fail with the promised message, outputs' siblings stay
/// hidden, and a well-declared stage gives the same key and bytes sandboxed or not.
@Suite("Sandboxed runs", .enabled(if: bwrapWorks, "bubblewrap (bwrap) is not installed or cannot run here"))
struct SandboxRunTests {
    private func options(everyStage: Bool = false, workflow: TestWorkspace) throws -> RunOptions {
        var options = RunOptions(jobs: 2)
        options.sandbox = try SandboxSettings.resolve(everyStage: everyStage, stages: workflow.compile().workflow.stages,
                                                      searchPath: "/usr/bin:/bin:/usr/local/bin")
        return options
    }

    private static let files = ["data/raw data.csv": "id,value\n1,b\n2,a\n3,c\n", "scripts/header.txt": "# sorted\n",
                                "data/other.csv": "not declared\n", "results/sibling.txt": "hidden\n"]

    private static func workflow(sandbox: Bool) -> String {
        """
        name: demo
        stages:
          clean:
            run: "awk -F, 'NR>1{print $2}' ${inputs.raw} | sort > ${outputs.table} && cat scripts/header.txt >> ${outputs.table} && mkdir -p ${outputs.figs} && echo plot > ${outputs.figs}/a.svg"
            inputs: {raw: data/raw data.csv}
            outputs: {table: results/clean table.csv, figs: results/figs/}
            sandbox: \(sandbox)
          summary:
            run: "wc -l < ${inputs.table} > ${outputs.count}"
            inputs: {table: results/clean table.csv}
            outputs: {count: count.txt}
            sandbox: \(sandbox)
        """
    }

    @Test("a well-declared stage reads its inputs and named files and gives the same keys and bytes sandboxed and not")
    func sameKeyAndBytes() throws {
        let sandboxed = TestWorkspace(yaml: Self.workflow(sandbox: true), files: Self.files)
        let plain = TestWorkspace(yaml: Self.workflow(sandbox: false), files: Self.files)
        let a = try sandboxed.run(try options(workflow: sandboxed), executor: LocalExecutor()).summary
        let b = try plain.run(try options(workflow: plain), executor: LocalExecutor()).summary
        #expect(a.ok, "\(a.results.compactMap(\.failure))")
        #expect(b.ok)
        #expect(a.results.map(\.sandboxed) == [true, true])
        #expect(b.results.map(\.sandboxed) == [false, false])
        #expect(a.results.map { $0.record?.key } == b.results.map { $0.record?.key })
        for path in ["results/clean table.csv", "results/figs/a.svg", "count.txt"] {
            #expect(sandboxed.directory.read(path) == plain.directory.read(path), "\(path)")
        }
        #expect(sandboxed.directory.read("results/clean table.csv") == "a\nb\nc\n# sorted\n")
        #expect(sandboxed.directory.read("results/sibling.txt") == "hidden\n")
        #expect(!sandboxed.directory.exists(".studyflow/sandbox/clean"))
        // Run again: everything is cached, sandboxed or not.
        #expect(try sandboxed.run(try options(workflow: sandboxed), executor: LocalExecutor()).summary.ids(.cached) == ["clean", "summary"])
    }

    @Test("a stage that reads an undeclared workspace file fails, saying it ran sandboxed and naming the file; unsandboxed it passes")
    func undeclaredRead() throws {
        func yaml(_ sandbox: Bool) -> String {
            """
            name: demo
            stages:
              peek:
                run: "cat $(echo data/other).csv > ${outputs}"
                outputs: [out/peek.txt]
                sandbox: \(sandbox)
            """
        }
        let ws = TestWorkspace(yaml: yaml(true), files: Self.files)
        let summary = try ws.run(try options(workflow: ws), executor: LocalExecutor()).summary
        let log = ws.layout.log(run: 1, stage: "peek")
        #expect(summary.results.first?.failure == """
        stage 'peek' failed: exited with status 1; it ran sandboxed and could not read 'data/other.csv', which is not among its inputs: declare it in 'inputs:' (or name it in 'run:'), or set 'sandbox: false'
        --- last lines of \(log) ---
        cat: data/other.csv: No such file or directory
        """)
        // What the command left at its output (the redirect made it) comes back, as unsandboxed.
        #expect(ws.directory.read("out/peek.txt") == "")
        ws.yaml = yaml(false)
        #expect(try ws.run(try options(workflow: ws), executor: LocalExecutor()).summary.ok)
        #expect(ws.directory.read("out/peek.txt") == "not declared\n")
    }

    @Test("under run --sandbox the fix named is to run without it; siblings of an output are invisible, /tmp is private, HOME is /tmp")
    func everyStageAndIsolation() throws {
        let ws = TestWorkspace(yaml: """
        name: demo
        stages:
          look:
            run: "ls -A results > ${outputs}; echo \\"$HOME\\" >> ${outputs}; echo made > /tmp/studyflow-sandbox-probe && cat /tmp/studyflow-sandbox-probe >> ${outputs}"
            outputs: [results/look.txt]
          peek:
            run: "cat results/sib$(echo ling).txt > ${outputs}"
            outputs: [out/peek.txt]
        """, files: Self.files)
        try? FileIO.removeTree("/tmp/studyflow-sandbox-probe")
        let summary = try ws.run(try options(everyStage: true, workflow: ws), executor: LocalExecutor()).summary
        #expect(ws.directory.read("results/look.txt") == "look.txt\n/tmp\nmade\n")
        #expect(FileStat.of("/tmp/studyflow-sandbox-probe") == nil)
        let failure = summary.results.first { $0.stage == "peek" }?.failure ?? ""
        #expect(failure.hasPrefix("stage 'peek' failed: exited with status 1; it ran sandboxed and could not read 'results/sibling.txt', which is not among its inputs: declare it in 'inputs:' (or name it in 'run:'), or run without '--sandbox'\n"))
    }

    @Test("a write outside the declared outputs fails and is named; an output at the workspace root works")
    func undeclaredWrite() throws {
        let ws = TestWorkspace(yaml: """
        name: demo
        stages:
          top:
            run: "echo top > ${outputs}"
            outputs: [top.txt]
            sandbox: true
          stray:
            run: "echo x > stray.txt && echo done > ${outputs}"
            outputs: [out/stray.txt]
            sandbox: true
        """, files: Self.files)
        let summary = try ws.run(try options(workflow: ws), executor: LocalExecutor()).summary
        #expect(ws.directory.read("top.txt") == "top\n")
        let failure = summary.results.first { $0.stage == "stray" }?.failure ?? ""
        #expect(failure.hasPrefix("stage 'stray' failed: exited with status 2; it ran sandboxed and could not write 'stray.txt', which is not among its outputs: declare it in 'outputs:', or set 'sandbox: false'\n"))
        #expect(!ws.directory.exists("stray.txt"))
    }

    @Test("with --executor slurm the job script runs the same bwrap argv on the node and gives the same bytes")
    func slurmJobs() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: Self.workflow(sandbox: true), files: Self.files)
        let executor = try SlurmExecutor(settings: slurm.settings())
        let summary = try ws.run(try options(workflow: ws), executor: executor).summary
        #expect(summary.ok, "\(summary.results.compactMap(\.failure))")
        #expect(ws.directory.read("results/clean table.csv") == "a\nb\nc\n# sorted\n")
        let script = ws.directory.read(".studyflow/logs/1/clean.sbatch") ?? ""
        #expect(script.contains("env -i HOME=/tmp ${PATH+\"PATH=$PATH\"} "))
        #expect(script.contains(" --ro-bind '\(ws.directory.path)/data/raw data.csv' '\(ws.directory.path)/data/raw data.csv' "))
        #expect(summary.results.map(\.sandboxed) == [true, true])
    }
}

extension SandboxRunTests {
    @Test("what a stage writes beside its outputs is discarded with a warning naming it; mount points of inputs there are not blamed")
    func besideOutputs() throws {
        let ws = TestWorkspace(yaml: """
        name: demo
        stages:
          first:
            run: "echo a > ${outputs}"
            outputs: [results/a.txt]
          second:
            run: "cat ${inputs} > ${outputs.b} && echo log > results/run.log && mkdir results/tmp"
            inputs: [results/a.txt]
            outputs: {b: results/b.txt}
            sandbox: true
        """)
        let summary = try ws.run(try options(workflow: ws), executor: LocalExecutor()).summary
        #expect(summary.ok, "\(summary.results.compactMap(\.failure))")
        #expect(ws.directory.read("results/b.txt") == "a\n")
        #expect(!ws.directory.exists("results/run.log") && !ws.directory.exists("results/tmp"))
        #expect(summary.results.first { $0.stage == "second" }?.warnings == [
            "stage 'second' ran sandboxed and also wrote 'results/run.log', 'results/tmp', not among its outputs, so they were discarded; declare them in 'outputs:' to keep them",
        ])
        #expect(summary.results.first { $0.stage == "first" }?.warnings == [])
    }
}

extension SandboxRunTests {
    @Test("fan-out instances inherit their template's 'sandbox: true' and run under bwrap as SLURM jobs, each seeing only its own item's input")
    func fanoutOnSlurm() throws {
        let slurm = FakeSlurm()
        let ws = TestWorkspace(yaml: """
        name: demo
        stages:
          count:
            foreach: [a, b]
            run: "cat ${inputs} > ${outputs} && ls data >> ${outputs}"
            inputs: ["data/${each.key}.txt"]
            outputs: ["out/${each.key}.txt"]
            sandbox: true
        """, files: ["data/a.txt": "aa\n", "data/b.txt": "bbbb\n"])
        let summary = try ws.run(try options(workflow: ws), executor: try SlurmExecutor(settings: slurm.settings())).summary
        #expect(summary.ok, "\(summary.results.compactMap(\.failure))")
        #expect(summary.results.map(\.stage) == ["count@a", "count@b"])
        #expect(summary.results.map(\.sandboxed) == [true, true])
        #expect(ws.directory.read("out/a.txt") == "aa\na.txt\n")
        #expect(ws.directory.read("out/b.txt") == "bbbb\nb.txt\n")
        for key in ["a", "b"] {
            #expect(ws.directory.read(".studyflow/logs/1/count@\(key).sbatch")?.contains("/bin/sh -c ") == true)
            #expect(ws.directory.read(".studyflow/logs/1/count@\(key).sbatch")?.contains("--ro-bind \(ws.directory.path)/data/\(key).txt ") == true)
        }
    }
}
