#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Testing
import _StudyTestSupport

/// An in-memory disk for the rules: which paths exist.
private struct ExistingFiles: PathProbe {
    var files: Set<String> = []
    func exists(_ path: String) -> Bool { files.contains(path) }
    func staysInside(_ path: String) -> Bool { true }
}

/// The diagnostics of loading and validating `yaml` (as `file`), or `nil` when it is valid.
private func errors(_ yaml: String, file: String = "w.yaml", probe: any PathProbe = ExistingFiles()) -> String? {
    do {
        let workflow = try WorkflowLoader().load(text: yaml, file: file)
        _ = try WorkflowValidator(probe: probe).validate(workflow)
        return nil
    } catch {
        return error.description
    }
}

/// One stage `a` writing `output` (written flow-style on line 5, column 15).
private func writing(_ output: String) -> String {
    "name: demo\nstages:\n  a:\n    run: x\n    outputs: [\(output)]\n"
}

@Suite("Output path rules: reserved paths")
struct ReservedOutputTests {
    @Test("every spelling of a path in .git/ or .studyflow/ is refused at the output, naming what it holds")
    func reservedSpellings() {
        let git = "lies in a '.git' directory, which holds git's own data and is never an output"
        let studyflow = "lies in a '.studyflow' directory, which holds studyflow's store, records and logs and is never an output"
        let isGit = "is a '.git' directory, which holds git's own data and is never an output"
        let isStudyflow = "is a '.studyflow' directory, which holds studyflow's store, records and logs and is never an output"
        let cases: [(String, String)] = [
            (".git/hooks/pre-commit", "output '.git/hooks/pre-commit' of stage 'a' \(git); write it under another directory, e.g. 'results/'"),
            ("./.git", "output '.git' of stage 'a' \(isGit); write it under another directory, e.g. 'results/'"),
            (".git/", "output '.git/' of stage 'a' \(isGit); write it under another directory, e.g. 'results/'"),
            ("vendor/lib/.git/config", "output 'vendor/lib/.git/config' of stage 'a' \(git); write it under another directory, e.g. 'results/'"),
            ("x/../.studyflow/actions.log", "output '.studyflow/actions.log' of stage 'a' \(studyflow); write it under another directory, e.g. 'results/'"),
            (".studyflow//objects/", "output '.studyflow/objects/' of stage 'a' \(studyflow); write it under another directory, e.g. 'results/'"),
            ("'.studyflow'", "output '.studyflow' of stage 'a' \(isStudyflow); write it under another directory, e.g. 'results/'"),
        ]
        for (output, message) in cases {
            #expect(errors(writing(output)) == "w.yaml:5:15: error: " + message, "output \(output)")
        }
    }

    @Test("the workspace root as an output is refused, however it is spelled")
    func rootOutput() {
        for output in ["./", ".", "a/..", "a/../"] {
            #expect(errors(writing(output)) == "w.yaml:5:15: error: output '\(output)' of stage 'a' is the workspace root itself, which holds '.git/', '.studyflow/' and the workflow file; write into a subdirectory, e.g. 'results/'")
        }
    }

    @Test("the workflow file, or a directory holding it, is never an output")
    func workflowFileOutput() {
        #expect(errors(writing("./Workflows//main.yaml"), file: "Workflows/main.yaml") == "Workflows/main.yaml:5:15: error: output 'Workflows/main.yaml' of stage 'a' is the workflow file 'Workflows/main.yaml' itself; a stage never writes its own workflow: write the output under another directory, e.g. 'results/'")
        #expect(errors(writing("Workflows/"), file: "Workflows/main.yaml") == "Workflows/main.yaml:5:15: error: output 'Workflows/' of stage 'a' contains the workflow file 'Workflows/main.yaml'; a stage never writes its own workflow: write the output under another directory, e.g. 'results/'")
        #expect(errors(writing("Workflows"), file: "Workflows/main.yaml") == "Workflows/main.yaml:5:15: error: output 'Workflows' of stage 'a' contains the workflow file 'Workflows/main.yaml'; a stage never writes its own workflow: write the output under another directory, e.g. 'results/'")
        #expect(errors(writing("Workflows/other.yaml"), file: "Workflows/main.yaml") == nil)
    }

    @Test("a workflow file named by its absolute path is found inside the workspace")
    func absoluteWorkflowFile() throws {
        let dir = TemporaryDirectory()
        dir.write("flows/study.yaml", "")
        let root = try #require(FileIO.realPath(dir.path))
        let message = errors(writing("flows/"), file: root + "/flows/study.yaml", probe: DiskPathProbe(root: root))
        #expect(message == "\(root)/flows/study.yaml:5:15: error: output 'flows/' of stage 'a' contains the workflow file 'flows/study.yaml'; a stage never writes its own workflow: write the output under another directory, e.g. 'results/'")
    }

