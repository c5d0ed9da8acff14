/// The compiled form of a validated workflow and its graph, cached by the digest of the YAML file,
/// so a run whose workflow did not change skips YAML parsing and validation altogether.
public struct CompiledWorkflow: Sendable, Equatable {
    /// The workflow as loaded.
    public var workflow: Workflow
    /// Its stage graph.
    public var graph: StageGraph
    /// For each stage, path-like words of its command that may name source files (see `CommandWords`).
    public var commandWords: [[String]]

    /// Bundles a validated workflow with its graph and derived command words.
    public init(workflow: Workflow, graph: StageGraph) {
        self.workflow = workflow
        self.graph = graph
        self.commandWords = workflow.stages.map(CommandWords.candidates)
    }

    init(workflow: Workflow, graph: StageGraph, commandWords: [[String]]) {
        self.workflow = workflow
        self.graph = graph
        self.commandWords = commandWords
    }

    /// Bumped whenever the encoding changes; a cache of another version is ignored.
    public static let formatVersion: UInt64 = 12

    /// The binary encoding.
    public func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 256 * workflow.stages.count + 256)
        w.write(Self.formatVersion)
        w.write(workflow.file)
        w.write(workflow.name)
        w.write(workflow.description)
        w.write(JSONValue.object(workflow.params))
        w.write(workflow.slurm.json)
        w.write(UInt64(workflow.sign ? 1 : 0))
        w.write(workflow.includes)
        w.write(JSONValue.object(workflow.profiles.mapValues(\.json)))
        w.write(UInt64(workflow.stages.count))
        for (id, stage) in workflow.stages.enumerated() {
            w.write(stage.id)
            // Stages of included files are positioned in them; the main file's write "".
            w.write(stage.location.file == workflow.file ? "" : stage.location.file)
            w.write(stage.location)
            switch stage.action {
            case .shell(let template):
                w.write(UInt64(0))
                w.write(template.text)
            case .builtin(let kind, let with):
                w.write(UInt64(1))
                w.write(kind)
                w.write(with)
            }
            for artifacts in [stage.inputs, stage.outputs] {
                w.write(UInt64(artifacts.count))
                for a in artifacts {
                    w.write(a.name ?? "")
                    w.write(a.name != nil)
                    w.write(a.path)
                    w.write(a.isDirectory)
                    w.write(a.location)
                }
            }
            w.write(JSONValue.object(stage.params))
            w.write(UInt64(stage.env.count))
            for e in stage.env { w.write(e) }
            w.write(stage.resources.threads)
            w.write(stage.resources.retries)
            w.write(stage.resources.memory ?? "")
            w.write(stage.resources.time ?? "")
            w.write(stage.fields)
            w.write(stage.sandbox)
            w.write(stage.container ?? "")
            w.write(stage.container != nil)
            w.write(stage.network)
            w.write(UInt64(stage.tools.count))
            for tool in stage.tools { w.write(tool) }
            w.write(stage.resources.runsLocally)
            w.write(stage.resources.group ?? "")
            for list in [graph.dependencies[id], graph.inputProducers[id]] {
                w.write(UInt64(list.count))
                for x in list { w.write(Int(x)) }
            }
            w.write(UInt64(commandWords[id].count))
            for word in commandWords[id] { w.write(word) }
        }
        for id in graph.order { w.write(UInt64(id)) }
        w.write(workflow.fanouts)
        w.write(workflow.gathers)
        w.write(workflow.levels)
        return w.bytes
    }

    /// Decodes `encoded()` output; throws on any mismatch, and the caller reloads the YAML.
    public init(decoding bytes: UnsafeRawBufferPointer) throws(BinaryFormatError) {
        var r = BinaryReader(bytes)
        guard try r.readUInt() == Self.formatVersion else { throw BinaryFormatError() }
        let file = try r.readString()
        let name = try r.readString()
        let description = try r.readString()
        guard case .object(let params) = try r.readJSON() else { throw BinaryFormatError() }
        guard let slurm = SlurmDefaults(json: try r.readJSON()) else { throw BinaryFormatError() }
        let sign = try r.readUInt()
        guard sign <= 1 else { throw BinaryFormatError() }
        let includes = try r.readIncludes()
        guard case .object(let profileValues) = try r.readJSON() else { throw BinaryFormatError() }
        var profiles: [String: Profile] = [:]
        for (name, value) in profileValues {
            guard let profile = Profile(json: value) else { throw BinaryFormatError() }
            profiles[name] = profile
        }
        let count = try r.readCount()
        var stages: [Stage] = []
        var dependencies = StageLists(), producers = StageLists(), words: [[String]] = []
        dependencies.reserveCapacity(lists: count, ids: count)
        producers.reserveCapacity(lists: count, ids: count)
        stages.reserveCapacity(count)
        // A fan-out's instances are consecutive and share their template's command: one parsed
        // `CommandTemplate` (and one copy of its text) serves them all, instead of one per stage.
        var lastCommand: CommandTemplate?
        for _ in 0..<count {
            stages.append(try Self.readStage(&r, file: file, lastCommand: &lastCommand))
            for k in 0..<2 {
                var list: [Int32] = []
                for _ in 0..<(try r.readCount()) {
                    // Ids must name a stage (producers may be -1, "a source file").
                    let value = try r.readInt()
                    guard value >= (k == 0 ? 0 : -1), value < count else { throw BinaryFormatError() }
                    list.append(Int32(value))
                }
                if k == 0 { dependencies.append(list) } else { producers.append(list) }
            }
            var stageWords: [String] = []
            for _ in 0..<(try r.readCount()) { stageWords.append(try r.readString()) }
            words.append(stageWords)
        }
        let order = try Self.readOrder(&r, count: count)
        let fanouts = try r.readFanouts(file: file, stageCount: count)
        let gathers = try r.readGathers(stageCount: count)
        let levels = try r.readLevels()
        guard r.isAtEnd else { throw BinaryFormatError() }
        // Dependencies were checked to name stages (never -1) as they were read.
        let dependents = dependencies.reversed(count: count)
        var workflow = Workflow(file: file, name: name, description: description, params: params, stages: stages,
                                slurm: slurm, sign: sign == 1, fanouts: fanouts, gathers: gathers, levels: levels)
        workflow.includes = includes
        workflow.profiles = profiles
        self.init(
            workflow: workflow,
            graph: StageGraph(count: count, dependencies: dependencies, dependents: dependents,
                              inputProducers: producers, order: order),
            commandWords: words)
    }

    /// One stage's declaration, as `encoded()` wrote it.
    /// `lastCommand` is the previous stage's command, reused when this one's text is the same.
    private static func readStage(_ r: inout BinaryReader, file mainFile: String,
                                  lastCommand: inout CommandTemplate?) throws(BinaryFormatError) -> Stage {
        let id = try r.readString()
        let stageFile = try r.readString()
        let file = stageFile.isEmpty ? mainFile : stageFile
        let location = try r.readLocation(file: file)
        let action: StageAction
        switch try r.readUInt() {
        case 0:
            let text = try r.readString()
            if lastCommand?.text != text { lastCommand = CommandTemplate(text) }
            action = .shell(lastCommand!)
        case 1: action = .builtin(kind: try r.readString(), with: try r.readJSON())
        default: throw BinaryFormatError()
        }
        var lists: [[Artifact]] = []
        for _ in 0..<2 {
            let n = try r.readCount()
            var artifacts: [Artifact] = []
            artifacts.reserveCapacity(n)
            for _ in 0..<n {
                let name = try r.readString()
                let named = try r.readBool()
                artifacts.append(Artifact(name: named ? name : nil, path: try r.readString(),
                                          isDirectory: try r.readBool(), location: try r.readLocation(file: file)))
            }
            lists.append(artifacts)
        }
        guard case .object(let stageParams) = try r.readJSON() else { throw BinaryFormatError() }
        var env: [String] = []
        for _ in 0..<(try r.readCount()) { env.append(try r.readString()) }
        let threads = try r.readInt(), retries = try r.readInt()
        let memory = try r.readString(), time = try r.readString()
        var resources = StageResources(threads: threads, memory: memory.isEmpty ? nil : memory,
                                       time: time.isEmpty ? nil : time, retries: retries)
        let fields = try r.readFieldLocations(file: file)
        let sandbox = try r.readBool()
        let image = try r.readString()
        let container = try r.readBool() ? image : nil
        let network = try r.readBool()
        var tools: [String] = []
        for _ in 0..<(try r.readCount()) { tools.append(try r.readString()) }
        resources.runsLocally = try r.readBool()
        let group = try r.readString()
        resources.group = group.isEmpty ? nil : group
        var stage = Stage(id: id, action: action, inputs: lists[0], outputs: lists[1], params: stageParams,
                          env: env, resources: resources, location: location, fields: fields,
                          container: container, network: network)
        stage.sandbox = sandbox
        stage.tools = tools
        return stage
    }

    /// The topological order: each of the `count` stage ids exactly once.
    private static func readOrder(_ r: inout BinaryReader, count: Int) throws(BinaryFormatError) -> [Int32] {
        var order: [Int32] = []
        order.reserveCapacity(count)
        var placed = [Bool](repeating: false, count: count)
        for _ in 0..<count {
            let id = try r.readUInt()
            guard id < UInt64(count), !placed[Int(id)] else { throw BinaryFormatError() }
            placed[Int(id)] = true
            order.append(Int32(id))
        }
        return order
    }
}

