/// A `levels:` fan-out read while its entry is parsed, settled once every stage is known (which
/// stage writes its table decides whether an unreadable table waits or is an error).
struct PendingLevels {
    var template: String
    /// The table's normalized workspace path.
    var table: String
    var column: String
    /// Why the table gave no levels; nil when the instances were made from it.
    var problem: LevelsTable.Problem?
    /// The `foreach:` value, and its `column:` value when there is one, for diagnostics.
    var node: Node
    var columnNode: Node?
}

extension WorkflowLoader {
    /// The levels of `table`/`column` for a `foreach: {levels: …}` entry, or why there are none.
    func readLevels(table: String, column: String) -> Result<[String], LevelsTable.Problem> {
        guard let tables else { return .failure(.missing) }
        return LevelsTable.levels(absolutePath: tables.root + "/" + table, column: column)
    }

    /// The table path of `levels:` normalized as an input path; nil after reporting why it cannot be one.
    func levelsTablePath(_ raw: String, node: Node, stage: String, reader: inout YAMLReader) -> String? {
        switch Self.artifact(raw, name: nil, role: "inputs", owner: "", location: reader.location(node)) {
        case .success(let artifact) where !artifact.isDirectory: return artifact.path
        case .success: reader.error("'table' in 'levels' of stage '\(stage)' names a directory; name a CSV file", at: node); return nil
        case .failure(let problem): reader.error("'table' in 'levels' of stage '\(stage)': \(problem.message)", at: node); return nil
        }
    }

    /// The `column:` (or `table:`) value node of a `{levels: {…}}` node.
    static func levelsField(_ key: String, of node: Node) -> Node? {
        guard let levels = firstPairs(node).first(where: { $0.key == "levels" })?.value else { return nil }
        return firstPairs(levels).first { $0.key == key }?.value
    }

    /// Records every `levels:` fan-out: expanded, waiting for the stage that writes its table, or
    /// an error (a table no stage writes that gives no levels; any table once `settled`).
    func settleLevels(_ pending: [PendingLevels], stages: [Stage], gathers: [PendingGather],
                      reader: inout YAMLReader) -> [LevelsFanout] {
        var result: [LevelsFanout] = []
        for entry in pending {
            let producer = stages.first { stage in
                stage.outputs.contains { $0.path == entry.table || ($0.isDirectory && entry.table.hasPrefix($0.path + "/")) }
            }.map(\.id)
            guard let problem = entry.problem else {
                result.append(LevelsFanout(template: entry.template, table: entry.table, column: entry.column,
                                           producer: producer, expanded: true))
                continue
            }
            if let producer, tables?.settled != true {
                let readers = gathers.filter { $0.template == entry.template }.flatMap { gather in
                    gather.stages.map { stages[$0].id }
                }
                result.append(LevelsFanout(template: entry.template, table: entry.table, column: entry.column,
                                           producer: producer, expanded: false, readers: readers))
                continue
            }
            report(problem, for: entry, producer: producer, reader: &reader)
        }
        return result
    }

    private func report(_ problem: LevelsTable.Problem, for entry: PendingLevels, producer: String?, reader: inout YAMLReader) {
        let what = "'levels' of stage '\(entry.template)'"
        switch problem {
        case .missing:
            if let producer {
                reader.error("\(what): table '\(entry.table)' does not exist after stage '\(producer)' ran; make '\(producer)' write it", at: entry.node)
            } else {
                reader.error("\(what): table '\(entry.table)' does not exist and no stage writes it; create it, or list it in the 'outputs' of the stage that writes it", at: entry.node)
            }
        case .unreadable(let why):
            reader.error("\(what): cannot read table '\(entry.table)': \(why); write it as CSV with a header line", at: entry.node)
        case .noColumn(let header):
            let shown = header.prefix(12).map { "'\($0)'" }.joined(separator: ", ") + (header.count > 12 ? ", …" : "")
            reader.error("\(what): table '\(entry.table)' has no column '\(entry.column)'\(Spelling.hint(for: entry.column, among: header)) (its columns: \(shown))", at: entry.columnNode ?? entry.node)
        case .empty:
            reader.error("\(what): column '\(entry.column)' of table '\(entry.table)' has no values, so there is nothing to fan out over; add rows, or use another column", at: entry.columnNode ?? entry.node)
        }
    }
}
