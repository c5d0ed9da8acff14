import StudyCore
import StudyEngine

/// Reasons as one line of text for people: a gather downstream of 1,000 stale instances reads
/// `upstream cox@a, cox@b and 998 more instances of 'cox' are stale`, not 1,000 clauses.
/// `--json` keeps every reason.
enum ReasonText {
    /// The reasons joined by `; `, consecutive `upstream X is stale` of one fan-out's instances
    /// merged at the place of the first.
    static func joined(_ reasons: [Reason]) -> String {
        var clauses: [String] = []
        var index = 0
        while index < reasons.count {
            guard case .upstreamStale(let id) = reasons[index], let template = StageSelector.template(ofInstance: id) else {
                clauses.append(reasons[index].description)
                index += 1
                continue
            }
            var ids = [id]
            index += 1
            while index < reasons.count, case .upstreamStale(let next) = reasons[index],
                  StageSelector.template(ofInstance: next) == template {
                ids.append(next)
                index += 1
            }
            clauses.append(ids.count == 1 ? Reason.upstreamStale(id).description : "upstream \(list(ids, template: template)) are stale")
        }
        return clauses.joined(separator: "; ")
    }

    /// `a and b`, `a, b and c`, or `a, b and N more instances of 'cox'`.
    private static func list(_ ids: [String], template: String) -> String {
        if ids.count <= 3 { return ids.dropLast().joined(separator: ", ") + " and " + ids[ids.count - 1] }
        return ids.prefix(2).joined(separator: ", ") + " and \(ids.count - 2) more instances of '\(template)'"
    }
}
