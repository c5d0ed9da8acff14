/// How `--executor slurm` submits: where to find SLURM's tools, what to add to every `sbatch`,
/// how often to poll, and which `studyflow` binary runs built-in stages on the nodes.
public struct SlurmSettings: Sendable {
    /// `--partition`, if any.
    public var partition: String?
    /// `--account`, if any.
    public var account: String?
    /// Extra `sbatch` arguments (`--sbatch-arg`, repeatable), passed through in order.
    public var extraArguments: [String]
    /// Least seconds between `squeue` calls (`--poll-interval`, default 30); one call covers every
    /// outstanding job. Completion itself comes from status files, read every `statusTick`.
    public var pollInterval: Double
    /// Seconds between reads of the status files (one directory listing per tick), at most `pollInterval`.
    public var statusTick: Double = 0.2
    /// Tasks of one job array running at once (`--array=…%N`): `-j`.
    public var arrayThrottle: Int = ProcessorCount.online
    /// Seconds without a new ready instance after which collected instances go out as arrays.
    public var coalesceWindow: Double = 0.2
    /// Seconds the first collected instance waits at most before its array goes out.
    public var coalesceCap: Double = 30
    /// `hold_arrays:` (default true): hold a fan-out's ready instances until every instance of
    /// its template is ready, so each template goes out as one array; false sends them as they come.
    public var holdArrays: Bool = true
    /// `group_components:`: group name → most stages one group job runs; a group not listed runs
    /// all its ready stages in one job.
    public var groupComponents: [String: Int] = [:]
    /// Seconds a job may be absent from `squeue` without an exit status before it counts as lost
    /// (a shared file system can show a status file a moment after the job left the queue).
    public var lostGrace: Double
    /// Absolute path of the `studyflow` executable that runs built-in stages (`exec-stage`).
    public var studyflowBinary: String
    /// The `PATH` searched for `sbatch`, `squeue`, `scancel` and `sinfo`.
    public var searchPath: String
    /// Where submitted jobs are journaled (`.studyflow/slurm-journal`) so a later run can take
    /// them over if this one dies; `nil`: no journal.
    public var journalDirectory: String?

    /// Settings with SLURM's tools looked up on `searchPath`.
    public init(partition: String? = nil, account: String? = nil, extraArguments: [String] = [],
                pollInterval: Double = 30, lostGrace: Double = 2, studyflowBinary: String, searchPath: String) {
        self.partition = partition
        self.account = account
        self.extraArguments = extraArguments
        self.pollInterval = pollInterval
        self.lostGrace = lostGrace
        self.studyflowBinary = studyflowBinary
        self.searchPath = searchPath
    }
}
