#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyEngine
import StudyStats

/// `uses: simulate/cohort`: a seeded virtual cohort (output `table`, CSV) and its true parameters
/// (output `truth`, JSON), from the generative model in `with:` (schema in README.md):
///
/// ```yaml
/// with:
///   patients: 20000
///   seed: 11
///   time: months                   # names of the time and event columns
///   event: death
///   strata:
///     column: cancer
///     levels:
///       - {label: NSCLC, proportion: 0.5, shape: 1.1, median: 14}   # Weibull baseline
///       - {label: melanoma, proportion: 0.5, shape: 0.9, median: 30}
///   arms:
///     column: treatment
///     levels: [{label: chemotherapy, proportion: 0.5}, {label: immunotherapy, proportion: 0.5}]
///   covariates:
///     - {column: liver, type: binary, prevalence: {NSCLC: 0.3, melanoma: 0.2}}
///     - {column: age, type: normal, mean: 64, sd: 10}
///     - {column: ecog, type: categorical, levels: [{label: "0", proportion: 0.6}, {label: "1", proportion: 0.4}]}
///   log_hazard_ratios:
///     - {term: "liver:treatment=immunotherapy", value: 0.5}
///   censoring: {accrual: 24, follow_up: 18, dropout: 0.01}
///   decimals: 3                    # optional rounding of written times and normal covariates
/// ```
///
/// Columns: stratum, arm, covariates in order, time, event (0/1). Settings are checked at load.
public struct SimulateCohort: StageKind {
    /// Creates the kind.
    public init() {}

    /// The name used in `uses:`.
    public var name: String { "simulate/cohort" }
    /// The implementation version.
    public var version: Int { 1 }

    /// Most patients one stage simulates: the cohort and its CSV text are held in memory
    /// (about 200 bytes a patient).
    static let maxPatients = 10_000_000

    /// The settings, read (`SimulateCohortSettings`); the writers below take them by this name.
    typealias Settings = SimulateCohortSettings

    /// Every problem with the settings and the declared outputs.
    public func check(_ declaration: StageDeclaration) -> [String] {
        var reader = SettingsReader()
        _ = Settings.read(declaration.with, &reader)
        for output in ["table", "truth"] where declaration.outputs[output] == nil {
            reader.problem("outputs.\(output)", "missing; simulate/cohort writes outputs 'table' (CSV) and 'truth' (JSON)")
        }
        return reader.problems
    }

    /// Simulates and writes both outputs; settings that fail the check fail the stage the same way.
    public func run(_ context: StageKindContext) -> StageOutcome {
        var reader = SettingsReader()
        guard let settings = Settings.read(context.with, &reader), reader.problems.isEmpty else {
            return fail(reader.problems, context)
        }
        guard let tablePath = context.outputs["table"], let truthPath = context.outputs["truth"] else {
            return fail(["simulate/cohort needs outputs 'table' (CSV) and 'truth' (JSON)"], context)
        }
        let sample = CohortSimulation.simulate(settings.model, count: settings.patients, seed: settings.seed,
                                               threads: context.threads)
        do {
            try FileIO.writeAtomically(tablePath, Self.csv(sample, settings))
            try FileIO.writeAtomically(truthPath, Self.truth(settings, sample).fileBytes)
        } catch {
            return fail(["cannot write outputs: \(error)"], context)
        }
        let events = sample.event.filter { $0 }.count
        context.log("simulate/cohort: \(sample.count) patients, \(events) events, seed \(settings.seed), \(context.threads) thread(s)")
        return .succeeded
    }

    private func fail(_ problems: [String], _ context: StageKindContext) -> StageOutcome {
        for p in problems { context.log(p) }
        return .failed(status: 1, message: problems.isEmpty ? "invalid settings" : problems.joined(separator: "\n"))
    }

    /// The cohort as CSV: factor labels, 0/1, numbers in the shortest round-trip form.
    static func csv(_ sample: CohortSample, _ settings: Settings) -> [UInt8] {
        let model = settings.model
        let scale = settings.decimals.map { pow(10, Double($0)) }
        func number(_ d: Double) -> String {
            guard let scale else { return NumberFormat.format(d) }
            return NumberFormat.format((d * scale).rounded() / scale)
        }
        var out = (model.variableNames + [settings.time, settings.event]).joined(separator: ",") + "\n"
        out.reserveCapacity(sample.count * 48)
        let labels: [[String]?] = [model.strata.levels, model.arms.levels] + model.covariates.map { covariate in
            if case let .categorical(factor) = covariate { return factor.levels }
            return nil
        }
        let binary = [false, false] + model.covariates.map { if case .binary = $0 { return true } else { return false } }
        for i in 0..<sample.count {
            for v in 0..<labels.count {
                let value = sample.values[v][i]
                if let levels = labels[v] { out += levels[Int(value)] }
                else if binary[v] { out += value == 1 ? "1" : "0" }
                else { out += number(value) }
                out += ","
            }
            out += number(sample.time[i])
            out += sample.event[i] ? ",1\n" : ",0\n"
        }
        return Array(out.utf8)
    }

    /// The true parameters, with the realised event count.
    static func truth(_ settings: Settings, _ sample: CohortSample) -> CohortTruthOutput {
        let model = settings.model
        func factor(_ f: CohortFactor, baselines: [WeibullBaseline]? = nil) -> CohortTruthOutput.Factor {
            CohortTruthOutput.Factor(column: f.name, levels: f.levels.indices.map { i in
                CohortTruthOutput.Level(label: f.levels[i], proportion: f.proportions[i], baseline: baselines.map { b in
                    CohortTruthOutput.Baseline(shape: b[i].shape, median: b[i].median, scale: b[i].scale)
                })
            })
        }
        let covariates = model.covariates.map { covariate -> CohortTruthOutput.Covariate in
            switch covariate {
            case let .binary(name, prevalence):
                return .binary(column: name, prevalence: zip(model.strata.levels, prevalence).map {
                    CohortTruthOutput.Prevalence(stratum: $0, value: $1)
                })
            case let .normal(name, mean, sd):
                return .normal(column: name, mean: mean, sd: sd, centredInTerms: true)
            case let .categorical(f):
                return .categorical(factor(f))
            }
        }
        let events = sample.event.filter { $0 }.count
        return CohortTruthOutput(
            patients: settings.patients, seed: Int(settings.seed), time: settings.time, event: settings.event,
            strata: factor(model.strata, baselines: model.baselines), arms: factor(model.arms), covariates: covariates,
            logHazardRatios: model.effects.map {
                CohortTruthOutput.Effect(term: $0.term, logHR: $0.logHazardRatio, hr: exp($0.logHazardRatio).finiteOrNil)
            },
            censoring: CohortTruthOutput.Censoring(accrual: model.censoring.accrual, followUp: model.censoring.followUp,
                                                   dropout: model.censoring.dropout),
            decimals: settings.decimals, events: events, eventFraction: Double(events) / Double(max(sample.count, 1)))
    }
}
