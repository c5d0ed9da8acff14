import StudyCore

/// Reads one group's median survival from a `survival/kaplan-meier` result through its model
/// (`KaplanMeierOutput`), so `simulate/trial`'s `control_median_from` can take a number from an
/// upstream fit. `ResultValue` bounds the file's size and depth, so a hostile file cannot crash it.
enum KaplanMeierMedian {
    /// The median estimate of curve `group` in the result at `path` (shown as `name` in messages).
    static func read(_ path: String, group: String, name: String) throws(SimulationStageError) -> Double {
        let root: ResultValue
        do throws(ResultJSONError) {
            root = try ResultValue.read(path)
        } catch {
            throw SimulationStageError("input '\(name)' is not a readable JSON result: \(error.message)")
        }
        guard root[ResultKey.kind]?.string == KaplanMeierOutput.kind else {
            throw SimulationStageError("input '\(name)' is not a survival/kaplan-meier result (no \"kind\":\"survival/kaplan-meier\" with curves); point control_median_from at one")
        }
        let result: KaplanMeierOutput
        do throws(ResultDecodingError) {
            result = try KaplanMeierOutput.decode(root, file: name)
        } catch {
            throw SimulationStageError("input '\(name)' is a malformed survival/kaplan-meier result: \(error.path): \(error.problem); rerun the stage that writes it")
        }
        guard let curve = result.curves.first(where: { $0.group == group }) else {
            throw SimulationStageError("input '\(name)' has no curve for group '\(group)'; groups: \(result.curves.map(\.group).joined(separator: ", "))")
        }
        guard let median = curve.median.estimate else {
            throw SimulationStageError("the Kaplan-Meier median of group '\(group)' in input '\(name)' is not reached (null); give control_median as a number instead")
        }
        guard median > 0 else {
            throw SimulationStageError("the Kaplan-Meier median of group '\(group)' in input '\(name)' is \(JSONValue.format(median)); it must be positive")
        }
        return median
    }
}
