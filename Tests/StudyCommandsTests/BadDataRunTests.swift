import Foundation
import StudyCore
import Testing
import _StudyTestSupport

/// Data that must refuse or warn, end to end through `studyflow run`: a Cox coefficient that may
/// be infinite reaches the console and the report, a Latin-1 CSV fails the ingest, and a column
/// declared `category` stays one in a second ingest/csv that takes the first one's summary.
@Suite struct BadDataRunTests {
    static let separated = """
        time,status,x,age
        1,1,1,50
        1,1,1,61
        3,1,1,45
        4,1,1,70
        5,0,1,52
        6,1,1,66
        7,1,0,58
        8,0,0,49
        9,1,0,63
        9,1,0,71
        11,0,0,55
        12,1,0,60

        """

    @Test("a monotone-likelihood warning reaches the console, the result, the log and the report's table and plot")
    func coxWarningEverywhere() throws {
        let dir = TemporaryDirectory()
        dir.write("data/sep.csv", Self.separated)
        dir.write("Workflows/main.yaml", """
            name: sep
            stages:
              cox:
                uses: survival/cox
                inputs: {table: data/sep.csv}
                with: {time: time, event: status, covariates: [x, age]}
                outputs: {result: results/cox.json}
              report:
                uses: report/html
                inputs: {cox: results/cox.json}
                outputs: {report: results/report.html}
                with:
                  title: Separated
                  sections:
                    - title: Results
                      figures: [{type: forest, inputs: [cox]}]
                      tables: [{type: cox, input: cox}]

            """)
        let result = try CLI.run(["run", "-C", dir.path, "-j", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("studyflow: warning: stage 'cox': loglik converged before 'x'; the coefficient may be infinite"),
                "\(result.stderr)")
        #expect(dir.read("results/cox.json")?.contains(#""may_be_infinite":true"#) == true)
        let log = try #require(dir.read(".studyflow/logs/1/cox.log"))
        #expect(log.contains("warning: loglik converged before 'x'"))
        let report = try #require(dir.read("results/report.html"))
        #expect(report.contains("x †"))
        #expect(report.contains("The coefficient may be infinite (monotone likelihood)"))
    }

    @Test("a Latin-1 CSV fails its ingest with file, line, offset and the fix; encoding: latin1 reads it")
    func latin1() throws {
        let dir = TemporaryDirectory()
        dir.write("data/.keep", "")
        try FileIO.writeAtomically(dir.path + "/data/sites.csv",
                                   Array("site,os\ncaf".utf8) + [0xE9] + Array(",1\ncaf".utf8) + [0xE8] + Array(",2\n".utf8))
        let workflow = { (with: String) in """
            name: enc
            stages:
              ingest:
                uses: ingest/csv
                inputs: {table: data/sites.csv}
                \(with)
                outputs: {table: results/sites.csv, summary: results/sites.json}

            """ }
        dir.write("Workflows/main.yaml", workflow(""))
        let failed = try CLI.run(["run", "-C", dir.path])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("""
            data/sites.csv:2: invalid UTF-8 at byte offset 11 (byte 0xE9); declare `encoding: latin1` in the stage's with:, \
            or convert the file to UTF-8
            """), "\(failed.stderr)")
        dir.write("Workflows/main.yaml", workflow("with: {encoding: latin1}"))
        let ok = try CLI.run(["run", "-C", dir.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(dir.read("results/sites.csv") == "site,os\ncafé,1\ncafè,2\n")
        dir.write("Workflows/main.yaml", workflow("with: {encoding: cp1252}"))
        let bad = try CLI.run(["run", "-C", dir.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("with.encoding: unknown encoding \"cp1252\"; use 'utf-8' (the default) or 'latin1' (ISO-8859-1)"),
                "\(bad.stderr)")
    }

    @Test("a category declared at one ingest/csv stays one in the next when its summary is input 'schema'")
    func typesSurvive() throws {
        let dir = TemporaryDirectory()
        dir.write("data/raw.csv", "id,ecog\n1,0\n2,1\n3,0\n")
        dir.write("Workflows/main.yaml", """
            name: types
            stages:
              clean:
                uses: ingest/csv
                inputs: {table: data/raw.csv}
                with: {columns: {id: {}, ecog: {type: category}}}
                outputs: {table: results/clean.csv, summary: results/clean.json}
              ecog0:
                uses: ingest/csv
                inputs: {table: results/clean.csv, schema: results/clean.json}
                with: {filter: 'ecog == "0"'}
                outputs: {table: results/ecog0.csv, summary: results/ecog0.json}

            """)
        let result = try CLI.run(["run", "-C", dir.path, "-j", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(dir.read("results/ecog0.csv") == "id,ecog\n1,\"0\"\n3,\"0\"\n")
    }

    @Test("a category of numbers declared at one ingest/csv stays one in the next ingest/csv and in survival/cox, with no schema")
    func typesSurviveWithoutSchema() throws {
        let dir = TemporaryDirectory()
        let rows = (1...60).map { i in "\(i),\((i * 7) % 23 + 1),\(i % 4 == 0 ? 0 : 1),\(i % 3),\(i % 2)" }
        dir.write("data/raw.csv", "id,months,death,ecog,arm\n" + rows.joined(separator: "\n") + "\n")
        dir.write("Workflows/main.yaml", """
            name: types
            stages:
              prep:  {uses: ingest/csv, inputs: {table: data/raw.csv}, outputs: {table: work/prep.csv, summary: work/prep.json},
                      with: {columns: {id: number, months: number, death: integer, ecog: category, arm: {}}}}
              ecog0: {uses: ingest/csv, inputs: {table: work/prep.csv}, outputs: {table: work/ecog0.csv},
                      with: {filter: 'ecog == "0"'}}
              again: {uses: ingest/csv, inputs: {table: work/ecog0.csv}, outputs: {table: work/again.csv, summary: work/again.json}}
              cox:
                uses: survival/cox
                inputs: {table: work/prep.csv}
                with: {time: months, event: death, covariates: [ecog, arm]}
                outputs: {result: results/cox.json}

            """)
        let result = try CLI.run(["run", "-C", dir.path, "-j", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        // A stage without output 'summary' writes only its table.
        #expect(dir.read("work/ecog0.csv")?.hasPrefix("id,months,death,ecog,arm\n3,22,1,\"0\",1\n") == true, "\(dir.read("work/ecog0.csv") ?? "")")
        #expect(dir.read("work/again.json")?.contains(#"{"levels":["0"],"na":0,"name":"ecog","type":"category"}"#) == true)
        #expect(dir.read("work/again.json")?.contains(#""kept":20"#) == true)
        let cox = try #require(dir.read("results/cox.json"))
        // ecog is a factor (two dummy terms against level 0), arm a number (one term under its own name).
        #expect(cox.contains(#""term":"ecog=1""#) && cox.contains(#""term":"ecog=2""#), "\(cox)")
        #expect(cox.contains(#""term":"arm""#), "\(cox)")
    }
}
