import Yams

/// `group: NAME` on a stage and `group_components:` in a `slurm:` block (as Snakemake's groups):
/// under the SLURM executor, ready stages of one group run one after another inside one job.
extension WorkflowLoader {
    /// The longest group name, in bytes: it names the group job's files (`NAME.group-N.manifest`,
    /// `NAME.group-N-T.status.tmp`), which must stay under the 255-byte limit of file names.
    public static let maximumGroupNameBytes = 100

    /// `group: NAME` of a stage: a literal name of `[A-Za-z0-9_-]`, never with `local: true` (a
    /// local stage runs on the submitting host, not in a job).
    func parseGroup(_ node: Node, stage: inout Stage, reader: inout YAMLReader) {
        let what = "'group' of stage '\(stage.id)'"
        guard let name = reader.string(node, what: what) else { return }
        if reportNotExpanded(name, node: node, what: what, example: "tiny", reader: &reader) { return }
        guard Self.isStageID(name), name.utf8.count <= Self.maximumGroupNameBytes else {
            reader.error("\(what) must be a name of letters, digits, '_' and '-' (at most \(Self.maximumGroupNameBytes) bytes), like tiny, got '\(name)'", at: node)
            return
        }
        if stage.resources.runsLocally {
            reader.error("stage '\(stage.id)' has both 'local: true' and 'group: \(name)': a local stage runs on the submitting host, never in a group job; remove one of them", at: node)
            return
        }
        stage.resources.group = name
    }

    /// `group_components: {NAME: N}`: at most `N` (1…100000) stages of group `NAME` in one job.
    func parseGroupComponents(_ node: Node, reader: inout YAMLReader) -> [String: Int] {
        guard case .mapping = node else {
            reader.error("'group_components' in 'slurm' must be a mapping of group name to the most stages one job runs, like {tiny: 50}, got \(reader.kindName(node))", at: node)
            return [:]
        }
        var sizes: [String: Int] = [:]
        for pair in reader.pairs(node, context: "in 'group_components'") {
            guard Self.isStageID(pair.key), pair.key.utf8.count <= Self.maximumGroupNameBytes else {
                reader.error("bad group name '\(pair.key)' in 'group_components'; use letters, digits, '_' and '-'", at: pair.keyNode)
                continue
            }
            if let size = reader.integer(pair.value, what: "'group_components' of group '\(pair.key)'", range: 1...100_000) {
                sizes[pair.key] = size
            }
        }
        return sizes
    }

    /// Every name in a `group_components:` (the workflow's `slurm:` and each profile's) must be
    /// the `group:` of some stage: a misspelt name would otherwise be ignored without a word.
    func checkGroupComponents(_ pairs: [(key: String, keyNode: Node, value: Node)], groups: Set<String>,
                              reader: inout YAMLReader) {
        var blocks: [Node] = pairs.filter { $0.key == "slurm" }.map { $0.value }
        if let profiles = pairs.first(where: { $0.key == "profiles" })?.value, case .mapping(let mapping) = profiles {
            for (_, profile) in mapping {
                guard case .mapping(let settings) = profile else { continue }
                blocks += settings.filter { $0.key.string == "slurm" }.map { $0.value }
            }
        }
        for block in blocks {
            guard case .mapping(let slurm) = block else { continue }
            for (key, sizes) in slurm where key.string == "group_components" {
                guard case .mapping(let entries) = sizes else { continue }
                for (node, _) in entries {
                    let name = node.string ?? ""
                    guard Self.isStageID(name), !groups.contains(name) else { continue }
                    let hint = Spelling.suggestion(for: name, among: groups).map { "did you mean '\($0)'?" }
                        ?? "add 'group: \(name)' to the stages it should join, or remove it"
                    reader.error("'group_components' names group '\(name)', which no stage has; \(hint)", at: node)
                }
            }
        }
    }
}
