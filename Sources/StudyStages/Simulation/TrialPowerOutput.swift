import StudyCore

/// The result `simulate/trial` writes (`"kind":"trial-power"`, schema in README.md): the design
/// settings echoed, one cell per (hazard ratio, sample size) in grid order, and per hazard ratio
/// the smallest simulated sample size reaching the target power. Written by `SimulateTrial`, read
/// by `report/html`.
struct TrialPowerOutput: ResultModel {
    /// Where the control median came from, when `control_median_from` was given.
    struct MedianSource: Equatable, Sendable {
        var input: String
        var group: String
        /// The stage that wrote the input, when the engine knows it.
        var stage: String?
    }

    struct Cell: Equatable, Sendable {
        var hazardRatio: Double
        var sampleSize: Int
        var power: Double
        var mcSE: Double
        var meanEvents: Double?
        /// Nil when no replicate gave a defined estimate.
        var meanHR: Double?
        var medianHR: Double?
        var schoenfeldPower: Double?
        var expectedEvents: Double?
        var undefinedHR: Int
    }

    /// The smallest sample size of the grid reaching the target power at one hazard ratio; nil
    /// (both) when none does.
    struct Smallest: Equatable, Sendable {
        var hazardRatio: Double
        var sampleSize: Int?
        var power: Double?
    }

    var analysis: String
    var alpha: Double
    var replicates: Int
    var seed: Int
    var allocation: Double
    var controlMedian: Double?
    var controlMedianFrom: MedianSource?
    var accrual: Double
    var followUp: Double
    var dropout: Double
    var targetPower: Double
    var cells: [Cell]
    var smallestSampleSize: [Smallest]

    /// Member names only this model writes.
    enum Key {
        static let analysis = "analysis"
        static let alpha = "alpha"
        static let replicates = "replicates"
        static let allocation = "allocation"
        static let controlMedian = "control_median"
        static let controlMedianFrom = "control_median_from"
        static let input = "input"
        static let stage = "stage"
        static let targetPower = "target_power"
        static let cells = "cells"
        static let hazardRatio = "hazard_ratio"
        static let sampleSize = "sample_size"
        static let power = "power"
        static let mcSE = "mc_se"
        static let meanEvents = "mean_events"
        static let meanHR = "mean_hr"
        static let medianHR = "median_hr"
        static let schoenfeldPower = "schoenfeld_power"
        static let expectedEvents = "expected_events"
        static let undefinedHR = "undefined_hr"
        static let smallestSampleSize = "smallest_sample_size"
    }

    static let kind: String? = "trial-power"
    static let keys = [ResultKey.kind, Key.analysis, Key.alpha, Key.replicates, ResultKey.seed, Key.allocation,
                       Key.controlMedian, Key.controlMedianFrom, Key.input, ResultKey.group, Key.stage, ResultKey.accrual,
                       ResultKey.followUp, ResultKey.dropout, Key.targetPower, Key.cells, Key.hazardRatio, Key.sampleSize,
                       Key.power, Key.mcSE, Key.meanEvents, Key.meanHR, Key.medianHR, Key.schoenfeldPower,
                       Key.expectedEvents, Key.undefinedHR, Key.smallestSampleSize]

    var encoded: ResultJSON {
        let source: ResultJSON = controlMedianFrom.map { source in
            .object([(Key.input, .string(source.input)), (ResultKey.group, .string(source.group)), (Key.stage, .optional(source.stage))])
        } ?? .null
        let cells = cells.map { cell -> ResultJSON in
            .object([
                (Key.hazardRatio, .number(cell.hazardRatio)), (Key.sampleSize, .integer(cell.sampleSize)),
                (Key.power, .number(cell.power)), (Key.mcSE, .number(cell.mcSE)),
                (Key.meanEvents, .optional(cell.meanEvents)), (Key.meanHR, .optional(cell.meanHR)),
                (Key.medianHR, .optional(cell.medianHR)), (Key.schoenfeldPower, .optional(cell.schoenfeldPower)),
                (Key.expectedEvents, .optional(cell.expectedEvents)), (Key.undefinedHR, .integer(cell.undefinedHR)),
            ])
        }
        let smallest = smallestSampleSize.map { s -> ResultJSON in
            .object([(Key.hazardRatio, .number(s.hazardRatio)), (Key.sampleSize, s.sampleSize.map { .integer($0) } ?? .null),
                     (Key.power, .optional(s.power))])
        }
        return .object([
            (ResultKey.kind, .string(Self.kind!)), (Key.analysis, .string(analysis)),
            (Key.alpha, .number(alpha)), (Key.replicates, .integer(replicates)),
            (ResultKey.seed, .integer(seed)), (Key.allocation, .number(allocation)),
            (Key.controlMedian, .optional(controlMedian)), (Key.controlMedianFrom, source),
            (ResultKey.accrual, .number(accrual)), (ResultKey.followUp, .number(followUp)),
            (ResultKey.dropout, .number(dropout)), (Key.targetPower, .number(targetPower)),
            (Key.cells, .array(cells)), (Key.smallestSampleSize, .array(smallest)),
        ])
    }

    static func decode(_ root: ResultField) throws(ResultDecodingError) -> TrialPowerOutput {
        let source = try root.optionalMember(Key.controlMedianFrom).map { (s) throws(ResultDecodingError) -> MedianSource in
            MedianSource(input: try s.member(Key.input).string(), group: try s.member(ResultKey.group).label(),
                         stage: try s.member(Key.stage).optionalString())
        }
        let cells = try root.member(Key.cells).items().map { (c) throws(ResultDecodingError) -> Cell in
            Cell(hazardRatio: try c.member(Key.hazardRatio).number(), sampleSize: try c.member(Key.sampleSize).integer(),
                 power: try c.member(Key.power).number(), mcSE: try c.member(Key.mcSE).number(),
                 meanEvents: try c.member(Key.meanEvents).optionalNumber(), meanHR: try c.member(Key.meanHR).optionalNumber(),
                 medianHR: try c.member(Key.medianHR).optionalNumber(),
                 schoenfeldPower: try c.member(Key.schoenfeldPower).optionalNumber(),
                 expectedEvents: try c.member(Key.expectedEvents).optionalNumber(),
                 undefinedHR: try c.member(Key.undefinedHR).integer())
        }
        let smallest = try root.member(Key.smallestSampleSize).items().map { (s) throws(ResultDecodingError) -> Smallest in
            Smallest(hazardRatio: try s.member(Key.hazardRatio).number(), sampleSize: try s.member(Key.sampleSize).optionalInteger(),
                     power: try s.member(Key.power).optionalNumber())
        }
        return TrialPowerOutput(
            analysis: try root.member(Key.analysis).string(), alpha: try root.member(Key.alpha).number(),
            replicates: try root.member(Key.replicates).integer(), seed: try root.member(ResultKey.seed).integer(),
            allocation: try root.member(Key.allocation).number(),
            controlMedian: try root.member(Key.controlMedian).optionalNumber(), controlMedianFrom: source,
            accrual: try root.member(ResultKey.accrual).number(), followUp: try root.member(ResultKey.followUp).number(),
            dropout: try root.member(ResultKey.dropout).number(), targetPower: try root.member(Key.targetPower).number(),
            cells: cells, smallestSampleSize: smallest)
    }
}
