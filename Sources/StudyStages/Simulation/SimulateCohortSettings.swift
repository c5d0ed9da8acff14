import StudyCore
import StudyStats

/// The `with:` settings of `simulate/cohort` (schema in `SimulateCohort`'s doc comment), read
/// through one `SettingsReader`: every problem is one line naming its field
/// (`with.strata.levels[2].median: must be positive, not -3`), at load and again at run.
struct SimulateCohortSettings {
    var model: CohortModel
    var patients: Int
    var seed: UInt64
    var time: String
    var event: String
    var decimals: Int?

    static let known = ["patients", "seed", "time", "event", "strata", "arms", "covariates", "log_hazard_ratios",
                        "censoring", "decimals"]

    /// Reads `with:` into a model; nil when anything is wrong (the problems are in `reader`).
    static func read(_ with: JSONValue, _ reader: inout SettingsReader) -> SimulateCohortSettings? {
        guard let w = reader.mapping(with, "with", known: known) else { return nil }
        let patients = reader.integer(w["patients"], "with.patients", in: 1...SimulateCohort.maxPatients)
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
        let covariates = readCovariates(w["covariates"], strata, &reader)

        var names: [(name: String, path: String)] = []
        if let time { names.append((time, "with.time")) }
        if let event { names.append((event, "with.event")) }
        if let strata { names.append((strata.name, "with.strata.column")) }
        if let arms { names.append((arms.name, "with.arms.column")) }
        for (k, c) in covariates.enumerated() where !c.name.isEmpty { names.append((c.name, "with.covariates[\(k)].column")) }
        reader.distinct(names, what: "column")

        let censoring = readCensoring(w["censoring"], &reader)
        guard let strata, let arms, let censoring, let patients, let seed, let time, let event,
              reader.problems.isEmpty else { return nil }
        var model = CohortModel(strata: strata, baselines: baselines, arms: arms, covariates: covariates,
                                effects: [], censoring: censoring)
        readEffects(w["log_hazard_ratios"], into: &model, &reader)
        guard reader.problems.isEmpty else { return nil }
        return SimulateCohortSettings(model: model, patients: patients, seed: seed, time: time, event: event, decimals: decimals)
    }

    /// `covariates: [{column, type: binary|normal|categorical, …}]`.
    private static func readCovariates(_ value: JSONValue?, _ strata: CohortFactor?,
                                       _ reader: inout SettingsReader) -> [CohortCovariate] {
        var covariates = [CohortCovariate]()
        for (k, item) in (reader.list(value, "with.covariates", optional: true) ?? []).enumerated() {
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
                reader.problem(path + ".type", "must be binary, normal or categorical, not \(members["type"].map(SettingsReader.show) ?? "missing")")
            }
        }
        return covariates
    }

    /// `censoring: {accrual, follow_up, dropout}`.
    private static func readCensoring(_ value: JSONValue?, _ reader: inout SettingsReader) -> CohortCensoring? {
        guard let c = reader.mapping(value, "with.censoring", known: ["accrual", "follow_up", "dropout"]) else { return nil }
        let accrual = reader.nonNegative(c["accrual"], "with.censoring.accrual", fallback: 0)
        let followUp = reader.positive(c["follow_up"], "with.censoring.follow_up")
        let dropout = reader.nonNegative(c["dropout"], "with.censoring.dropout", fallback: 0)
        guard let accrual, let followUp, let dropout else { return nil }
        return CohortCensoring(accrual: accrual, followUp: followUp, dropout: dropout)
    }

    /// `log_hazard_ratios: [{term, value}]`, each term checked against the model's factors.
    private static func readEffects(_ value: JSONValue?, into model: inout CohortModel, _ reader: inout SettingsReader) {
        var terms: [(name: String, path: String)] = []
        for (k, item) in (reader.list(value, "with.log_hazard_ratios", optional: true) ?? []).enumerated() {
            let path = "with.log_hazard_ratios[\(k)]"
            guard let members = reader.mapping(item, path, known: ["term", "value"]) else { continue }
            guard case .string(let term)? = members["term"] else {
                reader.problem(path + ".term", "missing; expected a term such as 'treatment=\(model.arms.levels.last!)'")
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
    }

    /// A factor `{column, levels: [{label, proportion, …}]}`; `extra` reads each level's further keys.
    private static func readFactor(
        _ value: JSONValue?, _ path: String, _ reader: inout SettingsReader,
        extra: (_ item: [String: JSONValue], _ path: String, _ reader: inout SettingsReader) -> Void
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
                                       _ reader: inout SettingsReader) -> [Double] {
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
}
