import StudyCore
import StudyStore

extension StageResolver {
    /// What a stage whose kind describes its lineage (`StageKind.describesLineage`) is told about
    /// the stages behind its inputs, and what enters its key: every stage upstream of it, by id,
    /// with its kind and version (`survival/cox@3`, or `shell`), its container image and digest
    /// and its listed tools' SHA-256 where it has them; and every source file under them (inputs
    /// no stage writes) with its SHA-256. Only what enters those stages' own keys appears (no
    /// run id, host, clock or tool version line), so the same workflow and data give the same
    /// value. `.null` for every other stage.
    ///
    /// ```json
    /// {"sources":[{"path":"data/lung.csv","sha256":"…"}],
    ///  "stages":[{"id":"cox","uses":"survival/cox@3"},
    ///            {"container":{"digest":"sha256:…","image":"localhost/r:4"},"id":"fig","uses":"shell",
    ///             "tools":[{"sha256":"…","tool":"Rscript"}]}]}
    /// ```
    ///
    /// - Complexity: O(upstream stages + their inputs); source files go through the stat cache.
    public func lineage(of id: Int, in compiled: CompiledWorkflow) throws -> JSONValue {
        let stages = compiled.workflow.stages
        guard case .builtin(let kindName, let settings) = stages[id].action,
              registry.kind(named: kindName)?.describesLineage(with: settings) == true else { return .null }
        let graph = compiled.graph
        var upstream: Set<Int> = []
        var pending = graph.dependencies[id].map(Int.init)
        while let next = pending.popLast() {
            if upstream.insert(next).inserted { pending += graph.dependencies[next].map(Int.init) }
        }
        var sources: [String: Digest] = [:]
        var described: [(id: String, value: JSONValue)] = []
        for index in upstream.union([id]) {
            let stage = stages[index]
            for (i, input) in stage.inputs.enumerated() where graph.inputProducers[index][i] < 0 && sources[input.path] == nil {
                if let found = try hasher.fingerprint(of: input.path) { sources[input.path] = found.digest }
            }
            if index != id { described.append((stage.id, describe(stage))) }
        }
        let sourceList = sources.keys.sorted().map { path in
            JSONValue.object(["path": .string(path), "sha256": .string(sources[path]!.hex)])
        }
        return .object(["stages": .array(described.sorted { $0.id < $1.id }.map { $0.value }), "sources": .array(sourceList)])
    }

    /// One upstream stage: id, kind tag, container and tools as its own key holds them.
    private func describe(_ stage: Stage) -> JSONValue {
        var fields: [String: JSONValue] = ["id": .string(stage.id)]
        switch stage.action {
        case .shell: fields["uses"] = .string("shell")
        case .builtin(let kind, _): fields["uses"] = .string(registry.tag(for: kind))
        }
        if let container = containers.use(for: stage) {
            fields["container"] = .object(["image": .string(container.image), "digest": .string(container.digest)])
        }
        // A tool that cannot be resolved fails its own stage; the lineage then just lacks it.
        let tools = (try? listedTools(of: stage)) ?? []
        if !tools.isEmpty {
            fields["tools"] = .array(tools.sorted { $0.name < $1.name }.map { tool in
                .object(["tool": .string(tool.name), "sha256": .string(tool.digest.hex)])
            })
        }
        return .object(fields)
    }
}
