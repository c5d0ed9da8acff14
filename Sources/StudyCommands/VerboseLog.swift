import Logging
import StudyEngine

/// `run -v`: one debug line per event, through swift-log (so a host program can route it), with
/// each stage's key and reasons — the `-d explain` of ninja.
struct VerboseLog: RunObserver {
    private let logger: Logger

    init() {
        var logger = Logger(label: "studyflow") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = .debug
        self.logger = logger
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .started(let info):
            logger.debug("run \(info.run): \(info.total) stages selected, executor \(info.executor)")
        case .stageStarted(let stage, let attempt):
            logger.debug("\(stage): starting (attempt \(attempt))")
        case .stageNotes(let notes):
            for note in notes { logger.debug("\(note.stage): \(ProgressReporter.describe(note.kind))") }
        case .attemptFailed(let failure):
            logger.debug("\(failure.stage): \(failure)")
        case .stageFinished(let result):
            let key = result.record.map { " key \($0.key.short)" } ?? ""
            let why = result.reasons.isEmpty ? "" : " because " + ReasonText.joined(result.reasons)
            logger.debug("\(result.stage): \(result.status.rawValue)\(key)\(why)")
        case .finished(let summary):
            logger.debug("run \(summary.run): finished, ok=\(summary.ok)")
        }
    }
}
