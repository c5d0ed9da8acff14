import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// Workflow files that are not plain UTF-8, or too large to be a workflow, as `validate` and `run` meet them.
@Suite("workflow file encodings and size")
struct WorkflowEncodingCommandTests {
    private func write(_ bytes: [UInt8], to path: String) {
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    }

    @Test("a Latin-1 workflow file is refused with line, column and byte offset, and nothing runs")
    func latin1() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/.keep", "")
        write(Array("name: caf".utf8) + [0xE9] + Array("\nstages:\n  a:\n    run: echo > a.txt\n    outputs: [a.txt]\n".utf8),
              to: dir.path + "/Workflows/main.yaml")
        let expected = "Workflows/main.yaml:1:10: error: invalid UTF-8 byte 0xe9 at byte offset 9 (line 1, column 10); the file is not UTF-8: save it as UTF-8 (e.g. 'iconv -f latin1 -t utf-8')\nstudyflow: 1 error in Workflows/main.yaml; nothing was run\n"
        let validate = try CLI.run(["validate", "-C", dir.path])
        #expect(validate.status == 2)
        #expect(validate.stderr == expected)
        let run = try CLI.run(["run", "-C", dir.path])
        #expect(run.status == 2)
        #expect(run.stderr == expected)
        #expect(dir.read("a.txt") == nil)
    }

    @Test("a workflow file with a UTF-8 BOM runs, and the ledger keeps its exact bytes")
    func byteOrderMark() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/.keep", "")
        let bytes = UTF8Check.byteOrderMark + Array("name: bom\nstages:\n  a:\n    run: echo café > ${outputs}\n    outputs: [a.txt]\n".utf8)
        write(bytes, to: dir.path + "/Workflows/main.yaml")
        let run = try CLI.run(["run", "-C", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(dir.read("a.txt") == "café\n")
        // Compared by blob id: reading git's output back as a Foundation string would drop the BOM.
        let stored = try GitCLI.run(["--git-dir", ".studyflow/provenance.git", "rev-parse", "refs/studyflow/runs:workflow.yaml"], in: dir.path)
        let file = try GitCLI.run(["hash-object", "Workflows/main.yaml"], in: dir.path)
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(stored.stdout == file.stdout)
    }

    @Test("a workflow file over 64 MiB is refused from its size, and a device or directory is not read at all")
    func oversized() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: big\n")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path + "/Workflows/main.yaml"))
        try handle.truncate(atOffset: (64 << 20) + (1 << 19))  // sparse: costs no disk
        try handle.close()
        let result = try CLI.run(["validate", "-C", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr == "Workflows/main.yaml:1:1: error: the workflow file is 64.5 MiB, over the limit of 64 MiB; split it into smaller files\nstudyflow: 1 error in Workflows/main.yaml; nothing was run\n")
        let device = try CLI.run(["validate", "-C", dir.path, "/dev/zero"])
        #expect(device.status == 2)
        #expect(device.stderr == "studyflow: error: workflow file '/dev/zero' is not a regular file; name a *.yaml file\n")
    }
}
