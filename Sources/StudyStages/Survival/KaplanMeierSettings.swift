import StudyCore
import StudyStats

/// The `with:` settings of `survival/kaplan-meier`, read through one `SettingsReader` at load
/// (`check`) and at run, so both list every problem with its field path and the same words.
struct KaplanMeierSettings {
    var time: String
    var event: String
    var group: String?
    /// `start`: the entry-time column of counting-process rows `(start, time]`.
    var start: String?
    /// `weights`: the case-weight column.
    var weights: String?
    /// `conf_type` as written (`log`, `log-log`), echoed in the result.
    var confTypeName: String
    var confType: KaplanMeier.ConfidenceType
    var confLevel: Double
    /// `rmst_tau`: the horizon of the restricted mean, when asked for.
    var tau: Double?

    static let known = ["time", "event", "group", "start", "weights", "conf_type", "conf_level", "rmst_tau"]

    /// Reads `with:` with a fresh `reader`; nil when anything is wrong (the problems are in `reader`).
    static func read(_ with: JSONValue, _ reader: inout SettingsReader) -> KaplanMeierSettings? {
        guard let w = reader.survivalSettings(with, known: known) else { return nil }
        let time = reader.column(w["time"], "with.time")
        let event = reader.column(w["event"], "with.event")
        let group = reader.optionalColumn(w["group"], "with.group")
        let start = reader.optionalColumn(w["start"], "with.start")
        let weights = reader.optionalColumn(w["weights"], "with.weights")
        if let start, start == time {
            reader.problem("with.start", "names the same column as with.time ('\(start)'); each row is the interval (start, time], so name its entry-time column")
        }
        let confTypeName = reader.choice(w["conf_type"], "with.conf_type", among: ["log", "log-log"], fallback: "log")
        let confLevel = reader.confLevel(w["conf_level"], "with.conf_level")
        let tau = reader.positive(w["rmst_tau"], "with.rmst_tau", optional: true)
        guard reader.problems.isEmpty, let time, let event, let confTypeName, let confLevel else { return nil }
        return KaplanMeierSettings(time: time, event: event, group: group, start: start, weights: weights, confTypeName: confTypeName,
                                   confType: confTypeName == "log-log" ? .logLog : .log, confLevel: confLevel, tau: tau)
    }
}
