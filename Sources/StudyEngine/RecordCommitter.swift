import Dispatch
import StudyCore
import StudyStore
import Synchronization

/// Appends action records in batches on one serial queue (group commit): each batch first syncs
/// the objects its records name, then appends and syncs the log. A stage's slot is free as soon
/// as its outputs are stored; durability catches up in the background, at most one batch per
/// `interval`, rather than two syncs per stage (which would cost more than make spends on a
/// trivial stage). A crash loses at most the last interval's records: those stages rerun.
final class RecordCommitter: Sendable {
    private let log: SharedActionLog
    private let queue = DispatchQueue(label: "studyflow.records")
    private let pending = Mutex<[ActionRecord]>([])
    private let failure = Mutex<(any Error)?>(nil)

    private let interval: DispatchTimeInterval

    init(log: SharedActionLog, interval: DispatchTimeInterval = .seconds(1)) {
        self.log = log
        self.interval = interval
    }

    /// Queues `record` for the next batch.
    func submit(_ record: ActionRecord) {
        let first = pending.withLock { pending in
            pending.append(record)
            return pending.count == 1
        }
        if first { queue.asyncAfter(deadline: .now() + interval) { self.flush() } }
    }

    private func flush() {
        let batch = pending.withLock { pending in
            defer { pending = [] }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try log.append(batch, durable: true)
        } catch {
            failure.withLock { $0 = $0 ?? error }
        }
    }

    /// Waits for every queued record to be durable; returns the first failure, if any.
    func finish() -> (any Error)? {
        queue.sync { flush() }
        return failure.withLock { $0 }
    }
}
