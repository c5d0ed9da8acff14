import Foundation
import Testing
import _StudyTestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `run` checks before anything runs, and what it leaves alone when it cannot start
/// (issue 13, item 11): nothing is written for a workflow that does not load, an unwritable
/// ledger stops the run before its first stage, and `.studyflow/` is kept out of git.
@Suite("preflight and first-run files")
struct PreflightTests {
    static let valid = "name: p\nstages:\n  one:\n    run: echo one > ${outputs}\n    outputs: [out.txt]\n"

    /// Every path under `root` (directories with a trailing slash) with file sizes, except the
    /// lock file, whose content is the last holder's pid.
    static func listing(_ root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var entries: [String] = []
        while let path = walker.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: root + "/" + path)
            if attributes?[.type] as? FileAttributeType == .typeDirectory { entries.append(path + "/"); continue }
            if path == ".studyflow/lock" { entries.append(path); continue }
            entries.append("\(path) \((attributes?[.size] as? Int) ?? -1)")
        }
        return entries.sorted()
    }

    @Test("run on an invalid workflow writes nothing: no .studyflow/, no log, no lock, no .gitignore", arguments: [
        "name: p\nstages:\n  one:\n    run: echo ${inputs.nope} > ${outputs}\n    outputs: [out.txt]\n",
        "name: p\nstages:\n  one: [unclosed\n",
        "name: p\nstages:\n  one:\n    run: cat ${inputs} > ${outputs}\n    inputs: [missing.csv]\n    outputs: [out.txt]\n",
    ])
    func invalidWorkflowWritesNothing(workflow: String) throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", workflow)
        try GitCLI.initRepository(dir.path)
        let before = Self.listing(dir.path)
        let result = try CLI.run(["run", "-C", dir.path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(!dir.exists(".studyflow"))
        #expect(Self.listing(dir.path) == before)
    }

    @Test("an unknown --param on a first run is a usage error that writes nothing")
    func unknownParamWritesNothing() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.valid)
        let result = try CLI.run(["run", "-C", dir.path, "--param", "seed=1"])
        #expect(result.status == 2)
        #expect(!dir.exists(".studyflow"))
    }

    @Test("after a good run, an invalid workflow adds no log, run number, record or ledger commit")
    func invalidAfterGoodRun() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.valid)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        dir.write("Workflows/main.yaml", "name: p\nstages:\n  one:\n    run: echo ${params.nope} > ${outputs}\n    outputs: [out.txt]\n")
        let before = Self.listing(dir.path).filter { !$0.hasPrefix("Workflows/") }
        let result = try CLI.run(["run", "-C", dir.path])
        #expect(result.status == 2)
        #expect(Self.listing(dir.path).filter { !$0.hasPrefix("Workflows/") } == before)
    }

    /// Makes `path` unwritable even for root (immutable), or with chmod for another user; nil when
    /// this machine can do neither.
    static func makeUnwritable(_ path: String) -> (() -> Void)? {
        if getuid() != 0 {
            chmod(path, 0o555)
            return { chmod(path, 0o755) }
        }
        guard system("chattr +i '\(path)' 2>/dev/null") == 0 else { return nil }
        return { _ = system("chattr -i '\(path)' 2>/dev/null") }
    }

    @Test("an unwritable .git stops the run before any stage runs, naming the directory and the fix",
          arguments: ["objects", "refs"])
    func unwritableLedger(part: String) throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.valid)
        try GitCLI.initRepository(dir.path)
        let target = dir.path + "/.git/" + part
        guard let restore = Self.makeUnwritable(target) else { return }
        defer { restore() }
        let result = try CLI.run(["run", "-C", dir.path])
        let reason = getuid() == 0 ? "Operation not permitted" : "Permission denied"
        #expect(result.status == 1)
        #expect(result.stderr == "studyflow: error: cannot record runs in the provenance ledger '\(dir.path)/.git': cannot create a file in '\(target)' (\(reason)); nothing was run: make that directory writable for this user, then run again\n")
        #expect(!dir.exists("out.txt"))
        #expect(!dir.exists(".studyflow/logs"))
        restore()
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(dir.read("out.txt") == "one\n")
    }

    @Test("an up-to-date workspace (the no-op shortcut) reports an unwritable .git the same way")
    func unwritableLedgerNoOp() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.valid)
        try GitCLI.initRepository(dir.path)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        let target = dir.path + "/.git/objects"
        guard let restore = Self.makeUnwritable(target) else { return }
        defer { restore() }
        let reason = getuid() == 0 ? "Operation not permitted" : "Permission denied"
        for _ in 0..<2 {
            let result = try CLI.run(["run", "-C", dir.path])
            #expect(result.status == 1)
            #expect(result.stderr == "studyflow: error: cannot record runs in the provenance ledger '\(dir.path)/.git': cannot create a file in '\(target)' (\(reason)); nothing was run: make that directory writable for this user, then run again\n")
        }
    }

    @Test("init adds .studyflow/ to .gitignore: creates it, appends once, keeps the user's lines")
    func initIgnoresState() throws {
        let fresh = TemporaryDirectory()
        let created = try CLI.run(["init", "-C", fresh.path])
        #expect(created.status == 0)
        #expect(created.stdout.contains("created .gitignore (ignores .studyflow/, studyflow's store)\n"))
        #expect(fresh.read(".gitignore") == ".studyflow/\n")

        let existing = TemporaryDirectory()
        existing.write(".gitignore", "# mine\n*.tmp\n!keep.tmp")
        let appended = try CLI.run(["init", "-C", existing.path])
        #expect(appended.stdout.contains("added .studyflow/ to .gitignore\n"))
        #expect(existing.read(".gitignore") == "# mine\n*.tmp\n!keep.tmp\n.studyflow/\n")
        let again = try CLI.run(["init", "-C", existing.path, "--force"])
        #expect(again.status == 0)
        #expect(!again.stdout.contains(".gitignore"))
        #expect(existing.read(".gitignore") == "# mine\n*.tmp\n!keep.tmp\n.studyflow/\n")

        let spelled = TemporaryDirectory()
        spelled.write(".gitignore", "/.studyflow\n")
        _ = try CLI.run(["init", "-C", spelled.path])
        #expect(spelled.read(".gitignore") == "/.studyflow\n")
    }

    @Test("the first run adds .studyflow/ to .gitignore inside a git work tree only, and git then ignores it")
    func firstRunIgnoresState() throws {
        let outside = TemporaryDirectory()
        outside.write("Workflows/main.yaml", Self.valid)
        #expect(try CLI.run(["run", "-C", outside.path]).status == 0)
        #expect(!outside.exists(".gitignore"))

        let repo = TemporaryDirectory()
        repo.write("Workflows/main.yaml", Self.valid)
        repo.write(".gitignore", "build/\n")
        try GitCLI.initRepository(repo.path)
        #expect(try CLI.run(["run", "-C", repo.path]).status == 0)
        #expect(repo.read(".gitignore") == "build/\n.studyflow/\n")
        let status = try GitCLI.run(["status", "--porcelain", "--untracked-files=all"], in: repo.path)
        #expect(!status.stdout.contains(".studyflow"), "\(status.stdout)")
        // A repository that already ignores it (here from its root) gets no new .gitignore.
        let nested = TemporaryDirectory()
        nested.write(".gitignore", ".studyflow/\n")
        nested.write("study/Workflows/main.yaml", Self.valid)
        try GitCLI.initRepository(nested.path)
        #expect(try CLI.run(["run", "-C", nested.path + "/study"]).status == 0)
        #expect(!nested.exists("study/.gitignore"))
        #expect(nested.read(".gitignore") == ".studyflow/\n")

        // Later runs leave the file alone, even after the user removes the line.
        repo.write(".gitignore", "build/\n")
        repo.delete("out.txt")
        #expect(try CLI.run(["run", "-C", repo.path]).status == 0)
        #expect(repo.read(".gitignore") == "build/\n")
    }
}
