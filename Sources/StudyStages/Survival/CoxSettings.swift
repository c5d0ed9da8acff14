import StudyCore
import StudyStats

/// The `with:` settings of `survival/cox`, read through one `SettingsReader` at load (`check`) and
/// at run, so both list every problem with its field path (`with.covariates[2]`,
/// `with.interactions[0][1]`) and the same words.
struct CoxSettings {
    var time: String
    var event: String
    var covariates: [String]
    /// `strata: a` or `strata: [a, b]`: the columns whose combinations are the strata (R's `strata(a, b)`).
    var strata: [String]
    /// `start:`: the entry column of counting-process rows `(start, time]`.
    var start: String?
    /// `cluster:`: the column whose values group rows for the robust variance (`cluster = id`).
    var cluster: String?
    /// `weights:`: the case-weight column (`weights = w`).
    var weights: String?
    var ties: CoxTies
    var confLevel: Double
    var phTest: Bool
    /// `categorical: {col: {reference: L}}`: the columns read as factors, each with its reference
    /// level when one is given.
    var references: [String: String?]
    /// `interactions: [[a, b], …]`.
    var interactions: [[String]]

    static let known = ["time", "event", "start", "covariates", "categorical", "interactions", "strata",
                        "cluster", "weights", "ties", "conf_level", "ph_test"]

    /// Reads `with:` with a fresh `reader`; nil when anything is wrong (the problems are in `reader`).
    static func read(_ with: JSONValue, _ reader: inout SettingsReader) -> CoxSettings? {
        guard let w = reader.survivalSettings(with, known: known) else { return nil }
        let time = reader.column(w["time"], "with.time")
        let event = reader.column(w["event"], "with.event")
        let covariates = reader.textList(w["covariates"], "with.covariates", item: "a column name",
                                        list: "a list of column names", distinct: "covariate")
        switch w["covariates"] {
        case nil, .null?, .array([])?: reader.problem("with.covariates", "missing; list the covariate columns")
        default: break
        }
        let strata = reader.textList(w["strata"], "with.strata", item: "a column name",
                                     list: "a column name or a list of column names", distinct: "strata column")
        if case .array([])? = w["strata"] { reader.problem("with.strata", "must not be empty; name a column or leave strata out") }
        let start = reader.optionalColumn(w["start"], "with.start")
        let cluster = reader.optionalColumn(w["cluster"], "with.cluster")
        let weights = reader.optionalColumn(w["weights"], "with.weights")
        let ties = reader.choice(w["ties"], "with.ties", among: ["efron", "breslow"], fallback: "efron").flatMap(CoxTies.init(rawValue:))
        let confLevel = reader.confLevel(w["conf_level"], "with.conf_level")
        let phTest = reader.bool(w["ph_test"], "with.ph_test") ?? false
        if phTest, start != nil || weights != nil {
            reader.problem("with.ph_test", "is not available with \(start != nil ? "'start'" : "'weights'") (the test of "
                + "counting-process or weighted fits is not implemented); remove ph_test, or check proportional hazards "
                + "on a fit without \(start != nil ? "start" : "weights")")
        }
        let references = categorical(w["categorical"], among: covariates, &reader)
        let interactions = interactionList(w["interactions"], among: covariates, &reader)
        guard reader.problems.isEmpty, let time, let event, let ties, let confLevel else { return nil }
        return CoxSettings(time: time, event: event, covariates: covariates, strata: strata, start: start, cluster: cluster,
                           weights: weights, ties: ties, confLevel: confLevel, phTest: phTest, references: references,
                           interactions: interactions)
    }

    /// `categorical: {col: {reference: L}}` (or `{col: {}}` / `{col: null}` for the default
    /// reference); each column must be among `covariates` (when those were read).
    static func categorical(_ value: JSONValue?, among covariates: [String],
                            _ reader: inout SettingsReader) -> [String: String?] {
        guard let members = reader.mapping(value, "with.categorical", known: nil, optional: true,
                                           expected: "a mapping of column names to {reference: level}") else { return [:] }
        var out = [String: String?]()
        for name in members.keys.sorted() {
            let path = "with.categorical.\(name)"
            if !covariates.isEmpty && !covariates.contains(name) {
                reader.problem(path, "'\(name)' is not among with.covariates; add it there")
            }
            switch members[name]! {
            case .null: out[name] = .some(nil)
            case .object(let spec):
                reader.unknownKeys(spec, path, known: ["reference"], .named(listing: true))
                out[name] = .some(reader.text(spec["reference"], path + ".reference", expected: "a level"))
            case let other:
                reader.problem(path, "must be {reference: level}, not \(SettingsReader.show(other))")
            }
        }
        return out
    }

    /// `interactions: [[a, b], …]`: lists of at least two columns, each among `covariates` (when
    /// those were read).
    static func interactionList(_ value: JSONValue?, among covariates: [String], _ reader: inout SettingsReader) -> [[String]] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else {
            reader.problem("with.interactions", "must be a list of column-name lists, e.g. [[arm, liver]]")
            return []
        }
        var out: [[String]] = []
        for (i, item) in items.enumerated() {
            guard case .array(let names) = item, names.count >= 2 else {
                reader.problem("with.interactions", "each interaction must list at least two columns, e.g. [[arm, liver]]")
                continue
            }
            var columns: [String] = []
            for (j, name) in names.enumerated() {
                let path = "with.interactions[\(i)][\(j)]"
                guard case .string(let s) = name else {
                    reader.problem(path, "must be a column name, not \(SettingsReader.show(name))")
                    continue
                }
                if !covariates.isEmpty && !covariates.contains(s) {
                    reader.problem(path, "'\(s)' is not among with.covariates; add it there")
                }
                columns.append(s)
            }
            out.append(columns)
        }
        return out
    }
}
