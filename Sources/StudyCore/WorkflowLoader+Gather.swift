/// A gathered input as written (`inputs: {models: {each: cox, output: result, where: {…}}}`),
/// resolved after every stage is read, because the template may be declared later.
struct PendingGather {
    /// The file that declares it (the workflow or an included file), for positioned errors.
    var file: String
    var input: String
    var template: String
    var templateNode: Node
    var output: String
    var outputNode: Node
    var filters: [(key: String, value: JSONValue, keyNode: Node)] = []
    var whereNode: Node?
    var node: Node
    /// The stage that reads it (its instances, for a fan-out), set once the entry is expanded.
    var stages: Range<Int> = 0..<0
}

extension WorkflowLoader {
    /// Reads `{each: STAGE, output: NAME[, where: {FIELD: VALUE…}]}`; `nil` after reporting why not.
    func parseGather(_ node: Node, input: String?, stage: String, reader: inout YAMLReader) -> PendingGather? {
        guard let input else {
            reader.error("a gathered input of stage '\(stage)' needs a name; write inputs: {NAME: {each: STAGE, output: OUTPUT}}", at: node)
            return nil
        }
        let context = "in input '\(input)' of stage '\(stage)'"
        let pairs = reader.pairs(node, context: context)
        reader.checkKeys(pairs, allowed: ["each", "output", "where"], context: context)
        let each = pairs.first { $0.key == "each" }, output = pairs.first { $0.key == "output" }
        guard let each, let output else {
            let missing = each == nil ? "each" : "output"
            reader.error("input '\(input)' of stage '\(stage)' is a mapping without '\(missing)'; a path is a string, and a gathered input is {each: STAGE, output: OUTPUT}", at: node)
            return nil
        }
        guard let template = reader.string(each.value, what: "'each' \(context)"),
              let outputName = reader.string(output.value, what: "'output' \(context)") else { return nil }
        var gather = PendingGather(file: reader.file, input: input, template: template, templateNode: each.value, output: outputName,
                                   outputNode: output.value, node: node)
        if let filter = pairs.first(where: { $0.key == "where" }) {
            gather.whereNode = filter.value
            guard case .mapping = filter.value else {
                reader.error("'where' \(context) must be a mapping of field to value, e.g. {cohort: msk}, got \(reader.kindName(filter.value))", at: filter.value)
                return nil
            }
            for pair in reader.pairs(filter.value, context: "in 'where' \(context)") {
                let value = reader.value(pair.value, context: "in 'where' \(context)")
                let values: [JSONValue]
                if case .array(let items) = value { values = items } else { values = [value] }
                guard values.allSatisfy(\.isScalar) else {
                    reader.error("'\(pair.key)' in 'where' \(context) must be a string, a number or a list of them, got \(value.kindDescription)", at: pair.value)
                    continue
                }
                gather.filters.append((pair.key, value, pair.keyNode))
            }
        }
        return gather
    }

