#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import Testing
import _StudyTestSupport

/// An in-memory disk: the source files that exist and the output paths that escape through a link.
private struct FakeProbe: PathProbe {
    var files: Set<String> = []
    var escaping: Set<String> = []

    func exists(_ path: String) -> Bool { files.contains(path) }
    func staysInside(_ path: String) -> Bool { !escaping.contains(path) }
}

/// The diagnostics of validating `yaml`, or `nil` when it is valid.
private func validationErrors(_ yaml: String, probe: any PathProbe = FakeProbe()) throws -> String? {
    let workflow = try WorkflowLoader().load(text: yaml, file: "w.yaml")
    do {
        _ = try WorkflowValidator(probe: probe).validate(workflow)
        return nil
    } catch {
        return error.description
    }
}

@Suite("WorkflowValidator")
struct WorkflowValidatorTests {
    @Test("a valid workflow gives its graph")
    func validWorkflow() throws {
        let workflow = try WorkflowLoader().load(text: WorkflowFixtures.diamond, file: "w.yaml")
        let probe = FakeProbe(files: ["data/x.txt", "data/y.txt"])
        let graph = try WorkflowValidator(probe: probe).validate(workflow)
        #expect(graph.order == [0, 1, 2, 3])
        #expect(graph.dependencies == [[], [0], [0], [1, 2]])
    }

