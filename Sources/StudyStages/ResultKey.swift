/// Result member names that more than one result model writes, spelled once. A name only one model
/// uses lives in that model's file (`KaplanMeierOutput.Key`, …); `ResultKeyOwnershipTests` fails
/// when a name is spelled anywhere else, or here while only one model uses it.
enum ResultKey {
    /// The result kind tag (`"kind":"survival/cox"`); the ingest/csv summary has none.
    static let kind = "kind"
    static let time = "time"
    static let event = "event"
    static let group = "group"
    static let n = "n"
    static let nDropped = "n_dropped"
    static let events = "events"
    static let median = "median"
    static let estimate = "estimate"
    static let se = "se"
    static let statistic = "statistic"
    static let df = "df"
    static let p = "p"
    static let strata = "strata"
    static let term = "term"
    static let hr = "hr"
    static let seed = "seed"
    static let accrual = "accrual"
    static let followUp = "follow_up"
    static let dropout = "dropout"
    static let type = "type"
    static let levels = "levels"
    static let observed = "observed"
    // Shared by survival/cox and survival/parametric (the model terms, likelihoods and fit state).
    static let terms = "terms"
    static let coef = "coef"
    static let z = "z"
    static let hrLower = "hr_lower"
    static let hrUpper = "hr_upper"
    static let loglik = "loglik"
    static let null = "null"
    static let fit = "fit"
    static let tests = "tests"
    static let likelihoodRatio = "likelihood_ratio"
    static let vcov = "vcov"
    static let iterations = "iterations"
    static let converged = "converged"
    /// survival/parametric's σ and simulate/cohort's Weibull scale.
    static let scale = "scale"
    /// survival/kaplan-meier and survival/parametric echo their confidence level.
    static let confLevel = "conf_level"
    // Curves with pointwise limits (survival/kaplan-meier, survival/cumulative-incidence).
    static let curves = "curves"
    static let steps = "steps"
    static let stdErr = "std_err"
    static let lower = "lower"
    static let upper = "upper"
    static let groups = "groups"
}
