import Foundation
import Testing
import _StudyTestSupport

/// `studyflow run --executor slurm` end to end against fake SLURM tools on PATH: built-in stages
/// go through `exec-stage` and frozen specifications, outputs match a local run byte for byte,
/// the cache is shared both ways, and bad set-ups fail before anything is submitted.
@Suite("studyflow run --executor slurm (fake SLURM)")
struct SlurmRunTests {
    private func environment(_ slurm: FakeSlurm) -> [String: String] {
        ["PATH": slurm.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    @Test("the survival example on SLURM writes the bytes a local run writes, and the cache is shared both ways")
    func survivalMatchesLocal() throws {
        let slurm = FakeSlurm()
        let onSlurm = TemporaryDirectory(), local = TemporaryDirectory()
        try CLI.copyExample("survival", to: onSlurm.path)
        try CLI.copyExample("survival", to: local.path)
        let env = environment(slurm)
        let first = try CLI.run(["run", "-C", onSlurm.path, "workflow.yaml", "--executor", "slurm", "--json",
                                 "--poll-interval", "0.05"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\"ran\":[\"ingest\""))
        #expect(slurm.calls("sbatch").count == 4)
        #expect(try CLI.run(["run", "-C", local.path, "workflow.yaml"]).status == 0)
        let slurmFiles = CLI.snapshot(onSlurm.path), localFiles = CLI.snapshot(local.path)
        #expect(slurmFiles.count == 5)
        #expect(slurmFiles == localFiles)
        // The jobs ran frozen specifications through exec-stage.
        let spec = try #require(onSlurm.read(".studyflow/logs/1/km.spec.json"))
        #expect(spec.contains("\"kind\":\"survival/kaplan-meier\""))
        #expect(onSlurm.read(".studyflow/logs/1/km.sbatch")?.contains(" exec-stage ") == true)

        // SLURM → local: a local run finds everything cached.
        let localRerun = try CLI.run(["run", "-C", onSlurm.path, "workflow.yaml", "--json"])
        #expect(localRerun.stdout.contains("\"ran\":[]"), "\(localRerun.stdout)")
        // Local → SLURM: a SLURM run of the locally built workspace submits nothing.
        let slurmRerun = try CLI.run(["run", "-C", local.path, "workflow.yaml", "--executor", "slurm", "--json", "--force", "km"],
                                     environment: env)
        #expect(slurmRerun.status == 0, "\(slurmRerun.stderr)")
        #expect(slurmRerun.stdout.contains("\"ran\":[\"km\"]"), "\(slurmRerun.stdout)")
        #expect(slurm.calls("sbatch").count == 5)
    }

    @Test("the workflow's slurm: block reaches sbatch; --partition replaces it and --sbatch-arg follows its sbatch_args")
    func slurmBlockAndOptions() throws {
        let slurm = FakeSlurm()
        let dir = TemporaryDirectory()
        dir.write("w.yaml", """
        name: s
        slurm: {partition: short, sbatch_args: [--qos=normal]}
        stages:
          a:
            run: echo a > ${outputs}
            outputs: [results/a.txt]
            resources: {memory: 2G, time: 1h}
            threads: 2
        """)
        let first = try CLI.run(["run", "-C", dir.path, "w.yaml", "--executor", "slurm", "--account", "lab",
                                 "--sbatch-arg", "--exclusive", "--sbatch-arg=--nice=5"], environment: environment(slurm))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(dir.read("results/a.txt") == "a\n")
        let call = try #require(slurm.calls("sbatch").first)
        #expect(call.contains(" --cpus-per-task=2 --mem=2048M --time=60 --partition=short --account=lab --qos=normal --exclusive --nice=5 "), "\(call)")
        let second = try CLI.run(["run", "-C", dir.path, "w.yaml", "--executor", "slurm", "--partition", "long", "--force-all"],
                                 environment: environment(slurm))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(slurm.calls("sbatch").last?.contains(" --partition=long --qos=normal ") == true)
        #expect(slurm.calls("sinfo").last == "--noheader --Node --format=%c --partition=long")
    }

    @Test("without sbatch on PATH, --executor slurm fails at once with exit 2 and runs nothing")
    func missingSbatch() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("params", to: dir.path)
        let result = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--executor", "slurm"],
                                 environment: ["PATH": "/nonexistent"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("'sbatch' is not on PATH"), "\(result.stderr)")
        #expect(!dir.exists("results"))
    }

    @Test("a controller that does not answer fails with exit 1 before anything is submitted")
    func controllerDown() throws {
        let slurm = FakeSlurm()
        slurm.set("down")
        let dir = TemporaryDirectory()
        try CLI.copyExample("params", to: dir.path)
        let result = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--executor", "slurm"], environment: environment(slurm))
        #expect(result.status == 1)
        #expect(result.stderr.contains("the SLURM controller does not answer"), "\(result.stderr)")
        #expect(slurm.calls("sbatch").isEmpty)
    }

    @Test("SLURM options without --executor slurm, and unknown executors, are usage errors")
    func usage() throws {
        let dir = TemporaryDirectory()
        try CLI.copyExample("params", to: dir.path)
        let partition = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--partition", "short"])
        #expect(partition.status == 2)
        #expect(partition.stderr.contains("apply only with --executor slurm"))
        let unknown = try CLI.run(["run", "-C", dir.path, "workflow.yaml", "--executor", "pbs"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown executor 'pbs'; available: local, slurm"))
    }
}
