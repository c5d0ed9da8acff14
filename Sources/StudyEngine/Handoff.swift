import StudyCore
import Synchronization

/// Hands a stage's result from `perform` to the scheduler: returned directly when the executor
/// completed the job before `perform` returned, else delivered later through the callback.
final class Handoff: Sendable {
    private enum State { case waiting, delivered(StageStatus), detached }
    private let state = Mutex(State.waiting)

    /// Records `status` for `collect`; false when `collect` already returned `nil` (deliver it later).
    func deliver(_ status: StageStatus) -> Bool {
        state.withLock { s in
            guard case .waiting = s else { return false }
            s = .delivered(status)
            return true
        }
    }

    /// The status delivered so far, or `nil` (and later deliveries go through the callback).
    func collect() -> StageStatus? {
        state.withLock { s in
            if case .delivered(let status) = s { return status }
            s = .detached
            return nil
        }
    }
}
