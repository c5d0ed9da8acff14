import StudyEngine
import Testing

/// What a sandboxed stage's failure message adds: the undeclared workspace path its log shows it
/// could not read (as cat, dash, Python, mawk, gawk and R word it) or write, or a general note.
@Suite("Sandbox diagnosis")
struct SandboxDiagnosisTests {
    private let onHost: Set<String> = ["data/b.csv", "data/my file.csv", "scripts/x.py", "ref/sub/y", "data"]
    private func note(_ log: String, byFlag: Bool = false) -> String {
        SandboxDiagnosis(root: "/ws", inputs: ["data/a.csv", "ref"], outputs: ["results/out.csv"], byFlag: byFlag)
            .note(log: log) { onHost.contains($0) }
    }
    private func read(_ path: String, _ optOut: String = "or set 'sandbox: false'") -> String {
        "; it ran sandboxed and could not read '\(path)', which is not among its inputs: declare it in 'inputs:' (or name it in 'run:'), \(optOut)"
    }
    private let general = "; it ran sandboxed, where only its inputs and the files its command names are visible and only its outputs are writable: declare what else it reads in 'inputs:', or set 'sandbox: false'"

    @Test("the undeclared path is named whichever program's words the log uses", arguments: [
        ("cat: data/b.csv: No such file or directory", "data/b.csv"),
        ("/bin/sh: 1: cannot open data/b.csv: No such file", "data/b.csv"),
        ("Traceback (most recent call last):\nFileNotFoundError: [Errno 2] No such file or directory: 'data/my file.csv'", "data/my file.csv"),
        ("python3: can't open file '/ws/scripts/x.py': [Errno 2] No such file or directory", "scripts/x.py"),
        ("mawk: cannot open data/b.csv (No such file or directory)", "data/b.csv"),
        ("awk: fatal: cannot open file `data/b.csv' for reading: No such file or directory", "data/b.csv"),
        ("Error in file(file, \"rt\") : cannot open the connection\nIn addition: Warning message:\n  cannot open file 'data/b.csv': No such file or directory", "data/b.csv"),
        ("line one\nsort: cannot read: ./data/../data/b.csv: No such file or directory", "data/b.csv"),
    ])
    func namesThePath(log: String, path: String) {
        #expect(note(log) == read(path))
    }

    @Test("declared inputs, paths inside an input directory, paths missing on the host too and paths outside the workspace are not blamed")
    func notBlamed() {
        #expect(note("cat: data/a.csv: No such file or directory") == general)
        #expect(note("cat: ref/sub/y: No such file or directory") == general)
        #expect(note("cat: data/typo.csv: No such file or directory") == general)
        #expect(note("cat: /etc/shadow: No such file or directory\ncat: ../outside: No such file or directory") == general)
        #expect(note("") == general)
    }

    @Test("a write outside the outputs is named as dash and Python report it")
    func undeclaredWrite() {
        let write = { (path: String) in
            "; it ran sandboxed and could not write '\(path)', which is not among its outputs: declare it in 'outputs:', or set 'sandbox: false'"
        }
        #expect(note("/bin/sh: 1: cannot create notes.txt: Read-only file system") == write("notes.txt"))
        #expect(note("OSError: [Errno 30] Read-only file system: 'data/new.csv'") == write("data/new.csv"))
        #expect(note("touch: cannot touch 'results/out.csv': Read-only file system") == general)
    }

    @Test("under 'run --sandbox' the fix is to run without the flag")
    func byFlag() {
        #expect(note("cat: data/b.csv: No such file or directory", byFlag: true) == read("data/b.csv", "or run without '--sandbox'"))
    }
}
