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

    /// The settings, read.
    struct Settings {
        var model: CohortModel
        var patients: Int
        var seed: UInt64
        var time: String
        var event: String
        var decimals: Int?
    }

    /// Every problem with the settings and the declared outputs.
    public func check(_ declaration: StageDeclaration) -> [String] {
        var reader = SimulationSettings()
        _ = Self.read(declaration.with, &reader)
        for output in ["table", "truth"] where declaration.outputs[output] == nil {
            reader.problem("outputs.\(output)", "missing; simulate/cohort writes outputs 'table' (CSV) and 'truth' (JSON)")
        }
        return reader.problems
    }

    /// Simulates and writes both outputs; settings that fail the check fail the stage the same way.
    public func run(_ context: StageKindContext) -> StageOutcome {
        var reader = SimulationSettings()
        guard let settings = Self.read(context.with, &reader), reader.problems.isEmpty else {
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
        return .failed(status: 1, message: problems.first ?? "invalid settings")
    }

    /// Reads `with:` into a model; nil when anything is wrong (the problems are in `reader`).
    static func read(_ with: JSONValue, _ reader: inout SimulationSettings) -> Settings? {
        let known = ["patients", "seed", "time", "event", "strata", "arms", "covariates", "log_hazard_ratios",
                     "censoring", "decimals"]
        guard let w = reader.mapping(with, "with", known: known) else { return nil }
        let patients = reader.integer(w["patients"], "with.patients", in: 1...maxPatients)
        let seed = reader.seed(w["seed"], "with.seed")
        let time = reader.name(w["time"], "with.time")
        let event = reader.name(w["event"], "with.event")
        let decimals = w["decimals"] == nil ? nil : reader.integer(w["decimals"], "with.decimals", in: 0...15)

        var baselines = [WeibullBaseline]()
        let strata = readFactor(w["strata"], "with.strata", &reader) { item, path, reader in
            let shape = reader.positive(item["shape"], path + ".shape")
            let median = reader.positive(item["median"], path + ".median")
            baselines.append(WeibullBaseline(shape: shape ?? 1, median: median ?? 1))
        }
        let arms = readFactor(w["arms"], "with.arms", &reader) { _, _, _ in }

        var covariates = [CohortCovariate]()
        for (k, item) in (reader.list(w["covariates"], "with.covariates", optional: true) ?? []).enumerated() {
            let path = "with.covariates[\(k)]"
            guard case .object(let members) = item else {
                reader.problem(path, "must be a mapping with column and type")
                continue
            }
            switch members["type"] {
            case .string("binary")?:
                _ = reader.mapping(item, path, known: ["column", "type", "prevalence"])
                let column = reader.name(members["column"], path + ".column") ?? ""
                covariates.append(.binary(name: column, prevalence: readPrevalence(members["prevalence"], path + ".prevalence", strata, &reader)))
            case .string("normal")?:
                _ = reader.mapping(item, path, known: ["column", "type", "mean", "sd"])
                let column = reader.name(members["column"], path + ".column") ?? ""
                let mean = reader.number(members["mean"], path + ".mean") ?? 0
                let sd = reader.nonNegative(members["sd"], path + ".sd") ?? 1
                covariates.append(.normal(name: column, mean: mean, sd: sd))
            case .string("categorical")?:
                _ = reader.mapping(item, path, known: ["column", "type", "levels"])
                var factorItem = members
                factorItem["type"] = nil
                if let factor = readFactor(.object(factorItem), path, &reader, extra: { _, _, _ in }) {
                    covariates.append(.categorical(factor))
                }
            default:
                reader.problem(path + ".type", "must be binary, normal or categorical, not \(members["type"].map(SimulationSettings.show) ?? "missing")")
            }
        }

        var names: [(name: String, path: String)] = []
        if let time { names.append((time, "with.time")) }
        if let event { names.append((event, "with.event")) }
        if let strata { names.append((strata.name, "with.strata.column")) }
        if let arms { names.append((arms.name, "with.arms.column")) }
        for (k, c) in covariates.enumerated() where !c.name.isEmpty { names.append((c.name, "with.covariates[\(k)].column")) }
        reader.distinct(names, what: "column")

        var censoring: CohortCensoring?
        if let c = reader.mapping(w["censoring"], "with.censoring", known: ["accrual", "follow_up", "dropout"]) {
            let accrual = reader.nonNegative(c["accrual"], "with.censoring.accrual", fallback: 0)
            let followUp = reader.positive(c["follow_up"], "with.censoring.follow_up")
            let dropout = reader.nonNegative(c["dropout"], "with.censoring.dropout", fallback: 0)
            if let accrual, let followUp, let dropout {
                censoring = CohortCensoring(accrual: accrual, followUp: followUp, dropout: dropout)
            }
        }

        guard let strata, let arms, let censoring, let patients, let seed, let time, let event,
              reader.problems.isEmpty else { return nil }
        var model = CohortModel(strata: strata, baselines: baselines, arms: arms, covariates: covariates,
                                effects: [], censoring: censoring)
        var terms: [(name: String, path: String)] = []
        for (k, item) in (reader.list(w["log_hazard_ratios"], "with.log_hazard_ratios", optional: true) ?? []).enumerated() {
            let path = "with.log_hazard_ratios[\(k)]"
            guard let members = reader.mapping(item, path, known: ["term", "value"]) else { continue }
            guard case .string(let term)? = members["term"] else {
                reader.problem(path + ".term", "missing; expected a term such as 'treatment=\(arms.levels.last!)'")
                continue
            }
            guard let value = reader.number(members["value"], path + ".value") else { continue }
            guard reader.require(value.isFinite, path + ".value", "must be finite") else { continue }
            switch model.term(named: term) {
            case .success(let factors):
                model.effects.append(CohortEffect(term: term, factors: factors, logHazardRatio: value))
                terms.append((term, path + ".term"))
            case .failure(let error):
                reader.problem(path + ".term", error.description)
            }
        }
        reader.distinct(terms, what: "term")
        guard reader.problems.isEmpty else { return nil }
        return Settings(model: model, patients: patients, seed: seed, time: time, event: event, decimals: decimals)
    }

    /// A factor `{column, levels: [{label, proportion, …}]}`; `extra` reads each level's further keys.
    private static func readFactor(
        _ value: JSONValue?, _ path: String, _ reader: inout SimulationSettings,
        extra: (_ item: [String: JSONValue], _ path: String, _ reader: inout SimulationSettings) -> Void
    ) -> CohortFactor? {
        let isStrata = path == "with.strata"
        guard let m = reader.mapping(value, path, known: ["column", "levels"]) else { return nil }
        let column = reader.name(m["column"], path + ".column")
        let levelKeys = isStrata ? ["label", "proportion", "shape", "median"] : ["label", "proportion"]
        var labels: [(name: String, path: String)] = []
        var proportions = [Double?]()
        let before = reader.problems.count
        for (k, item) in (reader.list(m["levels"], path + ".levels") ?? []).enumerated() {
            let levelPath = "\(path).levels[\(k)]"
            guard let level = reader.mapping(item, levelPath, known: levelKeys) else {
                proportions.append(nil)
                continue
            }
            if let label = reader.name(level["label"], levelPath + ".label") { labels.append((label, levelPath + ".label")) }
            proportions.append(reader.probability(level["proportion"], levelPath + ".proportion"))
            extra(level, levelPath, &reader)
        }
        reader.distinct(labels, what: "level")
        let read = proportions.compactMap { $0 }
        if !read.isEmpty && read.count == proportions.count { reader.sumsToOne(read, path + ".levels") }
        guard reader.problems.count == before, let column, !labels.isEmpty else { return nil }
        return CohortFactor(name: column, levels: labels.map(\.name), proportions: read)
    }

    /// A binary covariate's prevalence: one number for every stratum, or a mapping stratum → number.
    private static func readPrevalence(_ value: JSONValue?, _ path: String, _ strata: CohortFactor?,
                                       _ reader: inout SimulationSettings) -> [Double] {
        if case .object(let members)? = value, strata == nil {
            // The strata are wrong (reported there): check the values alone.
            for key in members.keys.sorted() { _ = reader.probability(members[key], "\(path).\(key)") }
            return []
        }
        let levels = strata?.levels ?? []
        if case .object(let members)? = value {
            for key in members.keys.sorted() where !levels.contains(key) {
                reader.problem("\(path).\(key)", "not a stratum; strata: \(levels.joined(separator: ", "))")
            }
            return levels.map { level in
                guard members[level] != nil else {
                    reader.problem(path, "missing stratum '\(level)'; give a prevalence for every stratum or one number")
                    return 0
                }
                return reader.probability(members[level], "\(path).\(level)") ?? 0
            }
        }
        let p = reader.probability(value, path) ?? 0
        return levels.map { _ in p }
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
