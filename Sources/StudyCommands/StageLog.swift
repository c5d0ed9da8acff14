import StudyCore
import StudyProvenance

/// Prints `studyflow log --stage NAME`: one stage's history across runs (see `StageHistory`).
enum StageLog {
    /// One line a run, newest first: run, id, start, stage key, status, duration, what changed.
    static func text(_ history: StageHistory) -> String {
        let what = history.isPath ? "the stage writing '\(history.name)'" : "stage '\(history.name)'"
        var out = "\(what) across \(history.entries.count) run\(history.entries.count == 1 ? "" : "s"), newest first\n"
        for entry in history.entries {
            let r = entry.run.record
            out += "run \(r.run)  id \(RunID.short(entry.run.id))  \(Timestamp.iso8601(r.timing.started))  "
            guard let record = entry.record else {
                out += "not in this run\n"
                continue
            }
            let stage = history.isPath ? "stage '\(record.stage)'  " : ""
            out += "\(stage)key \(record.key?.short ?? "none")  \(record.status)  \(seconds(record.seconds))  "
                + entry.changes.joined(separator: "; ") + "\n"
        }
        return out
    }

    /// One JSON object a run, newest first (`status` null when the run did not report the stage).
    static func json(_ history: StageHistory) -> String {
        history.entries.map { entry -> String in
            let r = entry.run.record
            var object: [String: JSONValue] = [
                "run": .integer(r.run), "id": .string(entry.run.id), "commit": .string(entry.run.commit.hex),
                "started": .string(Timestamp.iso8601(r.timing.started)), "stage": entry.stage.map(JSONValue.string) ?? .null,
                "status": .null, "key": .null, "seconds": .null, "changes": .array(entry.changes.map(JSONValue.string)),
            ]
            if let record = entry.record {
                object["status"] = .string(record.status.rawValue)
                object["key"] = record.key.map { .string($0.hex) } ?? .null
                object["seconds"] = .number(record.seconds)
                object["kind"] = .string(record.kind)
            }
            return JSONValue.object(object).canonicalJSON + "\n"
        }.joined()
    }

    /// `0.12 s`; a cached or skipped stage did not execute, so its duration is shown as `-`.
    static func seconds(_ value: Double) -> String {
        guard value > 0 else { return "-" }
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
    }
}
