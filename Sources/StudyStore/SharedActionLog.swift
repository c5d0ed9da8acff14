import StudyCore
import Synchronization

/// The action log behind a lock, for a scheduler whose workers read records while a committer appends.
public final class SharedActionLog: Sendable {
    private let log: Mutex<ActionLog>

    /// Wraps `log`; it must not be used directly afterwards.
    public init(_ log: ActionLog) { self.log = Mutex(log) }

    /// See `ActionLog.record(stage:key:)`.
    public func record(stage: String, key: Digest) -> ActionRecord? {
        log.withLock { $0.record(stage: stage, key: key) }
    }

    /// The latest record of `stage`.
    public func latest(_ stage: String) -> ActionRecord? {
        log.withLock { $0.latest[stage] }
    }

    /// See `ActionLog.isRecorded(path:digest:)`.
    public func isRecorded(path: String, digest: Digest) -> Bool {
        log.withLock { $0.isRecorded(path: path, digest: digest) }
    }

    /// See `ActionLog.hasRecordedOutput(at:)`.
    public func hasRecordedOutput(at path: String) -> Bool {
        log.withLock { $0.hasRecordedOutput(at: path) }
    }

    /// See `ActionLog.append(_:durable:)`.
    public func append(_ records: [ActionRecord], durable: Bool) throws {
        try log.withLock { try $0.append(records, durable: durable) }
    }
}
