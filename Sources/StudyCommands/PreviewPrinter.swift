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
        let width = preview.entries.map(\.stage.count).max() ?? 0
        for entry in preview.entries {
            var line = (entry.isStale ? "stale      " : "up-to-date ") + entry.stage.padding(to: width)
            if !entry.reasons.isEmpty { line += "  " + ReasonText.joined(entry.reasons) }
            Console.out(line.trimmingTrailingSpaces() + "\n")
            for note in notes[entry.stage] ?? [] { Console.out("           \(entry.stage): \(note)\n") }
        }
        for waiting in preview.waiting { Console.out("waiting    \(waiting.stage.padding(to: width))  \(waiting.note)\n") }
        let stale = preview.entries.filter(\.isStale).count
        let all = "\(preview.entries.count) stages" + ProgressReporter.instanceCount(preview.entries.map(\.stage))
        Console.out(stale == 0
            ? "studyflow: all \(all) up to date\n"
            : "studyflow: \(stale) of \(all) stale; 'studyflow run' brings them up to date\n")
    }

    /// `run -n`: only what would happen, make-style.
    static func printDryRun(_ preview: Preview, json: Bool) {
        let stale = preview.entries.filter(\.isStale)
        if json {
            for entry in stale {
                Console.out(withTemplate([
                    "event": .string("plan"), "stage": .string(entry.stage), "action": .string(entry.action.rawValue),
                    "reasons": .array(entry.reasons.map { .string($0.description) }),
                ]).canonicalJSON + "\n")
            }
            for waiting in preview.waiting {
                Console.out(JSONValue.object([
                    "event": .string("plan"), "stage": .string(waiting.stage), "action": .string("expand"),
                    "reasons": .array([.string(waiting.note)]),
                ]).canonicalJSON + "\n")
            }
            return
        }
        let all = "\(preview.entries.count) stages" + ProgressReporter.instanceCount(preview.entries.map(\.stage))
        for waiting in preview.waiting { Console.out("expand  \(waiting.stage)  \(waiting.note)\n") }
        if stale.isEmpty {
            Console.out("studyflow: nothing to do; all \(all) up to date\n")
            return
        }
        let width = stale.map(\.stage.count).max() ?? 0
        for entry in stale {
            let verb = entry.action == .restore ? "restore" : "run    "
            Console.out("\(verb) \(entry.stage.padding(to: width))  \(ReasonText.joined(entry.reasons))\n")
        }
        Console.out("studyflow: dry run: \(stale.count) of \(all) would run or be restored; nothing was run\n")
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
