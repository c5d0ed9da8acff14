import StudyCore

/// The `with:` settings of `survival/log-rank`, read through one `SettingsReader` at load
/// (`check`) and at run, so both list every problem with its field path and the same words.
struct LogRankSettings {
    var time: String
    var event: String
    var group: String
    var strata: String?
    /// The G-rho weight: 0 is the log-rank test, 1 Peto-Peto's.
    var rho: Double

    static let known = ["time", "event", "group", "strata", "rho"]

    /// Settings the other survival kinds take but R's `survdiff` does not define, each with why and
    /// what to use instead.
    static let refused: [(name: String, reason: String)] = [
        ("start", "R's survival::survdiff defines the log-rank test for right-censored data only (it stops with "
            + "\"Right censored data only\" on Surv(start, stop, event)); drop start, or fit survival/cox with start: instead"),
        ("weights", "R's survival::survdiff takes no case weights (it has no weights argument); drop weights, "
            + "or fit survival/cox with weights: instead"),
    ]

    /// Reads `with:` with a fresh `reader`; nil when anything is wrong (the problems are in `reader`).
    static func read(_ with: JSONValue, _ reader: inout SettingsReader) -> LogRankSettings? {
        var with = with
        if case .object(var members) = with {
            for (name, reason) in refused where members.removeValue(forKey: name) != nil {
                reader.problem("with.\(name)", "is not supported by survival/log-rank: " + reason)
            }
            with = .object(members)
        }
        guard let w = reader.survivalSettings(with, known: known) else { return nil }
        let time = reader.column(w["time"], "with.time")
        let event = reader.column(w["event"], "with.event")
        let group = reader.column(w["group"], "with.group")
        let strata = reader.optionalColumn(w["strata"], "with.strata")
        var rho = reader.number(w["rho"], "with.rho", fallback: 0)
        if let value = rho, value < 0 {
            reader.problem("with.rho", "must not be negative, not \(JSONValue.format(value))")
            rho = nil
        }
        guard reader.problems.isEmpty, let time, let event, let group, let rho else { return nil }
        return LogRankSettings(time: time, event: event, group: group, strata: strata, rho: rho)
    }
}
