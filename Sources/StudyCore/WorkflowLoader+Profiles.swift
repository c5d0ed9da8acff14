/// `profiles:` — named run settings (see `Profile`), checked at load like every other key.
extension WorkflowLoader {
    /// Each profile of `node`, whose parameters must be among the workflow's `params`.
    func parseProfiles(_ node: Node, params: [String: JSONValue], reader: inout YAMLReader) -> [String: Profile] {
        guard case .mapping = node else {
            reader.error("'profiles' must be a mapping of profile name to settings, like {cluster: {executor: slurm, jobs: 64}}, got \(reader.kindName(node))", at: node)
            return [:]
        }
        var profiles: [String: Profile] = [:]
        for pair in reader.pairs(node, context: "in 'profiles'") {
            if !Self.isStageID(pair.key) {
                reader.error("bad profile name '\(pair.key)'; use letters, digits, '_' and '-'", at: pair.keyNode)
            }
            profiles[pair.key] = parseProfile(pair.key, node: pair.value, params: params, reader: &reader)
        }
        return profiles
    }

    private func parseProfile(_ name: String, node: Node, params: [String: JSONValue], reader: inout YAMLReader) -> Profile {
        let context = "profile '\(name)'"
        var profile = Profile()
        guard case .mapping = node else {
            reader.error("\(context) must be a mapping with 'params', 'jobs', 'executor' or 'slurm', got \(reader.kindName(node))", at: node)
            return profile
        }
        let pairs = reader.pairs(node, context: "in \(context)")
        reader.checkKeys(pairs, allowed: Profile.keys, context: "in \(context)")
        for pair in pairs {
            switch pair.key {
            case "params":
                profile.params = parseParams(pair.value, context: context, reader: &reader)
                checkProfileParams(pair.value, profile: name, declared: params, reader: &reader)
                profile.params = profile.params.filter { params[$0.key] != nil }
            case "jobs":
                profile.jobs = reader.integer(pair.value, what: "'jobs' of \(context)", range: 1...100_000)
            case "executor":
                guard let executor = reader.string(pair.value, what: "'executor' of \(context)") else { continue }
                if Profile.executors.contains(executor) {
                    profile.executor = executor
                } else {
                    let hint = Spelling.suggestion(for: executor, among: Profile.executors).map { "did you mean '\($0)'?" }
                        ?? "use " + Profile.executors.joined(separator: " or ")
                    reader.error("unknown executor '\(executor)' in \(context); \(hint)", at: pair.value)
                }
            case "slurm":
                profile.slurm = parseSlurm(pair.value, reader: &reader)
            case "container_runtime":
                guard let runtime = reader.string(pair.value, what: "'container_runtime' of \(context)") else { continue }
                let base = runtime.split(separator: "/").last.map(String.init) ?? ""
                if Profile.containerRuntimes.contains(base) {
                    profile.containerRuntime = runtime
                } else {
                    reader.error("unknown container runtime '\(runtime)' in \(context); use podman, docker or apptainer (or a path to one of them)", at: pair.value)
                }
            case "description":
                _ = reader.string(pair.value, what: "'description' of \(context)")
            default:
                break
            }
        }
        return profile
    }

    /// A profile sets workflow parameters; it cannot declare new ones.
    private func checkProfileParams(_ node: Node, profile: String, declared: [String: JSONValue], reader: inout YAMLReader) {
        guard case .mapping(let mapping) = node else { return }
        for (key, _) in mapping {
            guard case .scalar(let scalar) = key, declared[scalar.string] == nil, Self.isName(scalar.string) else { continue }
            let hint = Spelling.suggestion(for: scalar.string, among: declared.keys).map { "; did you mean '\($0)'?" }
                ?? "; declare it under 'params:' in the workflow"
            reader.error("profile '\(profile)' sets parameter '\(scalar.string)', which the workflow does not declare\(hint)", at: key)
        }
    }
}
