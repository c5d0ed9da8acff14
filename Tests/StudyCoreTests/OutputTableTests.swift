#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import StudyCore
import Testing
import _StudyTestSupport

/// An artifact from a path as a user writes it (`results/dir/` is a directory).
private func artifact(_ path: String) -> Artifact {
    path.hasSuffix("/") ? Artifact(path: String(path.dropLast()), isDirectory: true) : Artifact(path: path)
}

/// A shell stage reading and writing the given paths.
private func stage(_ id: String, reads: [String] = [], writes: [String] = [], run: String = "true") -> Stage {
    Stage(id: id, action: .shell(CommandTemplate(run)), inputs: reads.map(artifact), outputs: writes.map(artifact))
}

/// A disk where every path exists and stays inside.
private struct EveryPath: PathProbe {
    func exists(_ path: String) -> Bool { true }
    func staysInside(_ path: String) -> Bool { true }
}

/// The validator's diagnostics for `stages`, one per line, or "" when they are valid.
private func diagnostics(_ stages: [Stage]) -> String {
    do {
        _ = try WorkflowValidator(probe: EveryPath()).validate(Workflow(file: "w.yaml", name: "t", stages: stages))
        return ""
    } catch {
        return error.diagnostics.map(\.message).joined(separator: "\n")
    }
}

/// The validator builds one table of every output path and shares it with the output rules and
/// the graph; paths in one directory share their parents' answers. The answers must be the ones
/// each check gave with a table of its own.
@Suite("OutputTable: one table of outputs for every check")
struct OutputTableTests {
    @Test("a path declared twice keeps its first writer for messages and its last file, else directory, writer for edges")
    func duplicateWriters() {
        let stages = [stage("a", writes: ["x/", "y"]), stage("b", writes: ["x", "z"]), stage("c", writes: ["x/", "y"])]
        let table = OutputTable(stages)
        #expect(table.duplicates == [.init(stage: 1, output: 0), .init(stage: 2, output: 0), .init(stage: 2, output: 1)])
        #expect(table["x"]?.first == .init(stage: 0, output: 0))
        #expect(table["x"]?.firstFile == .init(stage: 1, output: 0))
        #expect(table.producer(of: "x") == 1)
        #expect(table.producer(of: "y") == 2)
        #expect(table.producer(of: "x/deep/file.txt") == 2)
        #expect(table.producer(of: "w") == nil)
        #expect(table.paths(in: stages) == ["x", "y", "z"])
    }

    @Test("the graph built from the validator's table and words equals the graph built alone")
    func sharedGraph() throws {
        let stages = [
            stage("gen", writes: ["out/", "tool.sh"]),
            stage("use", reads: ["out/a/b.txt"], writes: ["res/u.txt"], run: "sh tool.sh res/u.txt"),
            stage("dup", writes: ["res/u.txt"]),
            stage("last", reads: ["res/u.txt", "src/x.txt"], writes: ["final.txt"]),
        ]
        let workflow = Workflow(file: "w.yaml", name: "t", stages: stages)
        let alone = try StageGraph.build(workflow).get()
        let shared = try StageGraph.build(workflow, outputs: OutputTable(stages), commandWords: stages.map(CommandWords.candidates)).get()
        #expect(alone == shared)
        #expect(shared.dependencies == [[], [0], [], [2]])
        #expect(shared.inputProducers == [[], [0], [], [2, -1]])
    }