extension BinaryWriter {
    mutating func write(_ includes: WorkflowIncludes) {
        write(UInt64(includes.files.count))
        for file in includes.files {
            write(file.path)
            write(file.digest)
        }
        write(UInt64(includes.patterns.count))
        for pattern in includes.patterns {
            write(pattern.pattern)
            for list in [pattern.matches, pattern.directories] {
                write(UInt64(list.count))
                for path in list { write(path) }
            }
        }
    }

    mutating func write(_ location: SourceLocation) {
        write(location.line)
        write(location.column)
    }

    /// Appends a JSON value, tagged by case.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: write(UInt64(0))
        case .bool(let b): write(UInt64(1)); write(b)
        case .integer(let i): write(UInt64(2)); write(i)
        case .number(let d): write(UInt64(3)); writeFixed(d.bitPattern)
        case .string(let s): write(UInt64(4)); write(s)
        case .array(let items):
            write(UInt64(5)); write(UInt64(items.count))
            for item in items { write(item) }
        case .object(let members):
            write(UInt64(6)); write(UInt64(members.count))
            for key in members.keys.sorted() { write(key); write(members[key]!) }
        }
    }
}

extension BinaryWriter {
    mutating func write(_ fields: FieldLocations) {
        for table in [fields.values, fields.keys] {
            write(UInt64(table.count))
            for path in table.keys.sorted() {
                write(path)
                write(table[path]!)
            }
        }
    }
}

