import StudyCore

/// Reads one group's median survival from a `survival/kaplan-meier` result JSON
/// (`curves[].median.estimate`), so a downstream stage can take a number from an upstream fit.
/// It reads with `ResultValue`, whose size and depth are bounded, so a hostile file cannot crash it.
enum KaplanMeierMedian {
    /// The median estimate of curve `group` in the result at `path` (shown as `name` in messages).
    static func read(_ path: String, group: String, name: String) throws(SimulationStageError) -> Double {
        let root: ResultValue
        do throws(ResultJSONError) {
            root = try ResultValue.read(path)
        } catch {
            throw SimulationStageError("input '\(name)' is not a readable JSON result: \(error.message)")
        }
        guard root["kind"]?.string == "survival/kaplan-meier", let curves = root["curves"]?.array else {
            throw SimulationStageError("input '\(name)' is not a survival/kaplan-meier result (no \"kind\":\"survival/kaplan-meier\" with curves); point control_median_from at one")
        }
        let groups = curves.compactMap { Self.label($0["group"]) }
        guard let curve = curves.first(where: { Self.label($0["group"]) == group }) else {
            throw SimulationStageError("input '\(name)' has no curve for group '\(group)'; groups: \(groups.joined(separator: ", "))")
        }
        guard let median = curve["median"]?["estimate"]?.double else {
            throw SimulationStageError("the Kaplan-Meier median of group '\(group)' in input '\(name)' is not reached (null); give control_median as a number instead")
        }
        guard median > 0 else {
            throw SimulationStageError("the Kaplan-Meier median of group '\(group)' in input '\(name)' is \(JSONValue.format(median)); it must be positive")
        }
        return median
    }

    /// A group label as written: a string, or a number as JSON prints it.
    private static func label(_ value: ResultValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .number(let d)?: return JSONValue.format(d)
        case .bool(let b)?: return b ? "true" : "false"
        default: return nil
        }
    }
}
