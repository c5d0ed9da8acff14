import StudyCore
import StudyStore

/// Notes for `status` about programs a stage called that `tools:` does not list: they are in the
/// stage's record but not its key, so a change reruns nothing, and `status` says so instead
/// (`note: tool awk changed (4.2.1 → 5.0.0), not in tools:`).
public enum ToolNotes {
    /// Notes by stage id, for the stages of `preview` whose last record names an unlisted tool
    /// that resolves to another file now (each distinct tool resolved once).
    public static func notes(_ workspace: Workspace, stages: [String]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for id in stages {
            guard let record = workspace.log.latest(id) else { continue }
            var notes: [String] = []
            for before in record.tools where !before.listed {
                guard let now = workspace.tools.tool(named: before.name, listed: false) else {
                    notes.append("note: tool \(before.name) is no longer found (was \(before.path)), not in tools:")
                    continue
                }
                guard now.digest != before.digest else { continue }
                let change = ToolState.change(from: before, to: now)
                notes.append("note: tool \(before.name) changed (\(change.from) → \(change.to)), not in tools:")
            }
            if !notes.isEmpty { result[id] = notes }
        }
        return result
    }
}
