import Foundation
import StudyCore
import StudyEngine
import Testing
import _StudyTestSupport
@testable import StudyStages

/// Realistic values of every result model, with the edges a fit produces: medians not reached,
/// undefined limits, infinite coefficients (held as nil, written as null), absent optional parts.
enum ResultModelSamples {
    static let kaplanMeier = KaplanMeierOutput(
        time: "months", event: "death", group: "liver", confType: "log-log", confLevel: 0.9, n: 6, nDropped: 1,
        curves: [
            KaplanMeierOutput.Curve(
                group: "0", n: 3, events: 2, median: .init(estimate: 4.5, lower: 2, upper: nil),
                rmst: .init(tau: 10, estimate: 6.25, se: 1.0625),
                steps: [.init(time: 2, nRisk: 3, nEvent: 1, nCensor: 0, survival: 2.0 / 3, stdErr: 0.27216552697590868,
                              lower: 0.05, upper: 0.95),
                        .init(time: 7.5, nRisk: 1, nEvent: 1, nCensor: 0, survival: 0, stdErr: nil, lower: nil, upper: nil)]),
            KaplanMeierOutput.Curve(
                group: "1", n: 3, events: 0, median: .init(estimate: nil, lower: nil, upper: nil), rmst: nil,
                steps: [.init(time: 1e-3, nRisk: 3, nEvent: 0, nCensor: 3, survival: 1, stdErr: 0, lower: 1, upper: 1)]),
        ],
        rmstDifference: .init(groups: ["0", "1"], estimate: 1.25, se: 0.5, lower: 0.27, upper: 2.23, p: nil))

    static let cumulativeIncidence = CumulativeIncidenceOutput(
        time: "etime", event: "event", group: "sex", confLevel: 0.95, n: 5, nDropped: 1,
        curves: [.init(group: "F", event: "progression", n: 3, events: 1,
                       steps: [.init(time: 2, estimate: 0, stdErr: 0, lower: nil, upper: nil),
                               .init(time: 4.5, estimate: 0.5, stdErr: 0.25, lower: 0.19, upper: 1)]),
                 .init(group: "M", event: "death", n: 2, events: 2,
                       steps: [.init(time: 1, estimate: 1, stdErr: nil, lower: 1, upper: 1)])],
        tests: [.init(event: "progression", statistic: 1.2, df: 1, p: 0.27), .init(event: "death", statistic: nil, df: 1, p: nil)])

    static let logRank = LogRankOutput(
        rho: 0, statistic: 10.326741954885632, df: 1, p: nil,
        groups: [.init(group: "1", n: 138, observed: 112, expected: 91.5), .init(group: "2", n: 90, observed: 53, expected: 73.5)],
        strata: "site", n: 228, nDropped: 0)

    static let cox = CoxOutput(
        ties: "efron", n: 40, events: 12, nDropped: 2,
        terms: [.init(term: "age", coef: 0.011, hr: 1.011, se: 0.009, robustSE: 0.0085, z: 1.2, p: 0.23, hrLower: 0.99, hrUpper: 1.03,
                      mayBeInfinite: false),
                .init(term: "liver=1", coef: 21.5, hr: nil, se: nil, z: nil, p: nil, hrLower: 0, hrUpper: nil, mayBeInfinite: true, reference: "0")],
        loglikNull: -40.5, loglikFit: -35.25, likelihoodRatio: .init(statistic: 10.5, df: 2, p: 0.0052),
        wald: .init(statistic: nil, df: 2, p: nil), score: .init(statistic: 9.75, df: 2, p: 0.0076),
        robustScore: .init(statistic: 8.5, df: 2, p: 0.014), concordance: 0.64, concordanceSE: 0.025, vcov: [[8.1e-5, nil], [nil, nil]], iterations: 20, converged: false,
        warnings: ["Loglik converged before variable liver=1; coefficient may be infinite."],
        phTest: .init(transform: "km", terms: [.init(term: "age", chisq: 0.5, df: 1, p: 0.48),
                                               .init(term: "liver=1", chisq: nil, df: 1, p: nil)],
                      global: .init(term: nil, chisq: 0.5, df: 2, p: 0.78)))

    static let fineGray = FineGrayOutput(cause: "1", competingEvents: 850, expandedRows: 41568, fit: cox)

