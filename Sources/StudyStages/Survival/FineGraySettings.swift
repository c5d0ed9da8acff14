import StudyCore
import StudyStats

/// The `with:` settings of `survival/fine-gray`, read through one `SettingsReader` at load
/// (`check`) and at run: the competing-risks outcome (`time`, `event` with 0 for censored and
/// positive whole numbers for causes, the `cause` modelled) and the model terms as `survival/cox` takes them.
struct FineGraySettings {
    var time: String
    var event: String
    /// The event code whose subdistribution hazard is modelled (R's `etype`), as written.
    var cause: String
    var covariates: [String]
    var references: [String: String?]
    var interactions: [[String]]
    /// `cluster:`: group the expanded rows by this column for the robust variance (`cluster = id`).
    var cluster: String?
    var ties: CoxTies
    var confLevel: Double

    static let known = ["time", "event", "cause", "covariates", "categorical", "interactions", "cluster", "ties", "conf_level"]

    /// Reads `with:` with a fresh `reader`; nil when anything is wrong (the problems are in `reader`).
    static func read(_ with: JSONValue, _ reader: inout SettingsReader) -> FineGraySettings? {
        guard let w = reader.survivalSettings(with, known: known) else { return nil }
        let time = reader.column(w["time"], "with.time")
        let event = reader.column(w["event"], "with.event")
        let cause = reader.text(w["cause"], "with.cause", expected: "a value of the event column",
                                missing: "missing; name the event value to model, e.g. cause: 1")
        if let cause, !(NumberFormat.parse(cause).map { $0 > 0 && $0 == $0.rounded() } ?? false) {
            reader.problem("with.cause", "must be a cause code, a positive whole number (0 marks censored rows), not '\(cause)'")
        }
        let covariates = reader.textList(w["covariates"], "with.covariates", item: "a column name",
                                        list: "a list of column names", distinct: "covariate")
        switch w["covariates"] {
        case nil, .null?, .array([])?: reader.problem("with.covariates", "missing; list the covariate columns")
        default: break
        }
        let cluster = reader.optionalColumn(w["cluster"], "with.cluster")
        let ties = reader.choice(w["ties"], "with.ties", among: ["efron", "breslow"], fallback: "efron").flatMap(CoxTies.init(rawValue:))
        let confLevel = reader.confLevel(w["conf_level"], "with.conf_level")
        let references = CoxSettings.categorical(w["categorical"], among: covariates, &reader)
        let interactions = CoxSettings.interactionList(w["interactions"], among: covariates, &reader)
        guard reader.problems.isEmpty, let time, let event, let cause, let ties, let confLevel else { return nil }
        return FineGraySettings(time: time, event: event, cause: cause, covariates: covariates, references: references,
                                interactions: interactions, cluster: cluster, ties: ties, confLevel: confLevel)
    }
}