    @Test("a reserved directory reached through a symbolic link inside the workspace is refused")
    func reservedThroughLink() throws {
        let dir = TemporaryDirectory()
        dir.write(".git/HEAD", "ref: refs/heads/main\n")
        let root = try #require(FileIO.realPath(dir.path))
        #expect(symlink(root + "/.git", root + "/gitdir") == 0)
        #expect(errors(writing("gitdir/hooks/post-checkout"), probe: DiskPathProbe(root: root)) == "w.yaml:5:15: error: output 'gitdir/hooks/post-checkout' of stage 'a' lies in a '.git' directory (through a symbolic link, it is '.git/hooks/post-checkout'), which holds git's own data and is never an output; write it under another directory, e.g. 'results/'")
    }
}

@Suite("Output path rules: a stage reading its own output")
struct OwnOutputTests {
    @Test("an input equal to the stage's own output gets one message, not 'does not exist and no stage writes it'")
    func inputIsOwnOutput() {
        let yaml = "name: demo\nstages:\n  a:\n    run: x\n    inputs: [data/x.csv]\n    outputs: [./data/x.csv]\n"
        #expect(errors(yaml) == "w.yaml:5:14: error: stage 'a' reads its own output 'data/x.csv'; its outputs are cleared before it runs, so it cannot read them: read the original under another path and write the result to a new one, e.g. 'results/x.csv'")
        #expect(errors(yaml, probe: ExistingFiles(files: ["data/x.csv"])) == "w.yaml:5:14: error: stage 'a' reads its own output 'data/x.csv'; its outputs are cleared before it runs, so it cannot read them: read the original under another path and write the result to a new one, e.g. 'results/x.csv'")
    }

    @Test("an input naming the stage's own output by an absolute or '..' path is the same read")
    func ownOutputByAbsolutePath() throws {
        let dir = TemporaryDirectory()
        dir.write("ws/data/x.csv", "1\n")
        let root = try #require(FileIO.realPath(dir.path + "/ws"))
        for spelling in [root + "/data/x.csv", "../ws/data/x.csv"] {
            let yaml = "name: demo\nstages:\n  a:\n    run: x\n    inputs: ['\(spelling)']\n    outputs: [data/]\n"
            #expect(errors(yaml, probe: DiskPathProbe(root: root)) == "w.yaml:5:14: error: stage 'a' reads 'data/x.csv', which lies inside its own output 'data/'; its outputs are cleared before it runs, so it cannot read them: move the input out of 'data/', or write the output to another directory", "\(spelling)")
        }
    }

    @Test("an input inside the stage's own directory output is reported at the input")
    func inputInsideOwnDirectory() {
        let yaml = "name: demo\nstages:\n  a:\n    run: x\n    inputs: [data/raw.csv]\n    outputs: [data/]\n"
        #expect(errors(yaml, probe: ExistingFiles(files: ["data/raw.csv"])) == "w.yaml:5:14: error: stage 'a' reads 'data/raw.csv', which lies inside its own output 'data/'; its outputs are cleared before it runs, so it cannot read them: move the input out of 'data/', or write the output to another directory")
    }

    @Test("an output inside the stage's own input directory is reported at the input")
    func outputInsideOwnInput() {
        let yaml = "name: demo\nstages:\n  a:\n    run: x\n    inputs: [data/]\n    outputs: [data/summary.txt]\n"
        #expect(errors(yaml, probe: ExistingFiles(files: ["data"])) == "w.yaml:5:14: error: stage 'a' writes its output 'data/summary.txt' inside its own input 'data/'; a stage cannot read what it writes: write the output outside 'data/', e.g. 'results/summary.txt'")
    }

    @Test("a script the command runs from inside the stage's own directory output is reported")
    func scriptInsideOwnOutput() {
        let yaml = "name: demo\nstages:\n  a:\n    run: python3 out/gen.py\n    outputs: [out/]\n"
        #expect(errors(yaml, probe: ExistingFiles(files: ["out/gen.py"])) == "w.yaml:5:15: error: stage 'a' runs 'out/gen.py', which lies inside its own output 'out/'; its outputs are cleared before it runs: move 'out/gen.py' out of 'out/'")
        #expect(errors(yaml) == nil)
    }
}

