import StudyCore
import StudyEngine
import Synchronization

/// `run --json`: one JSON object per line on stdout (DESIGN.md section 7), for scripts and CI.
final class JSONEventWriter: RunObserver, Sendable {
    private let output = LineBuffer()
    /// Stage → the queue reason last written; each `squeue` repeats the reasons, the events do not.
    private let waiting = Mutex<[String: String]>([:])

    func handle(_ event: RunEvent) {
        switch event {
        case .started, .stageStarted:
            return
        case .stageNotes(let notes):
            let events = waiting.withLock { Self.queued(notes, waiting: &$0) }
            for event in events { output.append(event.canonicalJSON + "\n", urgent: true) }
        case .attemptFailed(let failure):
            output.append(Self.retry(failure).canonicalJSON + "\n", urgent: true)
        case .stageFinished(let result):
            var object: [String: JSONValue] = [
                "event": .string("stage"),
                "stage": .string(result.stage),
                "status": .string(result.status.rawValue),
                "seconds": .number((result.seconds * 1000).rounded() / 1000),
            ]
            if let template = StageSelector.template(ofInstance: result.stage) { object["template"] = .string(template) }
            if !result.reasons.isEmpty { object["reasons"] = .array(result.reasons.map { .string($0.description) }) }
            if let status = result.exitStatus, result.status.isFailure { object["exit_status"] = .integer(Int(status)) }
            if let failure = result.failure { object["error"] = .string(failure) }
            if !result.warnings.isEmpty { object["warnings"] = .array(result.warnings.map(JSONValue.string)) }
            if let log = result.logPath { object["log"] = .string(log) }
            if !result.movedAside.isEmpty {
                object["moved_aside"] = .array(result.movedAside.map {
                    .object(["path": .string($0.path), "to": .string($0.destination), "note": .string($0.description)])
                })
            }
            output.append(JSONValue.object(object).canonicalJSON + "\n", urgent: result.status != .cached)
        case .finished(let summary):
            func list(_ status: StageStatus) -> JSONValue { .array(summary.stages(status).map(JSONValue.string)) }
            var object: [String: JSONValue] = [
                "event": .string("summary"),
                "run": .string(String(summary.run)),
                "ok": .bool(summary.ok),
                "interrupted": .bool(summary.interrupted),
                "ran": list(.ran), "cached": list(.cached), "restored": list(.restored),
                "failed": list(.failed), "skipped": list(.skipped),
                "seconds": .number((summary.seconds * 1000).rounded() / 1000),
            ]
            // `interrupted` is taken by the run's flag; the list is there only when the run was
            // interrupted, so an uninterrupted run's summary keeps its bytes.
            if summary.interrupted { object["interrupted_stages"] = list(.interrupted) }
            output.flush()
            Console.out(JSONValue.object(object).canonicalJSON + "\n")
        }
    }

    /// `{"event":"queued","stage":"fan@k1","reason":"ReqNodeNotAvail, …"}` for each stage whose
    /// reason for waiting in the batch queue changed (`waiting` holds the reasons written so far);
    /// `"reason":null` once a stage that had one no longer waits for it.
    static func queued(_ notes: [StageNote], waiting: inout [String: String]) -> [JSONValue] {
        notes.compactMap { note in
            guard case .queued(let reason) = note.kind, waiting[note.stage] != reason else { return nil }
            waiting[note.stage] = reason
            var object: [String: JSONValue] = ["event": .string("queued"), "stage": .string(note.stage),
                                               "reason": reason.map(JSONValue.string) ?? .null]
            if let template = StageSelector.template(ofInstance: note.stage) { object["template"] = .string(template) }
            return .object(object)
        }
    }

    /// `{"event":"retry","stage":"x","attempt":1,"attempts":3,"reason":"OUT_OF_MEMORY",
    /// "resources":{"memory":"2G"},"next_resources":{"memory":"4G"},"message":"…",…}`: an attempt
    /// that failed while attempts remain, with the resources it had and the next one gets.
    static func retry(_ failure: AttemptFailure) -> JSONValue {
        func resources(_ r: StageResources) -> JSONValue {
            var object: [String: JSONValue] = [:]
            // Named as the workflow names them (`resources: {memory, time}`).
            if let memory = r.memory { object[ResourceExpression.Kind.memory.rawValue] = .string(memory) }
            if let time = r.time { object[ResourceExpression.Kind.time.rawValue] = .string(time) }
            return .object(object)
        }
        var object: [String: JSONValue] = [
            "event": .string("retry"), "stage": .string(failure.stage),
            "attempt": .integer(failure.attempt), "attempts": .integer(failure.attempts),
            "reason": .string(failure.reason), "error": .string(failure.message), "message": .string(failure.description),
            "resources": resources(failure.resources), "next_resources": resources(failure.next),
        ]
        if let template = StageSelector.template(ofInstance: failure.stage) { object["template"] = .string(template) }
        if let status = failure.exitStatus { object["exit_status"] = .integer(Int(status)) }
        if let job = failure.jobID { object["job"] = .string(job) }
        return .object(object)
    }
}
