#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// Why SLURM killed a job, read from what `slurmstepd` wrote into the job's output file, for
/// clusters where neither `squeue` nor `sacct` says it.
///
/// On SLURM 22.05 without cgroups and without accounting (the local cluster: memory enforced by
/// `JobAcctGatherParams=OverMemoryKill`), a job over its `--mem` is killed with its wrapper and
/// `squeue` shows it `FAILED` (reason `JobLaunchFailure`), never `OUT_OF_MEMORY`; `sacct` is
/// disabled. What does say it is the job's output:
/// ```
/// slurmstepd-vm: error: StepId=12.batch exceeded memory limit (224952320 > 52428800), being killed
/// slurmstepd-vm: error: Detected 1 oom-kill event(s) in StepId=12.batch. …   (cgroup clusters)
/// slurmstepd-vm: error: *** JOB 12 ON vm CANCELLED AT 2026-12-07T08:42:16 DUE TO TIME LIMIT ***
/// ```
/// Lines name the job's own id (an array task's too: task `42_7` may be job 49), so an array's
/// shared output file is searched for the id its wrapper announced (`studyflow: task 7 is job 49`).
enum JobKillEvidence {
    /// How many bytes of the end of an output file are searched: kill notices come last, and a
    /// command's own chatter may be large.
    static let window = 1 << 20

    /// `OUT_OF_MEMORY` or `TIMEOUT` when `text` holds slurmstepd's notice of killing job `job`
    /// (SLURM's own id, never an array task's `42_7`) for that limit; `nil` otherwise.
    static func state(in text: Substring, job: String) -> String? {
        var timeout = false
        for line in text.split(separator: "\n") {
            if line.contains("StepId=\(job).") && (line.contains("exceeded memory limit") || line.contains("oom-kill")) {
                return "OUT_OF_MEMORY"
            }
            if line.contains("*** JOB \(job) ON ") && line.contains("DUE TO TIME LIMIT") { timeout = true }
        }
        return timeout ? "TIMEOUT" : nil
    }

    /// SLURM's job id of array task `task`, from the line the array's wrapper writes first.
    static func job(ofTask task: Int, in text: Substring) -> String? {
        let prefix = "studyflow: task \(task) is job "
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            let id = line.dropFirst(prefix.count).prefix { $0.isNumber }
            if !id.isEmpty { return String(id) }
        }
        return nil
    }

    /// `end` with SLURM's reason when the job ended without an exit status of its own (or with a
    /// signal's) and `output` (the job's output file) says SLURM killed it for memory or time.
    /// `id` is the executor's id: `12`, or `42_7` for an array task.
    static func refine(_ end: JobEnd, id: String, output: String) -> JobEnd {
        switch end {
        case .vanished(let state) where state != "OUT_OF_MEMORY" && state != "TIMEOUT":
            break
        case .exited(let status) where status > 128:
            break
        default:
            return end
        }
        guard let text = tail(output) else { return end }
        var job = id
        if let underscore = id.firstIndex(of: "_") {
            guard let task = Int(id[id.index(after: underscore)...]), let found = Self.job(ofTask: task, in: text) else { return end }
            job = found
        }
        return state(in: text, job: job).map { JobEnd.vanished(state: $0) } ?? end
    }

    /// The last `window` bytes of `path`, or `nil` when it cannot be read.
    static func tail(_ path: String) -> Substring? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { return nil }
        let start = max(0, Int(size) - window)
        var bytes = [UInt8](repeating: 0, count: Int(size) - start)
        let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
        guard read >= 0 else { return nil }
        return Substring(decoding: bytes.prefix(read), as: UTF8.self)
    }
}
