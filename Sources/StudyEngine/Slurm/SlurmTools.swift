#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore

/// Absolute paths of SLURM's client tools, found once on a `PATH`, and the calls the executor makes.
struct SlurmTools: Sendable {
    var sbatch: String
    var squeue: String
    var scancel: String
    var sinfo: String
    /// `scontrol`, for `MaxArraySize` (optional: 1001, SLURM's default, without it).
    var scontrol: String?
    /// `sacct`, for the final state of a job that vanished (optional: many clusters keep no accounting).
    var sacct: String?

    /// Finds every tool on `searchPath` or throws naming the first that is missing.
    init(searchPath: String) throws(SlurmError) {
        func lookUp(_ tool: String) -> String? {
            for directory in searchPath.split(separator: ":") where !directory.isEmpty {
                let candidate = directory + "/" + tool
                if access(candidate, X_OK) == 0 { return candidate }
            }
            return nil
        }
        func find(_ tool: String) throws(SlurmError) -> String {
            guard let path = lookUp(tool) else { throw SlurmError.missingTool(tool) }
            return path
        }
        sbatch = try find("sbatch")
        squeue = try find("squeue")
        scancel = try find("scancel")
        sinfo = try find("sinfo")
        scontrol = lookUp("scontrol")
        sacct = lookUp("sacct")
    }

    /// The cluster's `MaxArraySize` from `scontrol show config` (tasks per array: ids 0…size-1);
    /// 1001, SLURM's default, when it cannot be read.
    func maxArraySize() -> Int {
        guard let scontrol else { return 1001 }
        let result = CapturedProcess.run(scontrol, ["show", "config"])
        guard result.status == 0 else { return 1001 }
        for line in result.stdout.split(whereSeparator: \.isNewline) where line.hasPrefix("MaxArraySize") {
            if let value = line.split(separator: "=").last.flatMap({ Int($0.trimmingSet(" ")) }), value > 0 { return value }
        }
        return 1001
    }

    /// Final states (`TIMEOUT`, `NODE_FAIL`, …) of `ids` from `sacct` in one call; `nil` when
    /// `sacct` is missing or fails (e.g. "Slurm accounting storage is disabled").
    func accountedStates(_ ids: [String]) -> [String: String]? {
        guard let sacct, !ids.isEmpty else { return nil }
        let result = CapturedProcess.run(sacct, ["--noheader", "--parsable2", "--allocations", "--format=JobID,State",
                                                 "--jobs=" + ids.joined(separator: ",")])
        guard result.status == 0 else { return nil }
        var states: [String: String] = [:]
        for line in result.stdout.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count >= 2, let state = fields[1].split(separator: " ").first else { continue }
            states[String(fields[0])] = String(state)
        }
        return states
    }

    /// CPUs of the largest node (in `partition`, when given), asking the controller once.
    func largestNodeCPUs(partition: String?) throws(SlurmError) -> Int {
        var arguments = ["--noheader", "--Node", "--format=%c"]
        if let partition { arguments.append("--partition=" + partition) }
        let result = CapturedProcess.run(sinfo, arguments)
        guard result.status == 0 else { throw SlurmError.controllerDown(result.message) }
        let counts = result.stdout.split(whereSeparator: \.isNewline).compactMap {
            Int($0.trimmingSet(" +"))
        }
        guard let largest = counts.max() else { throw SlurmError.noNodes(partition: partition) }
        return largest
    }

    /// State of each of this user's jobs the controller still knows (`RUNNING`, `CANCELLED`, …;
    /// finished jobs stay listed for `MinJobAge` seconds), or `nil` when `squeue` failed.
    func jobStates() -> [String: String]? { queue()?.states }

    /// States and pending reasons of this user's jobs in one `squeue` call; `nil` when it failed.
    func queue() -> SlurmQueue? {
        let result = CapturedProcess.run(squeue, SlurmQueue.arguments)
        guard result.status == 0 else { return nil }
        return SlurmQueue.parse(result.stdout)
    }

    /// This user's jobs by the token in their `--comment` (array job id for an array), in one
    /// `squeue` call that also lists jobs the controller still remembers as ended; `nil` when it failed.
    func jobsByToken() -> [String: String]? {
        let result = CapturedProcess.run(squeue, ["--noheader", "--me", "--states=all", "--format=%i|%k"])
        guard result.status == 0 else { return nil }
        var jobs: [String: String] = [:]
        for line in result.stdout.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            guard fields.count == 2 else { continue }
            let job = String(fields[0].trimmingSet(" ").prefix { $0 != "_" })
            let token = String(fields[1].trimmingSet(" "))
            guard !job.isEmpty, job.allSatisfy(\.isNumber), token.hasPrefix("studyflow-") else { continue }
            jobs[token] = job
        }
        return jobs
    }

    /// `sbatch ARGUMENTS` in `directory`. While the controller cannot be reached (it restarts, the
    /// network blips) sbatch fails before anything is sent, so it is tried again every `pause`
    /// seconds for up to `patience` seconds; any other failure is returned at once.
    /// `stop` ends the waiting early (Ctrl-C).
    func submit(_ arguments: [String], directory: String, patience: Double = 120, pause: Double = 1,
                stop: () -> Bool = { false }) -> CapturedProcess {
        let start = SystemClock.monotonicSeconds()
        while true {
            let result = CapturedProcess.run(sbatch, arguments, directory: directory)
            guard result.status != 0, Self.isUnreachable(result.stderr + result.stdout), !stop(),
                  SystemClock.monotonicSeconds() - start + pause <= patience else { return result }
            usleep(useconds_t(pause * 1_000_000))
        }
    }

    /// Whether a SLURM client tool failed because the controller did not answer (nothing was
    /// submitted), as opposed to rejecting the request.
    static func isUnreachable(_ message: String) -> Bool {
        // Not "Socket timed out on send/recv": the controller may have taken the job before it.
        message.contains("Unable to contact slurm controller")
    }

    /// squeue's id of pending array tasks, `42_[0-3,7%2]`, as one id per task (`42_0` … `42_7`);
    /// any other id as itself.
    static func expand(_ id: String) -> [String] {
        guard id.hasSuffix("]"), let open = id.firstIndex(of: "[") else { return [id] }
        let prefix = id[..<open]
        var body = id[id.index(after: open)..<id.index(before: id.endIndex)]
        if let percent = body.firstIndex(of: "%") { body = body[..<percent] }
        var tasks: [String] = []
        for part in body.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0) }
            guard let low = bounds.first ?? nil else { return [id] }
            let high = bounds.count > 1 ? (bounds[1] ?? low) : low
            guard high >= low, high - low < 1_000_000 else { return [id] }
            for task in low...high { tasks.append(prefix + String(task)) }
        }
        return tasks
    }

    /// `scancel ID…` of exactly these jobs or array tasks, in one call: `42_7` alone, its siblings untouched.
    func cancelExactly(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        _ = CapturedProcess.run(scancel, ids)
    }

    /// `scancel ID…` in one call; array tasks (`42_7`) go as their whole array (`42`), once.
    func cancel(_ ids: [String]) {
        var seen: Set<String> = []
        let jobs = ids.map { String($0.prefix { $0 != "_" }) }.filter { seen.insert($0).inserted }
        guard !jobs.isEmpty else { return }
        _ = CapturedProcess.run(scancel, jobs)
    }
}

extension Substring {
    /// Drops leading and trailing characters found in `set`.
    func trimmingSet(_ set: String) -> Substring {
        var s = self
        while let first = s.first, set.contains(first) { s.removeFirst() }
        while let last = s.last, set.contains(last) { s.removeLast() }
        return s
    }
}