extension BinaryWriter {
    /// Data-driven fan-outs.
    mutating func write(_ levels: [LevelsFanout]) {
        write(UInt64(levels.count))
        for entry in levels {
            write(entry.template)
            write(entry.table)
            write(entry.column)
            write(entry.producer ?? "")
            write(entry.expanded)
            write(UInt64(entry.readers.count))
            for reader in entry.readers { write(reader) }
        }
    }
}

extension BinaryReader {
    /// Data-driven fan-outs as `write(_: [LevelsFanout])` wrote them.
    mutating func readLevels() throws(BinaryFormatError) -> [LevelsFanout] {
        var result: [LevelsFanout] = []
        for _ in 0..<(try readCount()) {
            let template = try readString(), table = try readString(), column = try readString()
            let producer = try readString()
            let expanded = try readBool()
            var readers: [String] = []
            for _ in 0..<(try readCount()) { readers.append(try readString()) }
            result.append(LevelsFanout(template: template, table: table, column: column,
                                       producer: producer.isEmpty ? nil : producer, expanded: expanded, readers: readers))
        }
        return result
    }
    mutating func readFieldLocations(file: String) throws(BinaryFormatError) -> FieldLocations {
        var fields = FieldLocations()
        for k in 0..<2 {
            for _ in 0..<(try readCount()) {
                let path = try readString()
                let location = try readLocation(file: file)
                if k == 0 { fields.setValue(path, location) } else { fields.setKey(path, location) }
            }
        }
        return fields
    }

    mutating func readIncludes() throws(BinaryFormatError) -> WorkflowIncludes {
        var includes = WorkflowIncludes()
        for _ in 0..<(try readCount()) {
            includes.files.append(IncludedFile(path: try readString(), digest: try readDigest()))
        }
        for _ in 0..<(try readCount()) {
            let pattern = try readString()
            var lists: [[String]] = []
            for _ in 0..<2 {
                var list: [String] = []
                for _ in 0..<(try readCount()) { list.append(try readString()) }
                lists.append(list)
            }
            includes.patterns.append(IncludePattern(pattern: pattern, matches: lists[0], directories: lists[1]))
        }
        return includes
    }

