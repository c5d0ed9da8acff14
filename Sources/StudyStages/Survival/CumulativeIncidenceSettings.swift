import StudyCore

/// The `with:` settings of `survival/cumulative-incidence`, read through one `SettingsReader` at
/// load (`check`) and at run, so both list every problem with its field path and the same words.
struct CumulativeIncidenceSettings {
    var time: String
    /// The event-code column: 0 censored, any other number an event type.
    var event: String
    var group: String?
    var confLevel: Double
    /// `labels: {1: progression, 2: death}`: a name for each event code, by the code's value.
    var labels: [Double: String]

    static let known = ["time", "event", "group", "labels", "conf_level"]

    /// Reads `with:` with a fresh `reader`; nil when anything is wrong (the problems are in `reader`).
    static func read(_ with: JSONValue, _ reader: inout SettingsReader) -> CumulativeIncidenceSettings? {
        guard let w = reader.survivalSettings(with, known: known) else { return nil }
        let time = reader.column(w["time"], "with.time")
        let event = reader.column(w["event"], "with.event")
        let group = reader.optionalColumn(w["group"], "with.group")
        let confLevel = reader.confLevel(w["conf_level"], "with.conf_level")
        let labels = eventLabels(w["labels"], &reader)
        guard reader.problems.isEmpty, let time, let event, let confLevel else { return nil }
        return CumulativeIncidenceSettings(time: time, event: event, group: group, confLevel: confLevel, labels: labels)
    }

    /// `labels:` as code → name: each key a non-zero event code, each name non-empty and distinct.
    static func eventLabels(_ value: JSONValue?, _ reader: inout SettingsReader) -> [Double: String] {
        guard let members = reader.mapping(value, "with.labels", known: nil, optional: true,
                                           expected: "a mapping of event codes to names, e.g. {1: relapse, 2: death}") else { return [:] }
        var out: [Double: String] = [:]
        var seen: [String: String] = [:]
        for key in members.keys.sorted() {
            let path = "with.labels.\(key)"
            guard let code = NumberFormat.parse(NumberFormat.trimmed(key)), code.isFinite else {
                reader.problem(path, "'\(key)' is not an event code; key each name by the number the event column holds, e.g. {1: relapse, 2: death}")
                continue
            }
            guard code != 0 else {
                reader.problem(path, "0 is the code for censored rows and takes no label; name only the event codes")
                continue
            }
            guard let name = reader.text(members[key], path, expected: "a name") else { continue }
            guard !name.isEmpty else {
                reader.problem(path, "must be a name, not \"\"")
                continue
            }
            if out[code] != nil {
                reader.problem(path, "names code \(JSONValue.format(code)) a second time; keep one key per code")
                continue
            }
            if let other = seen[name] {
                reader.problem(path, "the name '\(name)' is already the label of code \(other); give each event type its own name")
                continue
            }
            seen[name] = key
            out[code] = name
        }
        return out
    }
}