    @Test("outputs in one directory each get their own nesting message, the directory's writer none")
    func nestingShared() {
        let stages = [stage("a", writes: ["out/", "out/own.txt"]), stage("b", writes: ["out/x.txt", "out/y.txt", "f"]),
                      stage("c", writes: ["f/in.txt", "f/two.txt"])]
        // Every location is the same in memory: the messages come sorted.
        #expect(diagnostics(stages) == """
            output 'f/in.txt' of stage 'c' lies inside file output 'f' of stage 'b'; a file cannot hold other files: give one of them another path
            output 'f/two.txt' of stage 'c' lies inside file output 'f' of stage 'b'; a file cannot hold other files: give one of them another path
            output 'out/x.txt' of stage 'b' lies inside directory output 'out/' of stage 'a'; two stages may not write the same path
            output 'out/y.txt' of stage 'b' lies inside directory output 'out/' of stage 'a'; two stages may not write the same path
            """)
    }

    @Test("outputs in a directory read as a source are reported per writer, not for the reader itself")
    func sourceDirectoryShared() {
        let stages = [stage("r", reads: ["src/"], writes: ["src/mine.txt"]), stage("w", writes: ["src/a.txt", "src/b.txt"]),
                      stage("deep", writes: ["src/sub/c.txt"])]
        let reads = "which stage 'r' reads as a source; 'r' would read it without waiting for"
        #expect(diagnostics(stages) == """
            output 'src/a.txt' of stage 'w' lies inside 'src/', \(reads) 'w': write the output outside 'src/', or declare 'src/a.txt' itself as an input of 'r'
            output 'src/b.txt' of stage 'w' lies inside 'src/', \(reads) 'w': write the output outside 'src/', or declare 'src/b.txt' itself as an input of 'r'
            output 'src/sub/c.txt' of stage 'deep' lies inside 'src/', \(reads) 'deep': write the output outside 'src/', or declare 'src/sub/c.txt' itself as an input of 'r'
            stage 'r' writes its output 'src/mine.txt' inside its own input 'src/'; a stage cannot read what it writes: write the output outside 'src/', e.g. 'results/mine.txt'
            """)
    }

    @Test("reads inside a file output are reported once per file output, also when the reads share a directory")
    func readsInsideFile() {
        let stages = [stage("a", writes: ["data"]), stage("b", reads: ["data/x.csv", "data/y.csv"], writes: ["o1"]),
                      stage("c", reads: ["data/z.csv"], writes: ["o2"])]
        #expect(diagnostics(stages) ==
            "output 'data' of stage 'a' is a file, but stage 'b' reads 'data/x.csv' inside it; clearing the output would delete that directory: declare 'data/' if 'a' writes the whole directory, or give the file another name")
    }

    @Test("two directories that Unicode calls equal but whose bytes differ are remembered apart")
    func bytewiseDirectories() {
        var asked: [String] = []
        var memo = ParentMemo { directory -> String in directory }
        for path in ["caf\u{E9}/a.txt", "cafe\u{301}/b.txt", "cafe\u{301}/c.txt", "top.txt"] {
            if let directory = memo.value(for: path) { asked.append(directory) }
        }
        #expect(asked.map { Array($0.utf8) } == [Array("caf\u{E9}".utf8), Array("cafe\u{301}".utf8), Array("cafe\u{301}".utf8)])
    }

    @Test("'.git' and '.studyflow' are found as whole components only, wherever they stand")
    func reservedComponents() {
        #expect(OutputPathRules.component(".git", of: ".git") == true)
        #expect(OutputPathRules.component(".git", of: "a/.git/hooks") == false)
        #expect(OutputPathRules.component(".git", of: "a/.gitignore") == nil)
        #expect(OutputPathRules.component(".git", of: "a.git/x") == nil)
        #expect(OutputPathRules.component(".studyflow", of: "x/.studyflow") == true)
        #expect(OutputPathRules.component(".git", of: "results/x.txt") == nil)
    }

    @Test("the disk probe's one question per output answers as 'stays inside' and 'resolves to' do")
    func placeMatchesBoth() throws {
        let workspace = TemporaryDirectory()
        let elsewhere = TemporaryDirectory(prefix: "studyflow-elsewhere")
        workspace.write("results/keep.txt", "")
        workspace.write("real/inner/file.txt", "")
        #expect(symlink(elsewhere.path, workspace.path + "/away") == 0)
        #expect(symlink(workspace.path + "/real", workspace.path + "/alias") == 0)
        #expect(symlink(workspace.path + "/results/keep.txt", workspace.path + "/results/link.txt") == 0)
        let paths = ["results/keep.txt", "results/link.txt", "results/new.txt", "away/x.txt", "away/deep/y.txt", "alias/inner/new.txt",
                     "alias/file.txt", "alias", "new/dir/x.csv", "top.txt", "real/inner/file.txt"]
        let probe = DiskPathProbe(root: workspace.path)
        for path in paths {
            let place = probe.place(path)
            let fresh = DiskPathProbe(root: workspace.path)
            #expect(place.staysInside == fresh.staysInside(path), "\(path)")
            #expect(place.resolved == DiskPathProbe(root: workspace.path).resolve(path), "\(path)")
        }
        #expect(probe.place("away/x.txt") == (false, nil))
        #expect(probe.place("alias/inner/new.txt").resolved == "real/inner/new.txt")
        #expect(probe.place("results/new.txt").resolved == "results/new.txt")
    }
}

@Suite("WorkspacePath: the short cut for paths already normal")
struct NormalPathShortCutTests {
    @Test("normalize gives what the full rules give, for every path built from awkward components")
    func sameAsFullRules() {
        let parts = ["a", ".", "..", "", "x.txt", "...", ".git", "\u{600}", "\u{301}", "caf\u{E9}", "/", "b\u{600}"]
        var checked = 0
        // Every combination of up to three parts, joined by '/' and also by nothing.
        for a in parts {
            for b in parts {
                for c in parts {
                    for path in [[a, b, c].joined(separator: "/"), a + b + "/" + c, a + "/" + b + c + "/"] {
                        let short = WorkspacePath.normalize(path), full = WorkspacePath.normalizeFully(path)
                        #expect(short == full, "\(Array(path.utf8))")
                        if case .inside(let p, _) = short, case .inside(let q, _) = full { #expect(Array(p.utf8) == Array(q.utf8)) }
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == parts.count * parts.count * parts.count * 3)
        #expect(WorkspacePath.cleanDirectory("results/km.json") == false)
        #expect(WorkspacePath.cleanDirectory("results/") == true)
        #expect(WorkspacePath.cleanDirectory("results/./km.json") == nil)
    }
}

@Suite("CommandWords: short pieces are split without the memo")
struct ShortPieceTests {
    @Test("a piece gives the same candidates whether it is remembered or not, on both sides of the length limit")
    func sameCandidates() {
        let pieces = [" && echo s17 >> ", "cat ", " | cksum > ", "python3 scripts/clean.py data/raw.csv > ",
                      "sh a.sh " + String(repeating: "x", count: CommandWords.shortPiece - 8),
                      "sh a.sh " + String(repeating: "x", count: CommandWords.shortPiece - 7) + " b/c.txt",
                      "Rscript  analysis/km.R --input=data/in.csv 2> log.txt"]
        for piece in pieces {
            #expect(CommandWords.literalCandidates(piece) == CommandWords.computeCandidates(piece), "\(piece)")
            #expect(CommandWords.literalCandidates(piece) == CommandWords.computeCandidates(piece), "again: \(piece)")
        }
        #expect(CommandWords.literalCandidates("python3 scripts/clean.py data/raw.csv > ") == ["scripts/clean.py", "data/raw.csv"])
        #expect(CommandWords.literalCandidates("sh a.sh b/c.txt") == ["a.sh", "b/c.txt"])
    }
}
