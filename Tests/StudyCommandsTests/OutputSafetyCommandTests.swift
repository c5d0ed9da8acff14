import Foundation
import Testing
import _StudyTestSupport

/// Issue 13 item 2 end to end: a run never deletes data studyflow did not make.
@Suite("studyflow run keeps user data at output paths")
struct OutputSafetyCommandTests {
    @Test("a directory output over a source file another stage reads is refused at load; the file survives")
    func dataDirectoryExample() throws {
        let dir = TemporaryDirectory()
        dir.write("data/raw.csv", "id,months\n1,12\n")
        dir.write("Workflows/main.yaml", """
        name: data
        stages:
          prep:
            run: mkdir -p ${outputs.dir} && echo derived > ${outputs.dir}/derived.csv
            outputs: {dir: data/}
          use:
            run: wc -l < ${inputs.raw} > ${outputs.lines}
            inputs: {raw: data/raw.csv}
            outputs: {lines: results/lines.txt}

        """)
        for command in [["run"], ["validate"], ["run", "-n"]] {
            let result = try CLI.run(command + ["-C", dir.path])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr == """
            Workflows/main.yaml:5:20: error: output 'data/' of stage 'prep' would replace the existing 'data/', which holds 'data/raw.csv' that stage 'use' reads and studyflow did not make; write the output to a new directory, e.g. 'results/data/', or move 'data/' away if 'prep' should make it
            studyflow: 1 error in Workflows/main.yaml; nothing was run

            """, "\(command)")
        }
        #expect(dir.read("data/raw.csv") == "id,months\n1,12\n")
        #expect(!dir.exists(".studyflow/logs"))
    }

    @Test("a user's directory at a file output path is moved aside with a note, and the run succeeds")
    func userDirectoryMovedAside() throws {
        let dir = TemporaryDirectory()
        dir.write("results/summary.txt/notes.md", "my notes\n")
        dir.write("Workflows/main.yaml", """
        name: notes
        stages:
          summarize:
            run: echo done > ${outputs.out}
            outputs: {out: results/summary.txt}

        """)
        let result = try CLI.run(["run", "-C", dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("studyflow: note: stage 'summarize': moved 'results/summary.txt' to '.studyflow/trash/1/results/summary.txt' instead of deleting it: studyflow did not make it, so the store could not give it back; to restore it, move it back (e.g. 'mv .studyflow/trash/1/results/summary.txt <path>'); to discard it, 'rm -r .studyflow/trash/1'\n"), "\(result.stderr)")
        #expect(dir.read(".studyflow/trash/1/results/summary.txt/notes.md") == "my notes\n")
        #expect(dir.read("results/summary.txt") == "done\n")
        // Its own output is deleted as before when the stage reruns: nothing more is set aside.
        let again = try CLI.run(["run", "-C", dir.path, "--force-all", "--json"])
        #expect(again.status == 0)
        #expect(!again.stdout.contains("moved_aside"))
        #expect(!dir.exists(".studyflow/trash/2"))
    }

    @Test("run --json lists what was moved aside in the stage's event")
    func movedAsideInJSON() throws {
        let dir = TemporaryDirectory()
        dir.write("results/summary.txt", "hand-written\n")
        dir.write("Workflows/main.yaml", "name: notes\nstages:\n  summarize:\n    run: echo done > ${outputs.out}\n    outputs: {out: results/summary.txt}\n")
        let result = try CLI.run(["run", "-C", dir.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"moved_aside\":[{\"note\":\"moved 'results/summary.txt' to '.studyflow/trash/1/results/summary.txt' instead of deleting it"), "\(result.stdout)")
        #expect(result.stdout.contains("\"path\":\"results/summary.txt\",\"to\":\".studyflow/trash/1/results/summary.txt\"}]"), "\(result.stdout)")
        #expect(dir.read(".studyflow/trash/1/results/summary.txt") == "hand-written\n")
    }
}
