import StudyCore
import Testing

/// The candidate words of a shell stage running `run` with the given declared paths.
private func candidates(_ run: String, inputs: [String] = [], outputs: [String] = []) -> [String] {
    let stage = Stage(id: "s", action: .shell(CommandTemplate(run)),
                      inputs: inputs.map { Artifact(path: $0) }, outputs: outputs.map { Artifact(path: $0) })
    return CommandWords.candidates(of: stage)
}

@Suite("CommandWords")
struct CommandWordsTests {
    @Test("the script a command runs is a candidate; the interpreter is not")
    func scriptIsCandidate() {
        #expect(candidates("python3 scripts/clean.py ${inputs.raw} > ${outputs.table}") == ["scripts/clean.py"])
        #expect(candidates("Rscript fit.R") == ["fit.R"])
        #expect(candidates("sh ./run.sh") == ["run.sh"])
    }

    @Test("redirection targets are outputs, not candidates")
    func redirectionTargetsExcluded() {
        #expect(candidates("python3 a.py > out.txt") == ["a.py"])
        #expect(candidates("python3 a.py >> log/out.txt 2> log/err.txt") == ["a.py"])
        #expect(candidates("python3 a.py &> all.log") == ["a.py"])
        #expect(candidates("python3 a.py 2>>err.log >out.txt") == ["a.py"])
    }

    @Test("an input redirection names a file the command reads")
    func inputRedirectionIsCandidate() {
        #expect(candidates("sort < data/in.txt > data/out.txt") == ["data/in.txt"])
    }

    @Test("flags are not candidates, but a path given as a flag's value is")
    func flags() {
        #expect(candidates("tool -v --fast --input=data/x.csv -o") == ["data/x.csv"])
    }

    @Test("declared inputs and outputs are not repeated")
    func declaredPathsExcluded() {
        #expect(candidates("cat data/raw.csv scripts/a.py ./results/x.csv", inputs: ["data/raw.csv"], outputs: ["results/x.csv"])
            == ["scripts/a.py"])
    }

    @Test("numbers, bare commands, absolute, home, parent and shell-expanded words are excluded")
    func nonPathsExcluded() {
        #expect(candidates("sleep 1.5 && echo 0.25 v1.2.3 cksum") == [])
        #expect(candidates("cat /etc/hosts ~/x.txt ../up.txt $HOME/a.txt data/*.csv ${HOME}/b.txt") == [])
        #expect(candidates("ls results/ .hidden") == [])
    }

    @Test("words inside placeholders are not scanned; literal text around them is")
    func placeholdersSkipped() {
        #expect(candidates("python3 ${inputs.script} lib/util.py ${params.x}") == ["lib/util.py"])
    }

    @Test("each path appears once, in order of first appearance, normalized")
    func uniqueInOrder() {
        #expect(candidates("cat b.txt a.txt ./b.txt a//a.txt a/a.txt") == ["b.txt", "a.txt", "a/a.txt"])
    }

    @Test("shell punctuation separates words")
    func punctuation() {
        #expect(candidates("(cd sub && make) | tee `cat list.txt`; echo \"x.csv\" 'y.csv'") == ["list.txt", "x.csv", "y.csv"])
    }

    @Test("stages sharing a command's text each leave out only their own declared paths")
    func sharedTextFilteredPerStage() {
        let run = "python3 fit.py data/a.csv data/b.csv > ${outputs.out}"
        #expect(candidates(run, inputs: ["data/a.csv"]) == ["fit.py", "data/b.csv"])
        #expect(candidates(run, inputs: ["data/b.csv", "fit.py"]) == ["data/a.csv"])
        #expect(candidates(run) == ["fit.py", "data/a.csv", "data/b.csv"])
    }

    @Test("a stage with many declared paths and many words keeps them unique and in order")
    func manyPathsAndWords() {
        let words = (0..<40).map { "w/\($0).txt" }
        let run = "cat " + (words + words.reversed()).joined(separator: " ") + " > ${outputs.out}"
        let declared = (0..<40).filter { $0.isMultiple(of: 2) }.map { "w/\($0).txt" }
        #expect(candidates(run, inputs: declared) == words.enumerated().filter { !$0.offset.isMultiple(of: 2) }.map(\.element))
    }

    @Test("built-in stages have no command words")
    func builtinHasNone() {
        let stage = Stage(id: "km", action: .builtin(kind: "survival/cox", with: .object([:])))
        #expect(CommandWords.candidates(of: stage) == [])
    }
}
