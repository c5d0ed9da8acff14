/// A named set of run settings in the workflow's `profiles:`, selected with `--profile NAME`, as
/// Snakemake and Nextflow profiles are: a laptop profile and a cluster profile of one study.
///
/// ```yaml
/// profiles:
///   quick:   {params: {replicates: 100}, jobs: 2}
///   cluster: {executor: slurm, jobs: 64, slurm: {partition: long, account: lab42}}
/// ```
///
/// Precedence: workflow `params:` < profile < `--params-file` < `--param`; a profile's `jobs`,
/// `executor` and `slurm` stand below `-j`, `--executor`, `--partition`, `--account` and
/// `--sbatch-arg` (its `sbatch_args` follow the workflow's, before the command line's).
public struct Profile: Sendable, Equatable {
    /// Parameter values; every name is a declared workflow parameter.
    public var params: [String: JSONValue]
    /// `jobs:`, as `-j`.
    public var jobs: Int?
    /// `executor:`, `local` or `slurm`, as `--executor`.
    public var executor: String?
    /// `slurm:`, as the workflow's `slurm:` block.
    public var slurm: SlurmDefaults
    /// `container_runtime:`, as `--container-runtime` (which wins over it).
    public var containerRuntime: String?

    /// Keys of a profile.
    public static let keys = ["container_runtime", "description", "executor", "jobs", "params", "slurm"]
    /// The runtimes `container_runtime:` may name (or a path ending in one).
    public static let containerRuntimes = ["apptainer", "docker", "podman"]
    /// The executors `executor:` may name.
    public static let executors = ["local", "slurm"]

    /// Creates a profile; by default it sets nothing.
    public init(params: [String: JSONValue] = [:], jobs: Int? = nil, executor: String? = nil, slurm: SlurmDefaults = SlurmDefaults()) {
        self.params = params
        self.jobs = jobs
        self.executor = executor
        self.slurm = slurm
    }

    /// The profile as a JSON value, for the compiled workflow's encoding.
    var json: JSONValue {
        var members: [String: JSONValue] = ["params": .object(params), "slurm": slurm.json]
        if let jobs { members["jobs"] = .integer(jobs) }
        if let executor { members["executor"] = .string(executor) }
        if let containerRuntime { members["container_runtime"] = .string(containerRuntime) }
        return .object(members)
    }

    /// Reads `json` back; nil when it is not what `json` writes.
    init?(json: JSONValue) {
        guard case .object(let members) = json, case .object(let params)? = members["params"],
              let slurm = members["slurm"].flatMap(SlurmDefaults.init(json:)) else { return nil }
        self.init(params: params, slurm: slurm)
        switch members["jobs"] {
        case nil: break
        case .integer(let n)?: jobs = n
        default: return nil
        }
        switch members["executor"] {
        case nil: break
        case .string(let name)?: executor = name
        default: return nil
        }
        switch members["container_runtime"] {
        case nil: break
        case .string(let name)?: containerRuntime = name
        default: return nil
        }
    }
}
