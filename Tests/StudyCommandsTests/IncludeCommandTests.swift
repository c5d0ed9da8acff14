import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// `include:`, `--params-file` and `--profile` through the real binary: what runs, what is cached,
/// what is recorded, and the exact messages of mistakes.
@Suite("include, params files and profiles (CLI)")
struct IncludeCommandTests {
    static let workflow = """
    name: cohorts
    params: {items: [a, b], label: base, width: 1}
    include: [cohorts/*.yaml]
    profiles:
      wide: {params: {width: 5, label: wide}, jobs: 1}
    stages:
      items:
        run: echo ${params.items} ${params.label} > ${outputs.out}
        outputs: {out: results/items.txt}

    """

    static let msk = """
    stages:
      msk:
        run: echo msk ${params.width} > ${outputs.out}
        outputs: {out: results/msk.txt}

    """

    static func workspace() -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        dir.write("Workflows/study.yaml", workflow)
        dir.write("Workflows/cohorts/msk.yaml", msk)
        return dir
    }

    /// The stages a run reported as ran, from its `--json` summary.
    static func ran(_ dir: TemporaryDirectory, _ extra: [String] = []) throws -> [String] {
        let result = try CLI.run(["run", "-C", dir.path, "--json"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let start = summary.range(of: "\"ran\":[")?.upperBound, let end = summary[start...].firstIndex(of: "]") else { return ["?"] }
        return summary[start..<end].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    }

    @Test("stages of included files run; editing one reruns only its stage, also after the no-op snapshot")
    func includedFileChanges() throws {
        let dir = Self.workspace()
        #expect(try Self.ran(dir) == ["items", "msk"])
        #expect(dir.read("results/msk.txt") == "msk 1\n")
        usleep(200_000)
        #expect(try Self.ran(dir) == [])
        #expect(try Self.ran(dir) == [])  // answered from the snapshot
        dir.write("Workflows/cohorts/msk.yaml", Self.msk.replacingOccurrences(of: "echo msk", with: "echo MSK"))
        // status reads the compiled-workflow cache (no snapshot): it must see the edit too.
        let status = try CLI.run(["status", "-C", dir.path, "--json"])
        #expect(status.stdout.contains("{\"action\":\"run\",\"reasons\":[\"command changed\"],\"stage\":\"msk\",\"state\":\"stale\"}"), "\(status.stdout)")
        #expect(try Self.ran(dir) == ["msk"])
        #expect(dir.read("results/msk.txt") == "MSK 1\n")
    }

    @Test("a new file matching the pattern adds its stage; a removed one takes it away")
    func newIncludedFile() throws {
        let dir = Self.workspace()
        #expect(try Self.ran(dir) == ["items", "msk"])
        usleep(200_000)
        #expect(try Self.ran(dir) == [])
        #expect(try Self.ran(dir) == [])
        dir.write("Workflows/cohorts/nsclc.yaml", Self.msk.replacingOccurrences(of: "msk", with: "nsclc"))
        #expect(try Self.ran(dir) == ["nsclc"])
        dir.delete("Workflows/cohorts/nsclc.yaml")
        let status = try CLI.run(["status", "-C", dir.path, "--json"])
        #expect(!status.stdout.contains("nsclc"))
    }

    @Test("a params file replaces a list param; --param wins over it; names are checked in the file")
    func paramsFile() throws {
        let dir = Self.workspace()
        #expect(try Self.ran(dir) == ["items", "msk"])
        dir.write("params/full.yaml", "items: [x, y, z]\nlabel: file\n")
        #expect(try Self.ran(dir, ["--params-file", "params/full.yaml"]) == ["items"])
        #expect(dir.read("results/items.txt") == "x y z file\n")
        #expect(try Self.ran(dir, ["--params-file", "params/full.yaml", "--param", "label=cli"]) == ["items"])
        #expect(dir.read("results/items.txt") == "x y z cli\n")
        // The params file's values enter the key as any param: the same values are cached.
        #expect(try Self.ran(dir, ["--params-file", "params/full.yaml", "--param", "label=cli"]) == [])

        dir.write("params/typo.yaml", "items: [x]\nlabl: file\n")
        let typo = try CLI.run(["run", "-C", dir.path, "--params-file", "params/typo.yaml"])
        #expect(typo.status == 2)
        #expect(typo.stderr == """
        params/typo.yaml:2:1: error: no workflow parameter named 'labl'; did you mean 'label'?
        studyflow: 1 error in params/typo.yaml; nothing was run

        """)
        let missing = try CLI.run(["status", "-C", dir.path, "--params-file", "params/none.yaml"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("studyflow: error: params file 'params/none.yaml' does not exist; name a YAML file of 'NAME: value' lines"))
    }

    @Test("precedence: workflow < profile < params file < --param")
    func precedence() throws {
        let dir = Self.workspace()
        dir.write("params/p.yaml", "label: file\n")
        #expect(try Self.ran(dir, ["--profile", "wide"]) == ["items", "msk"])
        #expect(dir.read("results/items.txt") == "a b wide\n")
        #expect(dir.read("results/msk.txt") == "msk 5\n")
        #expect(try Self.ran(dir, ["--profile", "wide", "--params-file", "params/p.yaml"]) == ["items"])
        #expect(dir.read("results/items.txt") == "a b file\n")
        #expect(try Self.ran(dir, ["--profile", "wide", "--params-file", "params/p.yaml", "--param", "label=cli"]) == ["items"])
        #expect(dir.read("results/items.txt") == "a b cli\n")
        #expect(try Self.ran(dir) == ["items", "msk"])
        #expect(dir.read("results/items.txt") == "a b base\n")
    }

    @Test("an unknown profile is a usage error listing the known ones, for every command that loads the workflow")
    func unknownProfile() throws {
        let dir = Self.workspace()
        for command in ["run", "status", "graph", "validate"] {
            let result = try CLI.run([command, "-C", dir.path, "--profile", "wdie"])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr == "studyflow: error: no profile 'wdie' in 'Workflows/study.yaml'; did you mean 'wide'? its profiles: wide\n", "\(command)")
            if command == "run" { #expect(!dir.exists(".studyflow"), "a refused first run writes nothing") }
        }
    }

    @Test("a profile's executor is used unless --executor overrides it; slurm options need slurm")
    func profileExecutor() throws {
        let dir = Self.workspace()
        dir.write("Workflows/study.yaml", Self.workflow.replacingOccurrences(of: "jobs: 1}\n", with: "jobs: 1}\n  cluster: {executor: slurm, slurm: {partition: long}}\n"))
        let noSlurm = ["PATH": "/nonexistent"]
        let slurm = try CLI.run(["run", "-C", dir.path, "--profile", "cluster"], environment: noSlurm)
        #expect(slurm.status != 0)
        #expect(slurm.stderr.contains("'sbatch' is not on PATH"), "\(slurm.stderr)")
        let local = try CLI.run(["run", "-C", dir.path, "--profile", "cluster", "--executor", "local"], environment: noSlurm)
        #expect(local.status == 0, "\(local.stderr)")
        let partition = try CLI.run(["run", "-C", dir.path, "--profile", "wide", "--partition", "x"])
        #expect(partition.status == 2)
        #expect(partition.stderr == "studyflow: error: --partition, --account and --sbatch-arg apply only with --executor slurm (or a profile with 'executor: slurm')\n")
    }

    @Test("a profile's jobs limit the run as -j does, and -j beats it")
    func profileJobs() throws {
        let dir = TemporaryDirectory()
        // Two independent stages that fail if they ever run at the same time.
        let stage = "    run: mkdir busy.lock && sleep 1 && rmdir busy.lock && echo ok > ${outputs.out}\n"
        dir.write("Workflows/jobs.yaml", """
        name: jobs
        profiles: {serial: {jobs: 1}}
        stages:
          one:
        \(stage)    outputs: {out: results/one.txt}
          two:
        \(stage)    outputs: {out: results/two.txt}

        """)
        #expect(try Self.ran(dir, ["--profile", "serial"]).sorted() == ["one", "two"])
        let parallel = try CLI.run(["run", "-C", dir.path, "--profile", "serial", "-j", "2", "--force-all"])
        #expect(parallel.status == 1, "both stages ran at once under -j 2: \(parallel.stderr)")
    }

    @Test("a mistake in an included file is reported there, exit 2, nothing runs")
    func positionedError() throws {
        let dir = Self.workspace()
        dir.write("Workflows/cohorts/bad.yaml", "stages:\n  items:\n    run: echo\n")
        let result = try CLI.run(["run", "-C", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr == """
        Workflows/cohorts/bad.yaml:2:3: error: stage 'items' is also declared at Workflows/study.yaml:7:3; stage ids must be unique across the workflow and its included files: rename one of them
        studyflow: 1 error in Workflows/study.yaml; nothing was run

        """)
        #expect(!dir.exists("results"))
        let validate = try CLI.run(["validate", "-C", dir.path])
        #expect(validate.status == 2)
    }

    @Test("diff names an edited included file and the settings that moved in it")
    func diffIncluded() throws {
        let dir = Self.workspace()
        #expect(try Self.ran(dir) == ["items", "msk"])
        let edited = Self.msk.replacingOccurrences(of: "echo msk", with: "echo MSK")
        dir.write("Workflows/cohorts/msk.yaml", edited)
        #expect(try Self.ran(dir) == ["msk"])
        let diff = try CLI.run(["diff", "-C", dir.path])
        #expect(diff.status == 0, "\(diff.stderr)")
        let before = Digest.of(Array(Self.msk.utf8)).hex, after = Digest.of(Array(edited.utf8)).hex
        #expect(diff.stdout.contains("  workflow.includes[Workflows/cohorts/msk.yaml].sha256  \"\(before)\" → \"\(after)\"\n"), "\(diff.stdout)")
        #expect(diff.stdout.contains("  'msk' run  \"echo msk ${params.width} > ${outputs.out}\" → \"echo MSK ${params.width} > ${outputs.out}\"\n"), "\(diff.stdout)")
    }

    @Test("a cycle through a linked directory is found by file, not by spelling")
    func linkedCycle() throws {
        let dir = Self.workspace()
        dir.write("Workflows/study.yaml", Self.workflow.replacingOccurrences(of: "[cohorts/*.yaml]", with: "[loop/x.yaml]"))
        dir.write("Workflows/x.yaml", "include: [loop/x.yaml]\n")
        #expect(symlink(".", dir.path + "/Workflows/loop") == 0)
        let result = try CLI.run(["validate", "-C", dir.path, "Workflows/study.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr == """
        Workflows/loop/x.yaml:1:11: error: include cycle: Workflows/loop/x.yaml -> Workflows/loop/loop/x.yaml; a file cannot include itself, directly or through others: remove one of these includes
        studyflow: 1 error in Workflows/study.yaml; nothing was run

        """)
    }

    @Test("validate reports the included files; provenance records them, and reproduce restores them")
    func provenance() throws {
        let dir = Self.workspace()
        let validate = try CLI.run(["validate", "-C", dir.path])
        #expect(validate.stdout == "ok: Workflows/study.yaml: 2 stages (1 included file)\n")
        #expect(try CLI.run(["run", "-C", dir.path, "--profile", "wide"]).status == 0)
        let runJSON = try GitCLI.run(["show", "refs/studyflow/runs:run.json"], in: dir.path + "/.studyflow/provenance.git").stdout
        let digest = Digest.of(Array(Self.msk.utf8)).hex
        #expect(runJSON.contains("\"includes\": [\n      {\n        \"file\": \"Workflows/cohorts/msk.yaml\",\n        \"sha256\": \"\(digest)\""), "\(runJSON)")
        #expect(runJSON.contains("\"profile\": \"wide\""))
        #expect(runJSON.contains("\"width\": 5"))
        let stored = try GitCLI.run(["show", "refs/studyflow/runs:included/Workflows/cohorts/msk.yaml"], in: dir.path + "/.studyflow/provenance.git")
        #expect(stored.stdout == Self.msk)
        // Edited since: reproduce still runs the recorded version.
        dir.write("Workflows/cohorts/msk.yaml", Self.msk.replacingOccurrences(of: "echo msk", with: "echo changed"))
        let reproduce = try CLI.run(["reproduce", "-C", dir.path])
        #expect(reproduce.status == 0, "\(reproduce.stdout)\(reproduce.stderr)")
        #expect(reproduce.stdout == "identical  results/items.txt\nidentical  results/msk.txt\n")
    }

    @Test("the crate carries each included file with its recorded bytes, as part of the main workflow")
    func crateIncludesFiles() throws {
        let dir = Self.workspace()
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        // Edited after the run: the crate still holds the bytes the run loaded.
        dir.write("Workflows/cohorts/msk.yaml", Self.msk + "# edited\n")
        let out = dir.path + "/crate"
        let crate = try CLI.run(["crate", "-C", dir.path, "--output", out])
        #expect(crate.status == 0, "\(crate.stderr)")
        #expect(FileManager.default.contents(atPath: out + "/Workflows/cohorts/msk.yaml").map { String(decoding: $0, as: UTF8.self) } == Self.msk)
        let metadata = try #require(FileManager.default.contents(atPath: out + "/ro-crate-metadata.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: metadata) as? [String: Any])
        let graph = try #require(document["@graph"] as? [[String: Any]])
        let entity = try #require(graph.first { $0["@id"] as? String == "Workflows/cohorts/msk.yaml" })
        #expect(entity["sha256"] as? String == Digest.of(Array(Self.msk.utf8)).hex)
        #expect((entity["isPartOf"] as? [String: Any])?["@id"] as? String == "Workflows/study.yaml")
    }
}
