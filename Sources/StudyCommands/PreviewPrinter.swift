import StudyCore
import StudyEngine

/// Prints a `Preview` for `status` and `run -n`, as text or JSON.
enum PreviewPrinter {
    /// `status`: every stage, up to date or stale, with reasons.
    static func printStatus(_ preview: Preview, json: Bool, notes: [String: [String]] = [:], extra: [String: JSONValue] = [:]) {
        if json {
            let stages: [JSONValue] = preview.entries.map { entry -> JSONValue in
                var members: [String: JSONValue] = [
                    "stage": .string(entry.stage),
                    "state": .string(entry.isStale ? "stale" : "up-to-date"),
                    "action": .string(entry.action.rawValue),
                    "reasons": .array(entry.reasons.map { .string($0.description) }),
                ]
                // Changed tools that `tools:` does not list: not reasons, they rerun nothing.
                if let notes = notes[entry.stage] { members["notes"] = .array(notes.map(JSONValue.string)) }
                return withTemplate(members)
            } + preview.waiting.map { waiting in
                .object(["stage": .string(waiting.stage), "state": .string("waiting"), "action": .string("expand"),
                         "reasons": .array([.string(waiting.note)])])
            }
            Console.out(JSONValue.object(extra.merging(["stages": .array(stages)]) { _, new in new }).canonicalJSON + "\n")
            return
        }
        let output = LineBuffer()
        let width = preview.entries.lazy.map(\.stage.count).max() ?? 0
        for entry in preview.entries {
            var line = (entry.isStale ? "stale      " : "up-to-date ") + entry.stage.padding(to: width)
            if !entry.reasons.isEmpty { line += "  " + ReasonText.joined(entry.reasons) }
            output.append(line.trimmingTrailingSpaces() + "\n", urgent: false)
            for note in notes[entry.stage] ?? [] { output.append("           \(entry.stage): \(note)\n", urgent: false) }
        }
        for waiting in preview.waiting { output.append("waiting    \(waiting.stage.padding(to: width))  \(waiting.note)\n", urgent: false) }
        output.flush()
        let stale = preview.entries.lazy.filter(\.isStale).count
        let all = "\(preview.entries.count) stages" + ProgressReporter.instanceCount(preview.entries.lazy.map(\.stage))
        Console.out(stale == 0
            ? "studyflow: all \(all) up to date\n"
            : "studyflow: \(stale) of \(all) stale; 'studyflow run' brings them up to date\n")
    }

    /// `run -n`: only what would happen, make-style. Lines go out in 64 KiB writes, not one
    /// write per stage: a fan-out's dry run prints 100,000 of them.
    static func printDryRun(_ preview: Preview, json: Bool) {
        let output = LineBuffer()
        defer { output.flush() }
        if json {
            for entry in preview.entries where entry.isStale {
                output.append(withTemplate([
                    "event": .string("plan"), "stage": .string(entry.stage), "action": .string(entry.action.rawValue),
                    "reasons": .array(entry.reasons.map { .string($0.description) }),
                ]).canonicalJSON + "\n", urgent: false)
            }
            for waiting in preview.waiting {
                output.append(JSONValue.object([
                    "event": .string("plan"), "stage": .string(waiting.stage), "action": .string("expand"),
                    "reasons": .array([.string(waiting.note)]),
                ]).canonicalJSON + "\n", urgent: false)
            }
            return
        }
        let all = "\(preview.entries.count) stages" + ProgressReporter.instanceCount(preview.entries.lazy.map(\.stage))
        for waiting in preview.waiting { output.append("expand  \(waiting.stage)  \(waiting.note)\n", urgent: false) }
        var staleCount = 0, width = 0
        for entry in preview.entries where entry.isStale {
            staleCount += 1
            width = max(width, entry.stage.count)
        }
        if staleCount == 0 {
            output.append("studyflow: nothing to do; all \(all) up to date\n", urgent: false)
            return
        }
        for entry in preview.entries where entry.isStale {
            let verb = entry.action == .restore ? "restore" : "run    "
            output.append("\(verb) \(entry.stage.padding(to: width))  \(ReasonText.joined(entry.reasons))\n", urgent: false)
        }
        output.append("studyflow: dry run: \(staleCount) of \(all) would run or be restored; nothing was run\n", urgent: false)
    }
}

extension PreviewPrinter {
    /// `object` with `"template":"cox"` added when its `"stage"` is an instance `cox@KEY`.
    static func withTemplate(_ object: [String: JSONValue]) -> JSONValue {
        var object = object
        if case .string(let stage)? = object["stage"], let template = StageSelector.template(ofInstance: stage) {
            object["template"] = .string(template)
        }
        return .object(object)
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
