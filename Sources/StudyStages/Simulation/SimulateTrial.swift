import StudyCore
import StudyEngine
import StudyStats

/// `uses: simulate/trial`: Monte Carlo power of a two-arm trial over a grid of hazard ratios and
/// total sample sizes, written to output `result` as JSON (schema in README.md):
///
/// ```yaml
/// with:
///   hazard_ratios: [0.6, 0.7]
///   sample_sizes: [100, 200, 400]
///   allocation: 0.5                # share in the experimental arm
///   control_median: 6              # or control_median_from: {input: km, group: "1"}
///   accrual: 12
///   follow_up: 12
///   dropout: 0                     # exponential dropout hazard per time unit
///   analysis: log-rank             # or cox
///   alpha: 0.05                    # two-sided
///   replicates: 2000
///   seed: 1
///   target_power: 0.8              # optional: the per-HR smallest sample size reaching it
/// ```
///
/// Replicates run in fixed chunks on the stage's `threads`; the output is byte-identical for any
/// thread count. Settings are checked at load.
public struct SimulateTrial: StageKind {
    /// Creates the kind.
    public init() {}

    /// The name used in `uses:`.
    public var name: String { "simulate/trial" }
    /// The implementation version.
    public var version: Int { 1 }

    /// Grid limits: each cell's replicate results and each thread's trial are held in memory
    /// (about 24 bytes a replicate, 16 bytes a patient; more for Cox).
    static let maxCells = 10_000
    static let maxReplicates = 10_000_000
    static let maxSampleSize = 10_000_000

    /// The settings, read (`SimulateTrialSettings`); the result writer below takes them by this name.
    typealias Settings = SimulateTrialSettings

    /// Every problem with the settings, the declared inputs and outputs.
    public func check(_ declaration: StageDeclaration) -> [String] {
        var reader = SettingsReader()
        if let settings = Settings.read(declaration.with, &reader), let source = settings.medianSource,
           declaration.inputs[source.input] == nil {
            let names = declaration.inputs.keys.sorted()
            reader.problem("with.control_median_from.input",
                           "'\(source.input)' is not an input of this stage; declare it under inputs (inputs: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
        }
        if declaration.outputs["result"] == nil {
            reader.problem("outputs.result", "missing; simulate/trial writes output 'result' (JSON)")
        }
        return reader.problems
    }

    /// Simulates every cell and writes `result`.
    public func run(_ context: StageKindContext) -> StageOutcome {
        var reader = SettingsReader()
        guard var settings = Settings.read(context.with, &reader), reader.problems.isEmpty else {
            return fail(reader.problems, context)
        }
        guard let output = context.outputs["result"] else { return fail(["simulate/trial needs output 'result' (JSON)"], context) }
        if let source = settings.medianSource {
            guard let path = context.inputs[source.input] else {
                return fail(["with.control_median_from.input: '\(source.input)' is not an input of this stage"], context)
            }
            do throws(SimulationStageError) {
                settings.controlMedian = try KaplanMeierMedian.read(path, group: source.group, name: source.input)
            } catch {
                return fail([error.message], context)
            }
        }
        let median = settings.controlMedian!
        var cells = [TrialPower]()
        let started = SystemClock.monotonicSeconds()
        for hr in settings.hazardRatios {
            for n in settings.sampleSizes {
                let design = TrialDesign(sampleSize: n, hazardRatio: hr, allocation: settings.allocation, controlMedian: median,
                                         accrual: settings.accrual, followUp: settings.followUp, dropout: settings.dropout)
                cells.append(TrialSimulation.power(design, analysis: settings.analysis, alpha: settings.alpha,
                                                   replicates: settings.replicates, seed: settings.seed, threads: context.threads))
            }
        }
        let simulated = SystemClock.monotonicSeconds() - started
        let result = Self.result(settings, cells: cells, producer: settings.medianSource.flatMap { context.inputProducers[$0.input] })
        do {
            try FileIO.writeAtomically(output, result.fileBytes)
        } catch {
            return fail(["cannot write output 'result': \(error)"], context)
        }
        // The simulation's own wall time (not the output's write or the store's sync), which the
        // benchmark reads to measure the speed-up from threads.
        context.log("simulate/trial: \(cells.count) cells × \(settings.replicates) replicates, \(context.threads) thread(s), "
            + "simulation \(PhaseClock.format(simulated)) s wall")
        return .succeeded
    }

    private func fail(_ problems: [String], _ context: StageKindContext) -> StageOutcome {
        for p in problems { context.log(p) }
        return .failed(status: 1, message: problems.isEmpty ? "invalid settings" : problems.joined(separator: "\n"))
    }

    /// The result: settings echoed, one cell per (HR, n) in grid order, then per HR the smallest
    /// sample size of the grid whose simulated power reaches `target_power`.
    static func result(_ settings: Settings, cells: [TrialPower], producer: String?) -> TrialPowerOutput {
        let source = settings.medianSource.map { TrialPowerOutput.MedianSource(input: $0.input, group: $0.group, stage: producer) }
        let cellModels = cells.map { cell in
            TrialPowerOutput.Cell(
                hazardRatio: cell.design.hazardRatio, sampleSize: cell.design.sampleSize, power: cell.power,
                mcSE: cell.monteCarloStandardError, meanEvents: cell.meanEvents.finiteOrNil,
                meanHR: cell.meanHazardRatio.finiteOrNil, medianHR: cell.medianHazardRatio.finiteOrNil,
                schoenfeldPower: cell.schoenfeldPower.finiteOrNil, expectedEvents: cell.expectedEvents.finiteOrNil,
                undefinedHR: cell.undefinedCount)
        }
        let smallest = settings.hazardRatios.map { hr in
            let reaching = cells.filter { $0.design.hazardRatio == hr && $0.power >= settings.targetPower }
                .min { $0.design.sampleSize < $1.design.sampleSize }
            return TrialPowerOutput.Smallest(hazardRatio: hr, sampleSize: reaching?.design.sampleSize, power: reaching?.power)
        }
        return TrialPowerOutput(
            analysis: settings.analysis.rawValue, alpha: settings.alpha, replicates: settings.replicates,
            seed: Int(settings.seed), allocation: settings.allocation, controlMedian: settings.controlMedian,
            controlMedianFrom: source, accrual: settings.accrual, followUp: settings.followUp, dropout: settings.dropout,
            targetPower: settings.targetPower, cells: cellModels, smallestSampleSize: smallest)
    }
}
