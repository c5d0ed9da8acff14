/// Why the SLURM executor cannot start: raised before any job is submitted.
public enum SlurmError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A SLURM tool is not on `PATH`.
    case missingTool(String)
    /// `sinfo` failed: the controller is down or unreachable.
    case controllerDown(String)
    /// The cluster reports no nodes (in the partition, when one is named).
    case noNodes(partition: String?)
    /// A stage asks for more CPUs than the largest node has.
    case tooManyCPUs(stage: String, asked: Int, largest: Int)

    public var description: String {
        switch self {
        case .missingTool(let tool):
            return "'\(tool)' is not on PATH; --executor slurm needs SLURM's client tools (sbatch, squeue, scancel, sinfo): install them or run 'make slurm-up'"
        case .controllerDown(let message):
            return "the SLURM controller does not answer (sinfo: \(message)); start it (e.g. 'make slurm-up') or check slurm.conf"
        case .noNodes(let partition):
            return "SLURM reports no nodes\(partition.map { " in partition '\($0)'" } ?? ""); check the partition name with 'sinfo'"
        case .tooManyCPUs(let stage, let asked, let largest):
            return "stage '\(stage)' asks for \(asked) CPUs (threads: \(asked)) but the largest SLURM node has \(largest); lower its 'threads'"
        }
    }

    /// Whether the mistake is the user's (exit 2) rather than the cluster's (exit 1).
    public var isUsage: Bool {
        switch self {
        case .controllerDown: return false
        case .missingTool, .noNodes, .tooManyCPUs: return true
        }
    }
}
