import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// `foreach: {levels: {table: PATH, column: NAME}}` end to end with the real binary.
@Suite("data-driven fan-out: instances from a column of a table a stage writes")
struct LevelsFanoutCommandTests {
    static let workflow = """
    name: levels
    stages:
      types:
        run: cp ${inputs.src} ${outputs.t}
        inputs: {src: data/source.csv}
        outputs: {t: results/types.csv}
      fit:
        foreach: {levels: {table: results/types.csv, column: cancer_type}}
        run: printf '%s\\n' ${each.value} > ${outputs.o}
        outputs: {o: "results/fit-${each.key}.txt"}
      summary:
        run: cat ${inputs.fits} > ${outputs.o}
        inputs:
          fits: {each: fit, output: o}
        outputs: {o: results/summary.txt}

    """

    /// `(stage, status)` of every stage event of a `run --json`.
    static func statuses(_ result: CLI.Result) -> [String: String] {
        var out: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            guard let value = try? JSONValue.parse(Array(line.utf8)), case .object(let members) = value,
                  members["event"] == .string("stage"), case .string(let stage)? = members["stage"],
                  case .string(let status)? = members["status"] else { continue }
            out[stage] = status
        }
        return out
    }

    static func workspace(_ source: String) -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", workflow)
        dir.write("data/source.csv", source)
        return dir
    }

    @Test("'run -n' before the table exists shows the template and its gather as expanding after the producer")
    func dryRunBeforeTable() throws {
        let dir = Self.workspace("id,cancer_type\n1,NSCLC\n")
        let result = try CLI.run(["run", "-n", "-C", dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
        expand  fit@*  expands after 'types' runs (its instances come from column 'cancer_type' of 'results/types.csv')
        expand  summary  expands after 'types' runs (it gathers from 'fit')
        run     types  never run
        studyflow: dry run: 1 of 1 stages would run or be restored; nothing was run

        """)
        #expect(!dir.exists("results"))
        let status = try CLI.run(["status", "-C", dir.path])
        #expect(status.stdout.contains("waiting    fit@*"), "\(status.stdout)")
    }

    @Test("one run writes the table, expands it and runs every instance and the gather; levels map to keys")
    func oneRunExpands() throws {
        let dir = Self.workspace("id,cancer_type\n1,NSCLC\n2,\"Skin Cancer, Non-Melanoma\"\n3,NSCLC\n4,\n")
        let first = try CLI.run(["run", "--json", "-C", dir.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(Self.statuses(first) == ["types": "ran", "fit@NSCLC": "ran", "fit@Skin_Cancer_Non-Melanoma": "ran", "summary": "ran"])
        #expect(dir.read("results/fit-Skin_Cancer_Non-Melanoma.txt") == "Skin Cancer, Non-Melanoma\n")
        #expect(dir.read("results/summary.txt") == "NSCLC\nSkin Cancer, Non-Melanoma\n")
        let log = try CLI.run(["log", "-C", dir.path])
        #expect(log.stdout.split(separator: "\n").filter { $0.hasPrefix("run ") }.count == 1, "one run, one record: \(log.stdout)")
        #expect(log.stdout.contains("4 ran, 0 cached, 0 failed"), "\(log.stdout)")
        let again = try CLI.run(["run", "--json", "-C", dir.path])
        #expect(Self.statuses(again).values.allSatisfy { $0 == "cached" }, "\(again.stdout)")
        #expect(Self.statuses(again).count == 4)
    }

    @Test("a level added to the table adds exactly one instance; a removed one removes it; others stay cached")
    func addAndRemoveLevel() throws {
        let dir = Self.workspace("id,cancer_type\n1,NSCLC\n2,Melanoma\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        dir.write("data/source.csv", "id,cancer_type\n1,NSCLC\n2,Melanoma\n3,Bladder\n")
        let added = try CLI.run(["run", "--json", "-C", dir.path])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(Self.statuses(added) == ["types": "ran", "fit@Bladder": "ran", "fit@Melanoma": "cached", "fit@NSCLC": "cached", "summary": "ran"])
        #expect(dir.read("results/summary.txt") == "Bladder\nMelanoma\nNSCLC\n")
        dir.write("data/source.csv", "id,cancer_type\n1,NSCLC\n3,Bladder\n")
        let removed = try CLI.run(["run", "--json", "-C", dir.path])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(Self.statuses(removed) == ["types": "ran", "fit@Bladder": "cached", "fit@NSCLC": "cached", "summary": "ran"])
        #expect(dir.read("results/summary.txt") == "Bladder\nNSCLC\n")
    }

    @Test("'--force' of the table's producer runs it once in the run; instances that do not read the table stay cached")
    func forceProducer() throws {
        let dir = Self.workspace("id,cancer_type\n1,NSCLC\n2,Melanoma\n")
        #expect(try CLI.run(["run", "-C", dir.path]).status == 0)
        let forced = try CLI.run(["run", "--json", "--force", "types", "-C", dir.path])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.components(separatedBy: "\"stage\":\"types\"").count == 2, "\(forced.stdout)")
        #expect(Self.statuses(forced) == ["types": "ran", "fit@Melanoma": "cached", "fit@NSCLC": "cached", "summary": "cached"])
        let all = try CLI.run(["run", "--json", "--force-all", "-C", dir.path])
        #expect(all.stdout.components(separatedBy: "\"stage\":\"types\"").count == 2, "\(all.stdout)")
        #expect(Self.statuses(all) == ["types": "ran", "fit@Melanoma": "ran", "fit@NSCLC": "ran", "summary": "ran"])
    }

    @Test("a table no stage writes expands at load; missing, it is a load error")
    func plainInputTable() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", """
        name: plain
        stages:
          fit:
            foreach: {levels: {table: data/types.csv, column: type}}
            run: echo ${each.value} > ${outputs.o}
            outputs: {o: "out/${each.key}.txt"}

        """)
        let missing = try CLI.run(["run", "-n", "-C", dir.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("Workflows/main.yaml:4:14: error: 'levels' of stage 'fit': table 'data/types.csv' does not exist and no stage writes it; create it, or list it in the 'outputs' of the stage that writes it"), "\(missing.stderr)")
        dir.write("data/types.csv", "type\nb\na\n")
        let run = try CLI.run(["run", "-C", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(dir.read("out/a.txt") == "a\n" && dir.read("out/b.txt") == "b\n")
    }

    @Test("a missing column (with did-you-mean over the header), an empty column and a key collision are load errors")
    func tableErrors() throws {
        let dir = TemporaryDirectory()
        dir.write("Workflows/main.yaml", """
        name: errors
        stages:
          fit:
            foreach: {levels: {table: data/types.csv, column: cancer_typ}}
            run: echo ${each.value} > ${outputs.o}
            outputs: {o: "out/${each.key}.txt"}

        """)
        dir.write("data/types.csv", "id,cancer_type\n1,a\n")
        let noColumn = try CLI.run(["validate", "-C", dir.path])
        #expect(noColumn.status == 2)
        #expect(noColumn.stderr.contains("Workflows/main.yaml:4:55: error: 'levels' of stage 'fit': table 'data/types.csv' has no column 'cancer_typ'; did you mean 'cancer_type'? (its columns: 'id', 'cancer_type')"), "\(noColumn.stderr)")
        dir.write("data/types.csv", "id,cancer_typ\n1,\n2,\n")
        let empty = try CLI.run(["validate", "-C", dir.path])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("Workflows/main.yaml:4:55: error: 'levels' of stage 'fit': column 'cancer_typ' of table 'data/types.csv' has no values, so there is nothing to fan out over; add rows, or use another column"), "\(empty.stderr)")
        dir.write("data/types.csv", "id,cancer_typ\n1,Skin Cancer\n2,Skin-Cancer\n3,Skin  Cancer\n")
        let collision = try CLI.run(["validate", "-C", dir.path])
        #expect(collision.status == 2)
        #expect(collision.stderr.contains("error: level 'Skin  Cancer' and level 'Skin Cancer' of stage 'fit' both give instance key 'Skin_Cancer'; each instance needs its own key: levels become keys by their letters, digits and '_.+-' alone, so make the levels in 'data/types.csv' differ in those"), "\(collision.stderr)")
    }
}