@Suite("Output path rules: outputs and other stages' reads")
struct CrossStageOutputTests {
    @Test("an output inside a source directory another stage reads is refused")
    func outputInsideSourceDirectory() {
        let yaml = """
        name: demo
        stages:
          pack:
            run: tar cf pack.tar data
            inputs: [data/]
            outputs: [pack.tar]
          fetch:
            run: x
            outputs: [data/extra.csv]
        """
        #expect(errors(yaml, probe: ExistingFiles(files: ["data"])) == "w.yaml:9:15: error: output 'data/extra.csv' of stage 'fetch' lies inside 'data/', which stage 'pack' reads as a source; 'pack' would read it without waiting for 'fetch': write the output outside 'data/', or declare 'data/extra.csv' itself as an input of 'pack'")
    }

    @Test("reading a directory another stage writes, and a file inside it, stays valid")
    func readingProducedDirectory() {
        let yaml = """
        name: demo
        stages:
          split:
            run: x
            outputs: [parts/]
          all:
            run: y
            inputs: [parts/, parts/p1.txt]
            outputs: [all.txt]
        """
        #expect(errors(yaml) == nil)
    }

    @Test("a file output that is a directory another stage reads inside is refused at the output")
    func readInsideFileOutput() {
        let yaml = """
        name: demo
        stages:
          fetch:
            run: x
            outputs: [data]
          clean:
            run: y
            inputs: [data/raw.csv]
            outputs: [clean.csv]
        """
        #expect(errors(yaml, probe: ExistingFiles(files: ["data/raw.csv"])) == "w.yaml:5:15: error: output 'data' of stage 'fetch' is a file, but stage 'clean' reads 'data/raw.csv' inside it; clearing the output would delete that directory: declare 'data/' if 'fetch' writes the whole directory, or give the file another name")
    }

    @Test("an output inside another stage's file output is refused")
    func outputInsideFileOutput() {
        let yaml = """
        name: demo
        stages:
          a:
            run: x
            outputs: [results]
          b:
            run: y
            outputs: [results/b.txt]
        """
        #expect(errors(yaml) == "w.yaml:8:15: error: output 'results/b.txt' of stage 'b' lies inside file output 'results' of stage 'a'; a file cannot hold other files: give one of them another path")
    }
}

@Suite("Parameter names and stage ids that name files")
struct ParamAndStageIDTests {
    @Test("two workflow parameters differing only in case are refused, naming both")
    func workflowParamsCollide() {
        let yaml = "name: demo\nparams: {rate: 1, RATE: 2}\nstages:\n  a:\n    run: x\n"
        #expect(errors(yaml) == "w.yaml:2:19: error: parameters 'rate' of the workflow and 'RATE' of the workflow would both be exported as STUDYFLOW_PARAM_RATE; parameter names must differ in more than case: rename one of them")
    }

    @Test("a stage parameter colliding with a workflow parameter is refused; overriding the same name is fine")
    func stageParamCollidesWithWorkflow() {
        let yaml = "name: demo\nparams: {rate: 1}\nstages:\n  a:\n    run: x\n    params: {Rate: 2}\n  b:\n    run: x\n    params: {rate: 3}\n"
        #expect(errors(yaml) == "w.yaml:6:14: error: parameters 'rate' of the workflow and 'Rate' of stage 'a' would both be exported as STUDYFLOW_PARAM_RATE; parameter names must differ in more than case: rename one of them")
    }

    @Test("two parameters of one stage differing only in case are refused")
    func stageParamsCollide() {
        let yaml = "name: demo\nstages:\n  a:\n    run: x\n    params: {n_max: 1, N_MAX: 2}\n"
        #expect(errors(yaml) == "w.yaml:5:24: error: parameters 'n_max' of stage 'a' and 'N_MAX' of stage 'a' would both be exported as STUDYFLOW_PARAM_N_MAX; parameter names must differ in more than case: rename one of them")
    }

    @Test("a stage id longer than file names allow is refused with the limit; one at the limit is accepted")
    func stageIDLength() {
        let long = String(repeating: "s", count: 260)
        #expect(errors("name: demo\nstages:\n  \(long):\n    run: x\n") == "w.yaml:3:3: error: stage id '\(String(repeating: "s", count: 24))…' is 260 bytes long, but stage ids may have at most 200, because they name files such as '.studyflow/logs/RUN/ID.log' and file names hold at most 255 bytes; shorten it")
        #expect(errors("name: demo\nstages:\n  \(String(repeating: "s", count: 200)):\n    run: x\n") == nil)
        #expect(errors("name: demo\nstages:\n  \(String(repeating: "s", count: 201)):\n    run: x\n") != nil)
    }
}