    @Test("two stages writing the same output are reported at the second, naming the first's line")
    func duplicateOutput() throws {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo a > results/x.csv
            outputs: [results/x.csv]
          b:
            run: echo b > results/x.csv
            outputs: [./results//x.csv]
        """
        #expect(try validationErrors(yaml) == "w.yaml:8:15: error: output 'results/x.csv' of stage 'b' is also written by stage 'a' (line 5); give one of them another path")
    }

    @Test("an output inside another stage's directory output is reported")
    func outputInsideDirectoryOutput() throws {
        let yaml = """
        name: demo
        stages:
          a:
            run: mkdir -p results/dir
            outputs: [results/dir/]
          b:
            run: echo b > results/dir/extra.txt
            outputs: [results/dir/extra.txt]
        """
        #expect(try validationErrors(yaml) == "w.yaml:8:15: error: output 'results/dir/extra.txt' of stage 'b' lies inside directory output 'results/dir/' of stage 'a'; two stages may not write the same path")
    }

    @Test("a directory output declared after an output inside it is reported too")
    func directoryOutputDeclaredLater() throws {
        let yaml = """
        name: demo
        stages:
          b:
            run: echo b > results/dir/extra.txt
            outputs: [results/dir/extra.txt]
          a:
            run: mkdir -p results/dir
            outputs: [results/]
        """
        #expect(try validationErrors(yaml) == "w.yaml:5:15: error: output 'results/dir/extra.txt' of stage 'b' lies inside directory output 'results/' of stage 'a'; two stages may not write the same path")
    }

    @Test("a stage may write files inside its own directory output")
    func nestedInOwnDirectory() throws {
        let yaml = "name: demo\nstages:\n  a:\n    run: x\n    outputs: [results/, results/summary.txt]\n"
        #expect(try validationErrors(yaml) == nil)
    }

    @Test("an input nobody writes and that does not exist suggests a produced path")
    func missingInputWithSuggestion() throws {
        let yaml = """
        name: demo
        stages:
          a:
            run: echo a
            outputs: [results/clean.csv]
          b:
            run: echo b
            inputs: {table: results/clen.csv}
        """
        #expect(try validationErrors(yaml) == "w.yaml:8:21: error: input 'results/clen.csv' of stage 'b' does not exist and no stage writes it; did you mean 'results/clean.csv'?")
    }

    @Test("an input nobody writes and far from every produced path gets no suggestion")
    func missingInputWithoutSuggestion() throws {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo a\n    inputs: [data/raw.csv]\n"
        #expect(try validationErrors(yaml) == "w.yaml:5:14: error: input 'data/raw.csv' of stage 'a' does not exist and no stage writes it")
    }

    @Test("an input that exists as a source file is accepted")
    func sourceInputExists() throws {
        let yaml = "name: demo\nstages:\n  a:\n    run: echo a\n    inputs: [data/raw.csv]\n"
        #expect(try validationErrors(yaml, probe: FakeProbe(files: ["data/raw.csv"])) == nil)
    }

    @Test("an input inside another stage's directory output is produced by that stage")
    func inputInsideDirectoryOutput() throws {
        let yaml = """
        name: demo
        stages:
          a:
            run: x
            outputs: [results/parts/]
          b:
            run: y
            inputs: [results/parts/part-1.txt]
        """
        #expect(try validationErrors(yaml) == nil)
    }

    @Test("the did-you-mean among produced paths does not depend on dictionary order")
    func suggestionIsDeterministic() async throws {
        // 'results/c.csv' is one edit from every produced path, so the hint is a tie. Swift seeds
        // Dictionary order per process, so each exit test below sees a fresh order; the hint must
        // still be the alphabetically first produced path every time.
        for _ in 0..<6 {
            await #expect(processExitsWith: .success) {
                let yaml = """
                name: demo
                stages:
                  a:
                    run: x
                    outputs: [results/e.csv, results/d.csv, results/b.csv, results/a.csv]
                  b:
                    run: y
                    inputs: [results/c.csv]
                """
                let workflow = try WorkflowLoader().load(text: yaml, file: "w.yaml")
                do {
                    _ = try WorkflowValidator(probe: FakeProbe()).validate(workflow)
                } catch {
                    let expected = "w.yaml:8:14: error: input 'results/c.csv' of stage 'b' does not exist and no stage writes it; did you mean 'results/a.csv'?"
                    exit("\(error)" == expected ? 0 : 1)
                }
                exit(2)
            }
        }
    }

    @Test("an output leaving the workspace through a link is reported")
    func escapingOutputFakeProbe() throws {
        let yaml = "name: demo\nstages:\n  a:\n    run: x\n    outputs: [results/x.csv]\n"
        let probe = FakeProbe(escaping: ["results/x.csv"])
        #expect(try validationErrors(yaml, probe: probe) == "w.yaml:5:15: error: output 'results/x.csv' of stage 'a' leaves the workspace through a symbolic link; write it to a real directory inside the workspace")
    }

    @Test("a dependency cycle prints its path at the first stage's position")
    func dependencyCycle() throws {
        let yaml = """
        name: demo
        stages:
          a:
            run: x
            inputs: [c.txt]
            outputs: [a.txt]
          b:
            run: x
            inputs: [a.txt]
            outputs: [b.txt]
          c:
            run: x
            inputs: [b.txt]
            outputs: [c.txt]
        """
        #expect(try validationErrors(yaml) == "w.yaml:3:3: error: dependency cycle: a -> b -> c -> a")
    }

    @Test("a cycle declared out of order still starts at the first-declared stage, in data-flow order")
    func dependencyCycleOutOfOrder() throws {
        let yaml = """
        name: demo
        stages:
          source:
            run: x
            outputs: [s.txt]
          late:
            run: x
            inputs: [early.txt, s.txt]
            outputs: [late.txt]
          early:
            run: x
            inputs: [late.txt]
            outputs: [early.txt]
        """
        #expect(try validationErrors(yaml) == "w.yaml:6:3: error: dependency cycle: late -> early -> late")
    }

    @Test("a cycle through a command word (an undeclared script another stage writes) is found")
    func cycleThroughCommandWord() throws {
        let yaml = """
        name: demo
        stages:
          a:
            run: python3 gen/b.py > gen/a.py
            outputs: [gen/a.py]
          b:
            run: python3 gen/a.py > gen/b.py
            outputs: [gen/b.py]
        """
        #expect(try validationErrors(yaml) == "w.yaml:3:3: error: dependency cycle: a -> b -> a")
    }
}

@Suite("WorkflowValidator with DiskPathProbe")
struct WorkflowValidatorDiskTests {
    @Test("an input that exists on disk is accepted; a missing one is reported")
    func inputsOnDisk() throws {
        let dir = TemporaryDirectory()
        dir.write("data/raw.csv", "x\n")
        let yaml = "name: demo\nstages:\n  a:\n    run: x\n    inputs: [data/raw.csv, data/other.csv]\n"
        #expect(try validationErrors(yaml, probe: DiskPathProbe(root: dir.path)) == "w.yaml:5:28: error: input 'data/other.csv' of stage 'a' does not exist and no stage writes it")
    }

    @Test("an absolute input is probed as is")
    func absoluteInputOnDisk() throws {
        let dir = TemporaryDirectory()
        dir.write("raw.csv", "x\n")
        let probe = DiskPathProbe(root: dir.path)
        #expect(probe.exists(dir.path + "/raw.csv"))
        #expect(probe.exists("raw.csv"))
        #expect(!probe.exists("nope.csv"))
    }

    @Test("an output under a symlink to a directory outside the workspace is reported")
    func symlinkEscape() throws {
        let workspace = TemporaryDirectory()
        let elsewhere = TemporaryDirectory(prefix: "studyflow-elsewhere")
        #expect(symlink(elsewhere.path, workspace.path + "/results") == 0)
        let yaml = "name: demo\nstages:\n  a:\n    run: x\n    outputs: [results/deep/x.csv]\n"
        #expect(try validationErrors(yaml, probe: DiskPathProbe(root: workspace.path)) == "w.yaml:5:15: error: output 'results/deep/x.csv' of stage 'a' leaves the workspace through a symbolic link; write it to a real directory inside the workspace")
    }

    @Test("an output that is itself a symlink to a file outside is reported")
    func symlinkedOutputFile() throws {
        let workspace = TemporaryDirectory()
        let elsewhere = TemporaryDirectory(prefix: "studyflow-elsewhere")
        elsewhere.write("target.csv", "x\n")
        workspace.write("results/keep.txt", "")
        #expect(symlink(elsewhere.path + "/target.csv", workspace.path + "/results/x.csv") == 0)
        let probe = DiskPathProbe(root: workspace.path)
        #expect(!probe.staysInside("results/x.csv"))
        #expect(probe.staysInside("results/keep.txt"))
    }

    @Test("a symlink to a directory inside the workspace is fine")
    func symlinkInside() throws {
        let workspace = TemporaryDirectory()
        workspace.write("real/keep.txt", "")
        #expect(symlink(workspace.path + "/real", workspace.path + "/results") == 0)
        let probe = DiskPathProbe(root: workspace.path)
        #expect(probe.staysInside("results/x.csv"))
        #expect(probe.staysInside("not/yet/created.csv"))
    }

    @Test("a sibling directory whose name extends the root's is outside")
    func siblingPrefixIsOutside() throws {
        let parent = TemporaryDirectory()
        parent.write("ws/keep.txt", "")
        parent.write("ws-other/keep.txt", "")
        #expect(symlink(parent.path + "/ws-other", parent.path + "/ws/results") == 0)
        let probe = DiskPathProbe(root: parent.path + "/ws")
        #expect(!probe.staysInside("results/x.csv"))
    }
}
