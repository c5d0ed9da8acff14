#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Absolute paths of SLURM's client tools, found once on a `PATH`, and the calls the executor makes.
struct SlurmTools: Sendable {
    var sbatch: String
    var squeue: String
    var scancel: String
    var sinfo: String

    /// Finds every tool on `searchPath` or throws naming the first that is missing.
    init(searchPath: String) throws(SlurmError) {
        func find(_ tool: String) throws(SlurmError) -> String {
            for directory in searchPath.split(separator: ":") where !directory.isEmpty {
                let candidate = directory + "/" + tool
                if access(candidate, X_OK) == 0 { return candidate }
            }
            throw SlurmError.missingTool(tool)
        }
        sbatch = try find("sbatch")
        squeue = try find("squeue")
        scancel = try find("scancel")
        sinfo = try find("sinfo")
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
    func jobStates() -> [String: String]? {
        let result = CapturedProcess.run(squeue, ["--noheader", "--me", "--states=all", "--format=%i %T"])
        guard result.status == 0 else { return nil }
        var states: [String: String] = [:]
        for line in result.stdout.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let id = fields.first else { continue }
            states[String(id)] = fields.count > 1 ? String(fields[1]) : "RUNNING"
        }
        return states
    }

    /// `scancel ID…` in one call.
    func cancel(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        _ = CapturedProcess.run(scancel, ids)
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
