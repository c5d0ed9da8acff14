import StudyCore
import Yams

/// Reads one group's median survival from a `survival/kaplan-meier` result JSON
/// (`curves[].median.estimate`), so a downstream stage can take a number from an upstream fit.
enum KaplanMeierMedian {
    /// The median estimate of curve `group` in the result at `path` (shown as `name` in messages).
    static func read(_ path: String, group: String, name: String) throws(SimulationStageError) -> Double {
        guard let text = FileIO.readText(path) else { throw SimulationStageError("cannot read input '\(name)'") }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw SimulationStageError("input '\(name)' is not JSON: \(error)")
        }
        guard let root, root["kind"]?.string == "survival/kaplan-meier", let curves = root["curves"]?.sequence else {
            throw SimulationStageError("input '\(name)' is not a survival/kaplan-meier result (no \"kind\":\"survival/kaplan-meier\" with curves); point control_median_from at one")
        }
        let groups = curves.compactMap { $0["group"]?.scalar?.string }
        guard let curve = curves.first(where: { $0["group"]?.scalar?.string == group }) else {
            throw SimulationStageError("input '\(name)' has no curve for group '\(group)'; groups: \(groups.joined(separator: ", "))")
        }
        guard let cell = curve["median"]?["estimate"]?.scalar?.string, let median = NumberFormat.parse(cell) else {
            throw SimulationStageError("the Kaplan-Meier median of group '\(group)' in input '\(name)' is not reached (null); give control_median as a number instead")
        }
        guard median > 0 else {
            throw SimulationStageError("the Kaplan-Meier median of group '\(group)' in input '\(name)' is \(JSONValue.format(median)); it must be positive")
        }
        return median
    }
}
