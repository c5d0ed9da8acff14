#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

/// The store under faults, as a user meets it (issue 13 items 6–8): an input edited while its
/// stage runs, a corrupt object, partial temp files, and a symbolic link out of the workspace.
@Suite("store faults")
struct StoreFaultsCommandTests {
    /// A workspace whose one stage wrote `hello\n`, after a run, with the stored object's bytes
    /// flipped to `hellp\n` (its name no longer matches them): the workspace, the digest and the
    /// object's path.
    static func corruptedHello() throws -> (TemporaryDirectory, Digest, String) {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: c\nstages:\n  a:\n    run: echo hello > ${outputs}\n    outputs: [a.txt]\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        let digest = Digest.of(string: "hello\n")
        let object = StoreLayout(root: dir.path).object(digest)
        chmod(object, 0o644)
        try FileIO.writeAtomically(object, Array("hellp\n".utf8), durable: false)
        return (dir, digest, object)
    }

    @Test("a stage that edits its own input fails with the reason and is never cached")
    func stageEditsItsInput() throws {
        let dir = TemporaryDirectory()
        dir.write("in.txt", "data\n")
        dir.write("Workflows/main.yaml", "name: e\nstages:\n  edit:\n    run: echo x >> in.txt; cat in.txt > ${outputs}\n    inputs: [in.txt]\n    outputs: [out.txt]\n")
        let first = try CLI.run(["run", "-C", dir.path])
        #expect(first.status == 1)
        #expect(first.stderr.contains("studyflow: error: input 'in.txt' changed while stage 'edit' ran, so its outputs were not cached; run again when nothing is editing it\n"), "\(first.stderr)")
        let second = try CLI.run(["run", "-C", dir.path, "--json"])
        #expect(second.status == 1)
        #expect(second.stdout.contains("\"failed\":[\"edit\"]"), "\(second.stdout)")
        // Once the workflow stops editing its input, the input as it is now gives a cached result.
        dir.write("Workflows/main.yaml", "name: e\nstages:\n  edit:\n    run: cat in.txt > ${outputs}\n    inputs: [in.txt]\n    outputs: [out.txt]\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        #expect(dir.read("out.txt") == dir.read("in.txt"))
        #expect(try CLI.run(["run", "-C", dir.path, "--json"]).stdout.contains("\"cached\":[\"edit\"]"))
    }

    @Test("a corrupt object is quarantined and its stage rerun with a warning; the run succeeds")
    func corruptObjectRecovers() throws {
        let (dir, digest, object) = try Self.corruptedHello()
        dir.delete("a.txt")

        let result = try CLI.run(["run", "-C", dir.path, "-j", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("studyflow: warning: object \(digest.short) of output 'a.txt' of stage 'a' was corrupt in the store; moved it to '.studyflow/quarantine/\(digest.hex)' and reran the stage\n"), "\(result.stderr)")
        #expect(result.stdout.contains("ran      a"), "\(result.stdout)")
        #expect(dir.read("a.txt") == "hello\n")
        #expect(dir.read(".studyflow/quarantine/\(digest.hex)") == "hellp\n")
        #expect(FileIO.readText(object) == "hello\n")
        let fsck = try CLI.run(["fsck", "-C", dir.path])
        #expect(fsck.status == 0)
        #expect(fsck.stdout == "studyflow: checked 1 object and 1 record: no problems found\n")
    }

    @Test("fsck quarantines a corrupt object; a record it leaves without its object is named and then rerun")
    func fsckFindsCorruptObject() throws {
        let (dir, digest, object) = try Self.corruptedHello()
        dir.delete("a.txt")

        let fsck = try CLI.run(["fsck", "-C", dir.path])
        #expect(fsck.status == 0)
        let lines = fsck.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 4, "\(fsck.stdout)")
        #expect(lines.first == "studyflow: corrupt object '.studyflow/objects/\(digest.hex.prefix(2))/\(digest.hex.dropFirst(2))' (its bytes do not match its name): moved to '.studyflow/quarantine/\(digest.hex)'")
        #expect(lines.dropFirst().first?.hasPrefix("studyflow: record of stage 'a' (key ") == true)
        #expect(lines.dropFirst().first?.hasSuffix(") names missing object \(digest.short) for output 'a.txt'; it is ignored and the stage reruns when that output is needed") == true)
        #expect(lines.dropFirst(2).first == "studyflow: checked 1 object and 1 record: 1 corrupt object quarantined, 1 record ignored")
        let run = try CLI.run(["run", "-C", dir.path, "--json"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"ran\":[\"a\"]"), "\(run.stdout)")
        #expect(dir.read("a.txt") == "hello\n")
    }

    @Test("fsck stores a corrupt object again from the workspace when the output there is intact")
    func fsckRestocksFromWorkspace() throws {
        let (dir, digest, object) = try Self.corruptedHello()

        let fsck = try CLI.run(["fsck", "-C", dir.path])
        #expect(fsck.status == 0)
        #expect(fsck.stdout == """
            studyflow: corrupt object '.studyflow/objects/\(digest.hex.prefix(2))/\(digest.hex.dropFirst(2))' (its bytes do not match its name): moved to '.studyflow/quarantine/\(digest.hex)'
            studyflow: stored object \(digest.short) of output 'a.txt' (stage 'a') again from the workspace, which still holds those bytes
            studyflow: checked 1 object and 1 record: 1 corrupt object quarantined, 1 object stored again

            """)
        #expect(FileIO.readText(object) == "hello\n")
        dir.delete("a.txt")
        let run = try CLI.run(["run", "-C", dir.path, "--json"])
        #expect(run.stdout.contains("\"restored\":[\"a\"]"), "\(run.stdout)")
        #expect(dir.read("a.txt") == "hello\n")
    }

    @Test("gc and fsck remove partial temp objects left by a killed run")
    func partialTemporaries() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: t\nstages:\n  a:\n    run: echo hello > ${outputs}\n    outputs: [a.txt]\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        let temp = ".studyflow/objects/.tmp-2147483646-12-incoming"
        dir.write(temp, "the first half of a large output")
        let gc = try CLI.run(["gc", "-C", dir.path])
        #expect(gc.status == 0)
        #expect(gc.stdout == "studyflow: removed partial temp file '\(temp)'\nstudyflow: removed 0 objects (0 bytes), 0 superseded records, 0 old log directories\n")
        #expect(!dir.exists(temp))

        dir.write(temp, "again")
        let fsck = try CLI.run(["fsck", "-C", dir.path, "--json"])
        #expect(fsck.status == 0)
        #expect(fsck.stdout.contains("\"temp_files_removed\":[\"\(temp)\"]"), "\(fsck.stdout)")
        #expect(fsck.stdout.contains("\"ok\":true"))
        #expect(!dir.exists(temp))
    }

    @Test("a restore through an output directory replaced by a link to outside is refused; nothing is written there")
    func restoreThroughSymlink() throws {
        let dir = TemporaryDirectory()
        let outside = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: s\nstages:\n  a:\n    run: echo hi > ${outputs}\n    outputs: [results/a.txt]\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        // A first run compiles before taking the lock and caches nothing; a second run that checks
        // fully (--verbose: the no-op shortcut would not load the workflow) caches the compiled
        // workflow, so the next load skips the validator (which would refuse the link).
        #expect(try CLI.run(["run", "-C", dir.path, "--verbose"]).status == 0)
        dir.delete("results")
        #expect(symlink(outside.path, dir.path + "/results") == 0)

        let restore = try CLI.run(["run", "-C", dir.path])
        #expect(restore.status == 1)
        #expect(restore.stderr.contains("studyflow: error: stage 'a': output 'results/a.txt' leaves the workspace through symbolic link 'results' to '\(outside.path)'; studyflow writes nothing through it; replace the link with a real directory inside the workspace and rerun\n"), "\(restore.stderr)")
        #expect(try FileIO.listDirectory(outside.path) == [])

        let forced = try CLI.run(["run", "-C", dir.path, "--force", "a"])
        #expect(forced.status == 1)
        #expect(forced.stderr.contains("studyflow: error: stage 'a': output 'results/a.txt' leaves the workspace through symbolic link 'results' to '\(outside.path)'"), "\(forced.stderr)")
        #expect(try FileIO.listDirectory(outside.path) == [])
    }
}
