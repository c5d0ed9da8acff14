/// What one `squeue` call says about this user's jobs: each job's state and, for the pending ones,
/// SLURM's reason (`%r`), so a job that waits on a DOWN node is shown as such instead of a silent
/// wait, at no extra call.
struct SlurmQueue: Sendable, Equatable {
    /// State of each job or array task (`RUNNING`, `PENDING`, `NODE_FAIL`, …).
    var states: [String: String] = [:]
    /// SLURM's reason for each job that has one other than `None`.
    var reasons: [String: String] = [:]

    /// The `squeue` arguments whose output `parse` reads: `ID|STATE|REASON` per line (a reason may
    /// hold spaces and commas: "Nodes required for job are DOWN, DRAINED or …").
    static let arguments = ["--noheader", "--me", "--states=all", "--format=%i|%T|%r"]

    /// Reasons of ordinary queueing (waiting for a free CPU, for its turn, for the array's
    /// throttle): not worth a line. Any other reason of a pending job is shown.
    static let ordinaryReasons: Set<String> = ["None", "Priority", "Resources", "JobArrayTaskLimit", "Dependency", "BeginTime"]

    /// Parses `squeue --format=%i|%T|%r` output; a line without `|` is read as `ID STATE`. Pending
    /// array tasks listed as one range (`42_[0-3,7%2]`) give one entry per task.
    static func parse(_ text: String) -> SlurmQueue {
        var queue = SlurmQueue()
        for line in text.split(whereSeparator: \.isNewline) {
            let fields: [Substring]
            if line.contains("|") {
                fields = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            } else {
                fields = line.split(separator: " ", omittingEmptySubsequences: true)
            }
            let id = fields.first.map { $0.trimmingSet(" ") } ?? ""
            guard !id.isEmpty else { continue }
            let state = fields.count > 1 ? String(fields[1].trimmingSet(" ")) : "RUNNING"
            let reason = fields.count > 2 && line.contains("|") ? String(fields[2].trimmingSet(" ")) : ""
            for task in SlurmTools.expand(String(id)) {
                queue.states[task] = state.isEmpty ? "RUNNING" : state
                if !reason.isEmpty && reason != "None" && reason != "(null)" { queue.reasons[task] = reason }
            }
        }
        return queue
    }

    /// The reason worth showing for job `id`: SLURM's reason while it is pending for anything but
    /// ordinary queueing, else `nil`.
    func notableReason(_ id: String) -> String? {
        guard states[id] == "PENDING", let reason = reasons[id], !Self.ordinaryReasons.contains(reason) else { return nil }
        return reason
    }
}