    /// Adds each gather's instance outputs to the stages that read them, in instance order, and
    /// returns the records of what was gathered. `attempted` are the ids of every fan-out entry,
    /// including those that failed to expand (already reported).
    func resolveGathers(_ pending: [PendingGather], stages: inout [Stage], fanouts: [FanoutGroup],
                        attempted: Set<String>, plain: Set<String>, reader: inout YAMLReader) -> [Gather] {
        var gathers: [Gather] = []
        for gather in pending {
            // Errors are positioned in the file that declares the gather.
            var local = YAMLReader(file: gather.file, text: "")
            defer { reader.diagnostics += local.diagnostics }
            let what = "input '\(gather.input)' of stage '\(StageSelector.template(ofInstance: stages[gather.stages.lowerBound].id) ?? stages[gather.stages.lowerBound].id)'"
            guard let group = fanouts.first(where: { $0.template == gather.template }) else {
                if attempted.contains(gather.template) { continue }
                if plain.contains(gather.template) {
                    local.error("\(what) gathers from stage '\(gather.template)', which has no 'foreach:' or 'matrix:', so it has no instances; read its output by path instead", at: gather.templateNode)
                } else {
                    let known = fanouts.map(\.template)
                    let listed = known.isEmpty ? "the workflow has no fan-out stages" : "fan-out stages: " + known.joined(separator: ", ")
                    local.error("\(what) gathers from unknown stage '\(gather.template)'\(Spelling.hint(for: gather.template, among: known)) (\(listed))", at: gather.templateNode)
                }
                continue
            }
            let names = stages[group.stages.lowerBound].outputs.compactMap(\.name)
            guard names.contains(gather.output) else {
                let listed = names.isEmpty ? "it names no outputs" : "its outputs: " + names.joined(separator: ", ")
                local.error("\(what) gathers output '\(gather.output)' of stage '\(gather.template)', which has no such output\(Spelling.hint(for: gather.output, among: names)) (\(listed))", at: gather.outputNode)
                continue
            }
            guard let chosen = select(gather, in: group, what: what, reader: &local) else { continue }
            let location = local.location(gather.node)
            let instances = chosen.map { group.stages.lowerBound + $0 }
            for consumer in gather.stages {
                for instance in instances {
                    guard let output = stages[instance].output(named: gather.output) else { continue }
                    stages[consumer].inputs.append(Artifact(name: gather.input, path: output.path, isDirectory: output.isDirectory,
                                                            location: location))
                }
                gathers.append(Gather(stage: consumer, input: gather.input, template: group.template, output: gather.output,
                                      instances: instances))
            }
        }
        return gathers
    }

    /// The item indices `gather`'s `where` keeps, or `nil` after reporting a field that no item
    /// has or a filter that keeps nothing.
    private func select(_ gather: PendingGather, in group: FanoutGroup, what: String, reader: inout YAMLReader) -> [Int]? {
        guard !gather.filters.isEmpty else { return Array(group.items.indices) }
        let isMatrix = !(group.items.first?.axes.isEmpty ?? true)
        var fields: Set<String> = isMatrix ? Set(group.items[0].axes.map(\.key)) : ["key"]
        if !isMatrix {
            for item in group.items { if case .object(let members) = item.value { fields.formUnion(members.keys) } }
        }
        var ok = true
        for filter in gather.filters where !fields.contains(filter.key) {
            let kind = isMatrix ? "axis" : "field"
            reader.error("'where' of \(what) names \(kind) '\(filter.key)', which no instance of '\(group.template)' has\(Spelling.hint(for: filter.key, among: fields)) (\(kind)s: \(fields.sorted().joined(separator: ", ")))", at: filter.keyNode)
            ok = false
        }
        guard ok else { return nil }
        let chosen = group.items.indices.filter { index in
            gather.filters.allSatisfy { filter in
                guard let value = Self.field(filter.key, of: group.items[index]), value.isScalar else { return false }
                let wanted: [JSONValue]
                if case .array(let items) = filter.value { wanted = items } else { wanted = [filter.value] }
                return wanted.contains { $0.scalarText == value.scalarText }
            }
        }
        if chosen.isEmpty {
            reader.error("'where' of \(what) matches no instance of '\(group.template)'; check its values (instances: \(group.items.prefix(8).map(\.key).joined(separator: ", "))\(group.items.count > 8 ? ", …" : ""))", at: gather.whereNode ?? gather.node)
            return nil
        }
        return chosen
    }

    /// A `where` field of an item: a matrix axis, `key` (the instance's `each.key`), or a field of
    /// the item's value.
    static func field(_ name: String, of item: FanoutItem) -> JSONValue? {
        if let axis = item.axes.first(where: { $0.key == name }) { return axis.value }
        if case .object(let members) = item.value, let value = members[name] { return value }
        return name == "key" ? .string(item.eachKey) : nil
    }
}