    static let trialPower = TrialPowerOutput(
        analysis: "cox", alpha: 0.05, replicates: 300, seed: 7, allocation: 0.5, controlMedian: 22,
        controlMedianFrom: .init(input: "km", group: "a", stage: nil), accrual: 12, followUp: 6.5, dropout: 0,
        targetPower: 0.8,
        cells: [.init(hazardRatio: 0.7, sampleSize: 100, power: 0.31, mcSE: 0.0267, meanEvents: 61.2, meanHR: 0.72,
                      medianHR: 0.71, schoenfeldPower: 0.3, expectedEvents: 61, undefinedHR: 0),
                .init(hazardRatio: 0.7, sampleSize: 4, power: 0, mcSE: 0, meanEvents: 2, meanHR: nil, medianHR: nil,
                      schoenfeldPower: 0.05, expectedEvents: 2.5, undefinedHR: 300)],
        smallestSampleSize: [.init(hazardRatio: 0.7, sampleSize: nil, power: nil), .init(hazardRatio: 0.5, sampleSize: 100, power: 0.83)])

    static let cohortTruth = CohortTruthOutput(
        patients: 500, seed: 3, time: "months", event: "death",
        strata: .init(column: "cancer", levels: [
            .init(label: "NSCLC", proportion: 0.5, baseline: .init(shape: 1.1, median: 14, scale: 19.5)),
            .init(label: "melanoma", proportion: 0.5, baseline: .init(shape: 0.9, median: 30, scale: 45.25))]),
        arms: .init(column: "treatment", levels: [.init(label: "chemo", proportion: 0.5, baseline: nil),
                                                  .init(label: "ici", proportion: 0.5, baseline: nil)]),
        covariates: [.binary(column: "liver", prevalence: [.init(stratum: "NSCLC", value: 0.3), .init(stratum: "melanoma", value: 0.2)]),
                     .normal(column: "age", mean: 64, sd: 10, centredInTerms: true),
                     .categorical(.init(column: "ecog", levels: [.init(label: "0", proportion: 0.6, baseline: nil),
                                                                 .init(label: "1", proportion: 0.4, baseline: nil)]))],
        logHazardRatios: [.init(term: "liver:treatment=ici", logHR: 0.5, hr: 1.6487212707001282),
                          .init(term: "age", logHR: 800, hr: nil)],
        censoring: .init(accrual: 24, followUp: 18, dropout: 0.01), decimals: nil, events: 312, eventFraction: 0.624)

    static let ingestSummary = IngestSummaryOutput(
        file: "data/lung.csv", rowsRead: 228, rowsKept: 226, rowsDropped: 2, filterDropped: 1,
        requireDropped: [.init(column: "age", dropped: 0), .init(column: "ph.ecog", dropped: 1)],
        columns: [.init(name: "age", type: "integer", na: 0, levels: nil),
                  .init(name: "sex", type: "category", na: 0, levels: ["1", "2"])])
}

/// Each result model decodes what it encodes, and a malformed file is refused with its field path.
@Suite struct ResultModelTests {
    static func roundTrip<Model: ResultModel>(_ model: Model) throws -> Model {
        try Model.decode(ResultValue.parse(model.fileBytes), file: "result.json")
    }

    @Test("decode(encode(x)) == x for every model, nulls, absent parts and infinite values included")
    func roundTrips() throws {
        #expect(try Self.roundTrip(ResultModelSamples.kaplanMeier) == ResultModelSamples.kaplanMeier)
        var ungrouped = ResultModelSamples.kaplanMeier
        ungrouped.group = nil
        ungrouped.curves = [ungrouped.curves[1]]
        #expect(try Self.roundTrip(ungrouped) == ungrouped)
        #expect(try Self.roundTrip(ResultModelSamples.logRank) == ResultModelSamples.logRank)
        #expect(try Self.roundTrip(ResultModelSamples.cumulativeIncidence) == ResultModelSamples.cumulativeIncidence)
        var untested = ResultModelSamples.cumulativeIncidence
        untested.group = nil
        untested.tests = nil
        #expect(try Self.roundTrip(untested) == untested)
        #expect(try Self.roundTrip(ResultModelSamples.cox) == ResultModelSamples.cox)
        #expect(try Self.roundTrip(ResultModelSamples.fineGray) == ResultModelSamples.fineGray)
        var noPH = ResultModelSamples.cox
        noPH.phTest = nil
        #expect(try Self.roundTrip(noPH) == noPH)
        #expect(try Self.roundTrip(ResultModelSamples.trialPower) == ResultModelSamples.trialPower)
        var fixedMedian = ResultModelSamples.trialPower
        fixedMedian.controlMedianFrom = nil
        #expect(try Self.roundTrip(fixedMedian) == fixedMedian)
        #expect(try Self.roundTrip(ResultModelSamples.cohortTruth) == ResultModelSamples.cohortTruth)
        var rounded = ResultModelSamples.cohortTruth
        rounded.decimals = 3
        #expect(try Self.roundTrip(rounded) == rounded)
        #expect(try Self.roundTrip(ResultModelSamples.ingestSummary) == ResultModelSamples.ingestSummary)
        var unfiltered = ResultModelSamples.ingestSummary
        unfiltered.filterDropped = nil
        unfiltered.requireDropped = []
        #expect(try Self.roundTrip(unfiltered) == unfiltered)
    }

