import StudyCore
import StudyEngine
import StudyStages
import StudyStore
import Testing
import _StudyTestSupport

/// `report/html` takes its provenance digests from the stage key (issue 14 item 5): it hashes no
/// input the engine hashed, yet never shows a digest of bytes other than those it read.
@Suite struct ReportDigestTests {
    typealias Results = ReportStageTests.Results

    /// Runs the full lung report with `digests` claimed for its inputs (each stamped with its file's
    /// current `stat` when `stamped`); returns the outcome, the HTML and the log.
    static func run(_ results: Results, digests: [String: Digest], stamped: Bool = true,
                    beforeRun: () -> Void = {}) -> (outcome: StageOutcome, html: String?, log: [String]) {
        results.dir.write("published.yaml", ReportStageTests.published)
        let absolute = results.inputs.mapValues { results.dir.path + "/" + $0 }
        var stamps: [String: FileStat] = [:]
        if stamped { for (name, path) in absolute { stamps[name] = FileStat.following(path) } }
        let log = LogLines()
        let context = StageKindContext(
            stage: "report", root: results.dir.path, inputs: absolute,
            outputs: ["report": results.dir.path + "/out/report.html"], with: ReportStageTests.fullLayout, params: [:],
            inputDigests: digests, inputStamps: stamps, log: { log.append($0) })
        try? FileIO.createDirectories(results.dir.path + "/out")
        beforeRun()
        let outcome = ReportStage().run(context)
        return (outcome, results.dir.read("out/report.html"), log.lines)
    }

    /// The SHA-256 of each input file as it is now.
    static func realDigests(_ results: Results) -> [String: Digest] {
        results.dir.write("published.yaml", ReportStageTests.published)
        return results.inputs.mapValues { Digest.of(Array((results.dir.read($0) ?? "").utf8)) }
    }

    static func totalBytes(_ results: Results) -> Int {
        results.inputs.values.reduce(0) { $0 + (results.dir.read($1)?.utf8.count ?? 0) }
    }

    @Test("the report shows the digests the engine gave and hashes no input: planted digests appear, real ones do not")
    func usesKeyDigests() throws {
        let results = Results()
        let real = Self.realDigests(results)
        let planted = results.inputs.mapValues { Digest.of(string: "planted " + $0) }
        let run = Self.run(results, digests: planted)
        #expect(run.outcome == .succeeded, "\(run.log)")
        let html = try #require(run.html)
        for name in results.inputs.keys.sorted() {
            let showsPlanted = html.contains(planted[name]!.hex), showsReal = html.contains(real[name]!.hex)
            #expect(showsPlanted, "input '\(name)': the key's digest is not shown")
            #expect(!showsReal, "input '\(name)': the report hashed it again")
        }
        #expect(run.log == ["report/html: read 5 input files (\(Self.totalBytes(results)) bytes), hashed 0 bytes"])
    }

    @Test("with the engine's real digests the report's bytes are those it writes when it hashes itself")
    func sameBytesEitherWay() throws {
        let results = Results()
        let real = Self.realDigests(results)
        let given = Self.run(results, digests: real)
        let hashed = Self.run(results, digests: [:])
        #expect(given.outcome == .succeeded && hashed.outcome == .succeeded)
        let same = given.html != nil && given.html == hashed.html
        #expect(same, "the report's bytes depend on where its digests came from")
        let html = try #require(given.html)
        for name in results.inputs.keys.sorted() {
            let shown = html.contains(real[name]!.hex)
            #expect(shown, "input '\(name)': its digest is not shown")
        }
        #expect(hashed.log == ["report/html: read 5 input files (\(Self.totalBytes(results)) bytes), hashed \(Self.totalBytes(results)) bytes"])
    }

    @Test("an input replaced after the key was computed shows the digest of the bytes the report read")
    func replacedInputIsHashed() throws {
        let results = Results()
        let planted = results.inputs.mapValues { Digest.of(string: "planted " + $0) }
        // The published figures change between hashing (the stamps) and the report reading them.
        let edited = ReportStageTests.published + "\n# edited\n"
        let run = Self.run(results, digests: planted) { results.dir.write("published.yaml", edited) }
        #expect(run.outcome == .succeeded, "\(run.log)")
        let html = try #require(run.html)
        let showsStale = html.contains(planted["published"]!.hex), showsRead = html.contains(Digest.of(Array(edited.utf8)).hex)
        #expect(!showsStale, "the digest taken before the edit is shown for bytes it does not describe")
        #expect(showsRead, "the digest of the bytes read is not shown")
        let keepsKey = html.contains(planted["km"]!.hex)
        #expect(keepsKey, "unchanged inputs keep the key's digest")
        #expect(run.log == ["report/html: read 5 input files (\(Self.totalBytes(results)) bytes), hashed \(edited.utf8.count) bytes"])
    }

    @Test("digests without stamps (nothing to vouch for the file read) are not trusted")
    func digestsWithoutStamps() throws {
        let results = Results()
        let real = Self.realDigests(results)
        let planted = results.inputs.mapValues { Digest.of(string: "planted " + $0) }
        let run = Self.run(results, digests: planted, stamped: false)
        let html = try #require(run.html)
        for name in results.inputs.keys.sorted() {
            let hashedHere = html.contains(real[name]!.hex) && !html.contains(planted[name]!.hex)
            #expect(hashedHere, "input '\(name)': an unvouched digest was shown")
        }
    }
}
