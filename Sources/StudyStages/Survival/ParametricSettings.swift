import StudyCore
import StudyStats

/// The `with:` settings of `survival/parametric`, read through one `SettingsReader` at load and at
/// run. Covariates, `categorical` and `interactions` are read as `survival/cox` reads them (the
/// same functions), so both kinds accept and refuse the same spellings.
struct ParametricSettings {
    var time: String
    var event: String
    /// May be empty: an intercept-only model (`Surv(time, event) ~ 1`).
    var covariates: [String]
    var distribution: ParametricDistribution
    var confLevel: Double
    var references: [String: String?]
    var interactions: [[String]]

    static let known = ["time", "event", "covariates", "categorical", "interactions", "distribution", "conf_level", "start"]

    /// Reads `with:` with a fresh `reader`; nil when anything is wrong (the problems are in `reader`).
    static func read(_ with: JSONValue, _ reader: inout SettingsReader) -> ParametricSettings? {
        guard let w = reader.survivalSettings(with, known: known) else { return nil }
        let time = reader.column(w["time"], "with.time")
        let event = reader.column(w["event"], "with.event")
        if let start = w["start"], start != .null {
            reader.problem("with.start", "counting-process data (start, stop] are not supported by survival/parametric, "
                + "which fits right-censored data only (interval censoring neither); remove 'start', or use survival/cox for (start, stop] data")
        }
        let covariates = reader.textList(w["covariates"], "with.covariates", item: "a column name",
                                        list: "a list of column names", distinct: "covariate")
        let distribution = reader.choice(w["distribution"], "with.distribution",
                                         among: ParametricDistribution.allCases.map(\.rawValue), fallback: "weibull")
            .flatMap(ParametricDistribution.init(rawValue:))
        let confLevel = reader.confLevel(w["conf_level"], "with.conf_level")
        let references = CoxSettings.categorical(w["categorical"], among: covariates, &reader)
        let interactions = CoxSettings.interactionList(w["interactions"], among: covariates, &reader)
        // CoxSettings checks membership only against a non-empty list; an intercept-only model has none.
        if covariates.isEmpty {
            for name in references.keys.sorted() {
                reader.problem("with.categorical.\(name)", "'\(name)' is not among with.covariates; add it there")
            }
            if !interactions.isEmpty {
                reader.problem("with.interactions", "names columns but with.covariates is empty; list the columns there")
            }
        }
        guard reader.problems.isEmpty, let time, let event, let distribution, let confLevel else { return nil }
        return ParametricSettings(time: time, event: event, covariates: covariates, distribution: distribution,
                                  confLevel: confLevel, references: references, interactions: interactions)
    }
}

extension ParametricSettings {
    /// The columns a parametric fit reads, as the Cox reader takes them (no strata, start,
    /// cluster or weights: right-censored rows only), so both kinds read tables one way.
    var coxColumns: CoxSettings {
        CoxSettings(time: time, event: event, covariates: covariates, strata: [], start: nil, cluster: nil, weights: nil,
                    ties: .efron, confLevel: confLevel, phTest: false, references: references, interactions: interactions)
    }
}