    @Test("an infinite coefficient is written as null, exactly as the fit's own number would be")
    func infiniteIsNull() throws {
        let text = String(decoding: ResultModelSamples.cox.fileBytes, as: UTF8.self)
        #expect(text.contains(#"{"term":"liver=1","coef":21.5,"hr":null,"se":null,"z":null,"p":null,"hr_lower":0,"hr_upper":null,"may_be_infinite":true,"reference":"0"}"#))
        #expect(Double.infinity.finiteOrNil == nil && Double.nan.finiteOrNil == nil && (-0.5).finiteOrNil == -0.5)
    }

    /// The value as text, numbers in full, so two trees compare member by member.
    static func dump(_ value: ResultValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(let d): return "\(d)"
        case .string(let s): return JSONValue.quoted(s)
        case .array, .table: return "[" + (value.array ?? []).map(dump).joined(separator: ",") + "]"
        case .object(let members): return "{" + members.map { JSONValue.quoted($0.0) + ":" + dump($0.1) }.joined(separator: ",") + "}"
        }
    }

    @Test("the stages' real results decode, and their encoding reads back as the very values of the file")
    func realResultsReencode() throws {
        let inputs = KindVersionTests.reportInputs
        for file in ["km.json", "logrank.json", "cox.json"] {
            let value = try ResultValue.parse([UInt8](Data(contentsOf: inputs.appendingPathComponent(file))))
            let again: ResultJSON
            switch file {
            case "km.json": again = try KaplanMeierOutput.decode(value, file: file).encoded
            case "logrank.json": again = try LogRankOutput.decode(value, file: file).encoded
            default: again = try CoxOutput.decode(value, file: file).encoded
            }
            #expect(Self.dump(ResultValue(again)) == Self.dump(value), "\(file)")
        }
    }

    static func decodeError<Model: ResultModel>(_ type: Model.Type, _ text: String) -> String? {
        do throws(ResultDecodingError) {
            let value = try? ResultValue.parse(Array(text.utf8))
            _ = try Model.decode(value ?? .null, file: "results/x.json")
            return nil
        } catch {
            return error.message
        }
    }

    static func replacing(_ model: some ResultModel, _ old: String, _ new: String) -> String {
        let text = String(decoding: model.fileBytes, as: UTF8.self)
        precondition(text.contains(old), old)
        return text.replacingOccurrences(of: old, with: new)
    }

    @Test("a malformed result is refused with the file, the field path and what is wrong there")
    func errorsNameTheField() {
        #expect(Self.decodeError(CoxOutput.self, Self.replacing(ResultModelSamples.cox, #""hr":1.011"#, #""hr":"x""#))
            == #"'results/x.json': terms[0].hr: expected a number or null, found "x""#)
        #expect(Self.decodeError(CoxOutput.self, Self.replacing(ResultModelSamples.cox, #""global":{"chisq":0.5,"df":2"#, #""global":{"chisq":0.5"#))
            == "'results/x.json': ph_test.global.df: missing")
        // Steps are read by column for speed; the path still names the row.
        #expect(Self.decodeError(KaplanMeierOutput.self, Self.replacing(ResultModelSamples.kaplanMeier, #""time":7.5,"n_risk":1"#, #""time":7.5,"n_risk":null"#))
            == "'results/x.json': curves[0].steps[1].n_risk: expected a number, found null")
        #expect(Self.decodeError(KaplanMeierOutput.self, Self.replacing(ResultModelSamples.kaplanMeier, #""groups":["0","1"]"#, #""groups":"0""#))
            == "'results/x.json': rmst_difference.groups: expected a list, found \"0\"")
        #expect(Self.decodeError(CumulativeIncidenceOutput.self, Self.replacing(ResultModelSamples.cumulativeIncidence, #""df":1,"p":0.27"#, #""df":1.5,"p":0.27"#))
            == "'results/x.json': tests[0].df: expected a whole number, found 1.5")
        #expect(Self.decodeError(KaplanMeierOutput.self, Self.replacing(ResultModelSamples.kaplanMeier, #""survival":1,"#, #""survival":null,"#))
            == "'results/x.json': curves[1].steps[0].survival: expected a number, found null")
        #expect(Self.decodeError(KaplanMeierOutput.self, #"{"kind":"survival/cox"}"#)
            == #"'results/x.json': kind: expected "survival/kaplan-meier", found "survival/cox""#)
        #expect(Self.decodeError(TrialPowerOutput.self, Self.replacing(ResultModelSamples.trialPower, #""cells":["#, #""cells":{},"x":["#))
            == "'results/x.json': cells: expected a list, found an object")
        #expect(Self.decodeError(CohortTruthOutput.self, Self.replacing(ResultModelSamples.cohortTruth, #""type":"normal""#, #""type":"uniform""#))
            == #"'results/x.json': covariates[1].type: expected binary, normal or categorical, found "uniform""#)
        #expect(Self.decodeError(IngestSummaryOutput.self, "[1]") == "'results/x.json': (top level): expected an object, found a list")
    }

    @Test("a report input that is malformed fails the report naming the input, the file and the field")
    func reportNamesTheField() throws {
        let dir = TemporaryDirectory()
        try FileIO.createDirectories(dir.path + "/results")
        dir.write("results/cox.json", Self.replacing(ResultModelSamples.cox, #""n":40"#, #""n":"forty""#))
        let context = StageKindContext(
            stage: "report", root: dir.path, inputs: ["cox": dir.path + "/results/cox.json"],
            outputs: ["report": dir.path + "/report.html"],
            with: .object(["title": .string("T"), "sections": .array([.object([
                "title": .string("S"), "tables": .array([.object(["type": .string("cox"), "input": .string("cox")])])])])]),
            params: [:], log: { _ in })
        #expect(ReportStage().run(context) == .failed(status: 1, message: """
            input 'cox' is not a valid survival/cox result: 'results/cox.json': n: expected a whole number, found "forty"; \
            rerun the stage that writes it, or check that the input is the right file
            """))
    }

    @Test("control_median_from reads through the model and names a malformed field")
    func controlMedianNamesTheField() {
        let dir = TemporaryDirectory()
        dir.write("km.json", Self.replacing(ResultModelSamples.kaplanMeier, #""median":{"estimate":4.5"#, #""median":{"estimate":"4.5""#))
        do throws(SimulationStageError) {
            _ = try KaplanMeierMedian.read(dir.path + "/km.json", group: "0", name: "km")
            Issue.record("read")
        } catch {
            #expect(error.message == #"input 'km' is a malformed survival/kaplan-meier result: curves[0].median.estimate: expected a number or null, found "4.5"; rerun the stage that writes it"#)
        }
        dir.write("ok.json", String(decoding: ResultModelSamples.kaplanMeier.fileBytes, as: UTF8.self))
        #expect((try? KaplanMeierMedian.read(dir.path + "/ok.json", group: "0", name: "km")) == 4.5)
    }

    @Test("a published-figures path walks the model's encoding of a known result")
    func publishedPathWalksTheModel() throws {
        let bytes = ResultModelSamples.cox.fileBytes
        let file = InputBytes(bytes: bytes, digest: Digest.of(bytes), hashed: true)
        let input = try ReportInput.load(name: "cox", file: file, displayPath: "cox.json")
        let tree = try input.lookupTree()
        #expect(try ResultPath("terms[term=age].hr").number(in: tree) == 1.011)
        #expect(try ResultPath("terms[term=liver=1].hr").number(in: tree) == nil)
        #expect(try ResultPath("tests.score.df").number(in: tree) == 2)
        do throws(ReportError) {
            _ = try ResultPath("terms[0].hazard").number(in: tree)
            Issue.record("found")
        } catch {
            #expect(error.message == "'terms[0].hazard': no member 'hazard'")
        }
    }
}
