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
        let started = PhaseClock.wallNow()
        for hr in settings.hazardRatios {
            for n in settings.sampleSizes {
                let design = TrialDesign(sampleSize: n, hazardRatio: hr, allocation: settings.allocation, controlMedian: median,
                                         accrual: settings.accrual, followUp: settings.followUp, dropout: settings.dropout)
                cells.append(TrialSimulation.power(design, analysis: settings.analysis, alpha: settings.alpha,
                                                   replicates: settings.replicates, seed: settings.seed, threads: context.threads))
            }
        }
        let simulated = PhaseClock.wallNow() - started
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

    /// The result in schema order: settings echoed, one cell per (HR, n) in grid order, then per
    /// HR the smallest sample size of the grid whose simulated power reaches `target_power`.
    static func result(_ settings: Settings, cells: [TrialPower], producer: String?) -> ResultJSON {
        let source: ResultJSON = settings.medianSource.map { source in
            .object([("input", .string(source.input)), ("group", .string(source.group)), ("stage", .optional(producer))])
        } ?? .null
        let cellJSON = cells.map { cell -> ResultJSON in
            .object([
                ("hazard_ratio", .number(cell.design.hazardRatio)), ("sample_size", .integer(cell.design.sampleSize)),
                ("power", .number(cell.power)), ("mc_se", .number(cell.monteCarloStandardError)),
                ("mean_events", .number(cell.meanEvents)), ("mean_hr", .number(cell.meanHazardRatio)),
                ("median_hr", .number(cell.medianHazardRatio)), ("schoenfeld_power", .number(cell.schoenfeldPower)),
                ("expected_events", .number(cell.expectedEvents)), ("undefined_hr", .integer(cell.undefinedCount)),
            ])
        }
        let smallest = settings.hazardRatios.map { hr -> ResultJSON in
            let reaching = cells.filter { $0.design.hazardRatio == hr && $0.power >= settings.targetPower }
                .min { $0.design.sampleSize < $1.design.sampleSize }
            return .object([("hazard_ratio", .number(hr)), ("sample_size", reaching.map { .integer($0.design.sampleSize) } ?? .null),
                            ("power", .optional(reaching?.power))])
        }
        return .object([
            ("kind", .string("trial-power")), ("analysis", .string(settings.analysis.rawValue)),
            ("alpha", .number(settings.alpha)), ("replicates", .integer(settings.replicates)),
            ("seed", .integer(Int(settings.seed))), ("allocation", .number(settings.allocation)),
            ("control_median", .optional(settings.controlMedian)), ("control_median_from", source),
            ("accrual", .number(settings.accrual)), ("follow_up", .number(settings.followUp)),
            ("dropout", .number(settings.dropout)), ("target_power", .number(settings.targetPower)),
            ("cells", .array(cellJSON)), ("smallest_sample_size", .array(smallest)),
        ])
    }
}
