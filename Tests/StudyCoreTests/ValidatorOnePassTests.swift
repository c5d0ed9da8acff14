#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Testing
import _StudyTestSupport

/// The validator computes each stage's command words once and shares them with the output rules
/// and the compiled workflow, and `DiskPathProbe` asks the disk once per path: the answers must
/// be the ones computing everything afresh gives.
@Suite("Validator: one pass over command words and the disk")
struct ValidatorOnePassTests {
    @Test("the compiled workflow keeps each stage's command words exactly as CommandWords computes them")
    func compiledWordsMatch() throws {
        let dir = TemporaryDirectory()
        dir.write("scripts/clean.py", "print(1)\n")
        dir.write("data/raw.csv", "x\n")
        let yaml = """
        name: words
        stages:
          clean:
            run: python3 scripts/clean.py data/raw.csv > ${outputs.out} && cat notes/readme.md
            outputs: {out: results/clean.csv}
          plot:
            run: python3 scripts/clean.py ${inputs.table} > ${outputs.out}
            inputs: {table: results/clean.csv}
            outputs: {out: results/plot.txt}

        """
        let compiled = try CompiledWorkflowCache(root: dir.path, path: nil, kinds: []).compile(text: yaml, file: "w.yaml")
        #expect(compiled.commandWords == compiled.workflow.stages.map(CommandWords.candidates))
        #expect(compiled.commandWords == [["scripts/clean.py", "data/raw.csv", "notes/readme.md"], ["scripts/clean.py"]])
    }

    @Test("a command naming a file inside its own output is still reported with the shared words")
    func ownOutputCommand() throws {
        let dir = TemporaryDirectory()
        dir.write("tool/run.sh", "echo\n")
        let yaml = "name: demo\nstages:\n  a:\n    run: sh tool/run.sh > tool/log.txt\n    outputs: {out: tool/}\n"
        do {
            _ = try CompiledWorkflowCache(root: dir.path, path: nil, kinds: []).compile(text: yaml, file: "w.yaml")
            Issue.record("expected a diagnostic")
        } catch {
            #expect(error.description == "w.yaml:5:20: error: stage 'a' runs 'tool/run.sh', which lies inside its own output 'tool/'; its outputs are cleared before it runs: move 'tool/run.sh' out of 'tool/'")
        }
    }

    @Test("one probe answers 'stays inside' and 'resolves to' for the same paths as two fresh probes do")
    func rememberedPresence() throws {
        let workspace = TemporaryDirectory()
        let elsewhere = TemporaryDirectory(prefix: "studyflow-elsewhere")
        elsewhere.write("target.csv", "x\n")
        workspace.write("results/keep.txt", "")
        #expect(symlink(elsewhere.path + "/target.csv", workspace.path + "/results/out.csv") == 0)
        #expect(symlink(workspace.path + "/results/keep.txt", workspace.path + "/results/alias.txt") == 0)
        let paths = ["results/out.csv", "results/alias.txt", "results/keep.txt", "results/missing.csv", "new/dir/x.csv"]
        let shared = DiskPathProbe(root: workspace.path)
        for path in paths {
            #expect(shared.staysInside(path) == DiskPathProbe(root: workspace.path).staysInside(path), "\(path)")
            #expect(shared.resolve(path) == DiskPathProbe(root: workspace.path).resolve(path), "\(path)")
        }
        #expect(!shared.staysInside("results/out.csv"))
        #expect(shared.resolve("results/out.csv") == nil)
        #expect(shared.resolve("results/alias.txt") == "results/keep.txt")
        #expect(shared.resolve("results/missing.csv") == "results/missing.csv")
    }
}
