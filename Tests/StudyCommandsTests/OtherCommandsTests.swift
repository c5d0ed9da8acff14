import Foundation
import Testing
import _StudyTestSupport

/// `init`, `graph`, `validate`, `gc`, `--help` and `--version` as a user meets them.
@Suite("other commands")
struct OtherCommandsTests {
    @Test("init scaffolds a workflow that runs, and refuses to overwrite without --force")
    func initCommand() throws {
        let dir = TemporaryDirectory()
        let created = try CLI.run(["init", "-C", dir.path])
        #expect(created.status == 0)
        #expect(created.stdout.hasPrefix("created Workflows/main.yaml\ncreated data/measurements.csv\ncreated scripts/clean.py\n"))
        let run = try CLI.run(["run", "-C", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(dir.read("results/summary.txt") == "n=3 mean=4.40\n")
        let again = try CLI.run(["init", "-C", dir.path])
        #expect(again.status == 2)
        #expect(again.stderr == "studyflow: error: 'Workflows/main.yaml' already exists; use --force to overwrite it\n")
    }

    static let diamond = """
    name: diamond
    stages:
      a:
        run: echo a > ${outputs}
        outputs: [a.txt]
      b:
        run: cat ${inputs} > ${outputs}
        inputs: [a.txt]
        outputs: [b.txt]
      c:
        run: cat ${inputs} > ${outputs}
        inputs: [a.txt]
        outputs: [c.txt]
      d:
        run: cat ${inputs} > ${outputs}
        inputs: [b.txt, c.txt]
        outputs: [d.txt]

    """

    @Test("graph prints dot, mermaid and json with every edge")
    func graph() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", Self.diamond)
        let dot = try CLI.run(["graph", "-C", dir.path])
        #expect(dot.status == 0)
        #expect(dot.stdout.contains("\"a\" -> \"b\";\n  \"a\" -> \"c\";\n  \"b\" -> \"d\";\n  \"c\" -> \"d\";\n}"), "\(dot.stdout)")
        let mermaid = try CLI.run(["graph", "-C", dir.path, "--format", "mermaid"])
        #expect(mermaid.stdout.hasSuffix("  s0 --> s1\n  s0 --> s2\n  s1 --> s3\n  s2 --> s3\n"))
        let json = try CLI.run(["graph", "-C", dir.path, "--format", "json"])
        #expect(json.stdout.contains("{\"depends_on\":[\"b\",\"c\"],\"inputs\":[\"b.txt\",\"c.txt\"],\"kind\":\"shell\",\"outputs\":[\"d.txt\"],\"stage\":\"d\"}"))
        let bad = try CLI.run(["graph", "-C", dir.path, "--format", "png"])
        #expect(bad.status == 2)
    }

    @Test("validate --all checks every workflow and exits 2 on the first bad one")
    func validateAll() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/good.yaml", Self.diamond)
        dir.write("Workflows/bad.yaml", "name: bad\nstages:\n  x:\n    run: cat ${inputs} > ${outputs}\n    inputs: [missing.txt]\n    outputs: [x.txt]\n")
        let result = try CLI.run(["validate", "-C", dir.path, "--all"])
        #expect(result.status == 2)
        #expect(result.stdout == "ok: Workflows/good.yaml: 4 stages\n")
        #expect(result.stderr == "Workflows/bad.yaml:5:14: error: input 'missing.txt' of stage 'x' does not exist and no stage writes it\nstudyflow: 1 error in Workflows/bad.yaml; nothing was run\n")
        let ambiguous = try CLI.run(["run", "-C", dir.path])
        #expect(ambiguous.status == 2)
        #expect(ambiguous.stderr.contains("Workflows/ has several workflows (bad.yaml, good.yaml)"))
    }

    @Test("gc drops superseded outputs but keeps everything current cached")
    func gc() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", "name: g\nparams: {n: 1}\nstages:\n  a:\n    run: echo ${params.n} > ${outputs}\n    outputs: [a.txt]\n")
        for n in ["1", "2", "3"] { #expect(try CLI.run(["run", "-C", dir.path, "--param", "n=\(n)"]).status == 0) }
        // Three versions of a.txt were stored; the latest stays.
        let preview = try CLI.run(["gc", "-C", dir.path, "-n"])
        #expect(preview.stdout == "studyflow: would remove 2 objects (4 bytes), 2 superseded records, 0 old log directories\n")
        let result = try CLI.run(["gc", "-C", dir.path, "--keep-logs", "1"])
        #expect(result.status == 0)
        #expect(result.stdout == "studyflow: removed 2 objects (4 bytes), 2 superseded records, 2 old log directories\n")
        // The current state (n=3 is on disk, so latest) is still up to date…
        let after = try CLI.run(["run", "-C", dir.path, "--param", "n=3", "--json"])
        #expect(after.stdout.contains("\"cached\":[\"a\"]"), "\(after.stdout)")
        // …and an old version is gone from the store, so it reruns instead of being restored.
        let old = try CLI.run(["run", "-C", dir.path, "--param", "n=1", "--json"])
        #expect(old.stdout.contains("\"ran\":[\"a\"]"), "\(old.stdout)")
    }

    @Test("--help shows examples and --version the version")
    func help() throws {
        let help = try CLI.run(["run", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Examples:\n  studyflow run "))
        let version = try CLI.run(["--version"])
        #expect(version.stdout == "studyflow 0.1.0\n")
        let usage = try CLI.run(["run", "-j", "0"])
        #expect(usage.status == 2)
    }
}