    mutating func readLocation(file: String) throws(BinaryFormatError) -> SourceLocation {
        // Every location of a workflow is in its one file, so the file is not stored per location.
        SourceLocation(file: file, line: try readInt(), column: try readInt())
    }

    /// Reads a JSON value written by `BinaryWriter.write(_: JSONValue)`; nesting past
    /// `JSONValue.maxDepth` (a damaged or crafted file) is a format error, not a stack overflow.
    public mutating func readJSON(depth: Int = 0) throws(BinaryFormatError) -> JSONValue {
        guard depth <= JSONValue.maxDepth else { throw BinaryFormatError() }
        switch try readUInt() {
        case 0: return .null
        case 1: return .bool(try readBool())
        case 2: return .integer(try readInt())
        case 3: return .number(Double(bitPattern: try readFixed()))
        case 4: return .string(try readString())
        case 5:
            var items: [JSONValue] = []
            for _ in 0..<(try readCount()) { items.append(try readJSON(depth: depth + 1)) }
            return .array(items)
        case 6:
            let count = try readCount()
            var members: [String: JSONValue] = [:]
            // Never for none: reserving room for 0 allocates a table, one per stage's empty `params`.
            if count > 0 { members.reserveCapacity(count) }
            for _ in 0..<count { let key = try readString(); members[key] = try readJSON(depth: depth + 1) }
            return .object(members)
        default: throw BinaryFormatError()
        }
    }
}

extension BinaryWriter {
    /// Fan-out groups: template, range, location and each item (key, `each.key`, value, axes).
    mutating func write(_ fanouts: [FanoutGroup]) {
        write(UInt64(fanouts.count))
        for group in fanouts {
            write(group.template)
            write(group.stages.lowerBound)
            write(group.stages.upperBound)
            write(group.location)
            write(UInt64(group.items.count))
            for item in group.items {
                write(item.key)
                write(item.eachKey)
                write(item.value)
                write(UInt64(item.axes.count))
                for axis in item.axes { write(axis.key); write(axis.value) }
            }
        }
    }

    /// Gather records.
    mutating func write(_ gathers: [Gather]) {
        write(UInt64(gathers.count))
        for gather in gathers {
            write(gather.stage)
            write(gather.input)
            write(gather.template)
            write(gather.output)
            write(UInt64(gather.instances.count))
            for instance in gather.instances { write(instance) }
        }
    }
}

extension BinaryReader {
    /// Fan-out groups as `write(_: [FanoutGroup])` wrote them; ranges must lie in the stages,
    /// in order, without overlap, with one item per instance.
    mutating func readFanouts(file: String, stageCount: Int) throws(BinaryFormatError) -> [FanoutGroup] {
        var groups: [FanoutGroup] = []
        var end = 0
        for _ in 0..<(try readCount()) {
            let template = try readString()
            let lower = try readInt(), upper = try readInt()
            guard lower >= end, lower <= upper, upper <= stageCount else { throw BinaryFormatError() }
            end = upper
            let location = try readLocation(file: file)
            let count = try readCount()
            guard count == upper - lower else { throw BinaryFormatError() }
            var items: [FanoutItem] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                let key = try readString(), eachKey = try readString()
                let value = try readJSON()
                var axes: [FanoutEntry] = []
                for _ in 0..<(try readCount()) { axes.append(FanoutEntry(key: try readString(), value: try readJSON())) }
                items.append(FanoutItem(key: key, eachKey: eachKey, value: value, axes: axes))
            }
            groups.append(FanoutGroup(template: template, stages: lower..<upper, location: location, items: items))
        }
        return groups
    }

    /// Gather records; every index must name a stage.
    mutating func readGathers(stageCount: Int) throws(BinaryFormatError) -> [Gather] {
        var gathers: [Gather] = []
        for _ in 0..<(try readCount()) {
            let stage = try readInt()
            guard stage >= 0, stage < stageCount else { throw BinaryFormatError() }
            let input = try readString(), template = try readString(), output = try readString()
            var instances: [Int] = []
            for _ in 0..<(try readCount()) {
                let instance = try readInt()
                guard instance >= 0, instance < stageCount else { throw BinaryFormatError() }
                instances.append(instance)
            }
            gathers.append(Gather(stage: stage, input: input, template: template, output: output, instances: instances))
        }
        return gathers
    }
}
