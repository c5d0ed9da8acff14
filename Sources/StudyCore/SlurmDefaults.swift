/// A workflow's `slurm:` block: what every job gets under `--executor slurm` unless the command
/// line says otherwise (`--partition` and `--account` replace these; `--sbatch-arg`s follow
/// `sbatch_args`). It never enters a stage key: where a stage runs does not change its outputs.
///
/// ```yaml
/// slurm: {partition: short, account: lab42, sbatch_args: [--qos=normal], poll_interval: 60,
///         group_components: {tiny: 50}, hold_arrays: true}
/// ```
public struct SlurmDefaults: Sendable, Equatable {
    /// `partition:`.
    public var partition: String?
    /// `account:`.
    public var account: String?
    /// `sbatch_args:`, passed to every `sbatch` in order.
    public var sbatchArguments: [String]
    /// `poll_interval:`, least seconds between `squeue` calls (`--poll-interval`).
    public var pollInterval: Double?
    /// `group_components:`, group name → most stages one job of that group runs (Snakemake's
    /// `--group-components`); a group not listed runs all its ready stages in one job.
    public var groupComponents: [String: Int] = [:]
    /// `hold_arrays:` (default true): a fan-out's ready instances wait until every instance of its
    /// template is ready, so each template is one `sbatch --array`; false sends them as they come.
    public var holdArrays: Bool?

    /// Keys of the block.
    public static let keys = ["partition", "account", "sbatch_args", "poll_interval", "group_components", "hold_arrays"]

    /// Nothing set.
    public init(partition: String? = nil, account: String? = nil, sbatchArguments: [String] = [], pollInterval: Double? = nil) {
        self.pollInterval = pollInterval
        self.partition = partition
        self.account = account
        self.sbatchArguments = sbatchArguments
    }

    /// The block as a JSON value, for the compiled workflow's encoding.
    var json: JSONValue {
        var members: [String: JSONValue] = ["sbatch_args": .array(sbatchArguments.map { .string($0) })]
        if let partition { members["partition"] = .string(partition) }
        if let account { members["account"] = .string(account) }
        if let pollInterval { members["poll_interval"] = .number(pollInterval) }
        if !groupComponents.isEmpty { members["group_components"] = .object(groupComponents.mapValues { .number(Double($0)) }) }
        if let holdArrays { members["hold_arrays"] = .bool(holdArrays) }
        return .object(members)
    }

    /// Reads `json` back; `nil` when it is not what `json` writes.
    init?(json: JSONValue) {
        guard case .object(let members) = json, case .array(let items)? = members["sbatch_args"] else { return nil }
        var arguments: [String] = []
        for item in items {
            guard case .string(let s) = item else { return nil }
            arguments.append(s)
        }
        func text(_ key: String) -> String?? {
            switch members[key] {
            case nil: return .some(nil)
            case .string(let s)?: return .some(s)
            default: return nil
            }
        }
        guard let partition = text("partition"), let account = text("account") else { return nil }
        var interval: Double?
        switch members["poll_interval"] {
        case nil: break
        case .number(let value)?: interval = value
        default: return nil
        }
        self.init(partition: partition, account: account, sbatchArguments: arguments, pollInterval: interval)
        switch members["group_components"] {
        case nil: break
        case .object(let sizes)?:
            for (name, size) in sizes {
                guard case .number(let n) = size, let count = Int(exactly: n) else { return nil }
                groupComponents[name] = count
            }
        default: return nil
        }
        switch members["hold_arrays"] {
        case nil: break
        case .bool(let hold)?: holdArrays = hold
        default: return nil
        }
    }
}
