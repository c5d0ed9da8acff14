/// Expansion of a `FanoutSpec` into items: a pure function of the spec, so every item shape,
/// exclusion and key rule is tested without YAML or a disk.
extension FanoutSpec {
    /// The most instances one stage may expand to.
    public static let maximumInstances = 1_000_000

    /// One item before naming, with how messages refer to it.
    fileprivate struct Draft {
        var item: FanoutItem
        var origin: FanoutProblem.Origin
        var label: String
    }

    /// Every instance's item in order (list order, map order, matrix rows first axis outermost,
    /// then `include:` entries), or every problem: empty sources, non-scalar items, exclusions
    /// naming nothing, invalid or duplicate keys, a `name:` that cannot expand. `stage` is the
    /// template's id, for messages.
    /// - Complexity: O(instances × axes + exclusions × instances).
    /// `levels` are a `levels:` source's values, read from its table by the caller (without them
    /// such a source is a problem: its instances are not known yet).
    public func expand(stage: String, levels: [String]? = nil) -> FanoutExpansion {
        var problems: [FanoutProblem] = []
        var drafts: [Draft]
        switch source {
        case .list(let values): drafts = Self.listDrafts(values, stage: stage, problems: &problems)
        case .map(let entries): drafts = Self.mapDrafts(entries, stage: stage, problems: &problems)
        case .matrix(let matrix): drafts = matrix.drafts(stage: stage, problems: &problems)
        case .levels(let table, _):
            guard let levels else {
                problems.append(FanoutProblem("stage '\(stage)' expands only after '\(table)' is written; its instances are not known yet", origin: .spec))
                drafts = []
                break
            }
            drafts = Self.levelDrafts(levels, stage: stage, problems: &problems)
        }
        if let name { applyName(name, to: &drafts, stage: stage, problems: &problems) }
        checkKeys(drafts, stage: stage, problems: &problems)
        return FanoutExpansion(items: problems.isEmpty ? drafts.map(\.item) : [], problems: problems)
    }

    private static func listDrafts(_ values: [JSONValue], stage: String, problems: inout [FanoutProblem]) -> [Draft] {
        if values.isEmpty {
            problems.append(FanoutProblem("'foreach' of stage '\(stage)' is an empty list; give at least one item", origin: .spec))
        }
        if values.count > maximumInstances { problems.append(tooMany(values.count, stage: stage)); return [] }
        var drafts: [Draft] = []
        drafts.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            guard value.isScalar else {
                problems.append(FanoutProblem("item \(index + 1) of 'foreach' of stage '\(stage)' is \(value.kindDescription); list items must be strings or numbers: for items with fields, write a map {KEY: {FIELD: …}}", origin: .item(index)))
                continue
            }
            let text = value.scalarText
            drafts.append(Draft(item: FanoutItem(key: text, eachKey: text, value: value), origin: .item(index),
                                label: "item \(index + 1) ('\(text)')"))
        }
        return drafts
    }

    /// One item per level: the key is the level mapped by `FanoutItem.key(forLevel:)`, `each.value`
    /// the level as written.
    private static func levelDrafts(_ levels: [String], stage: String, problems: inout [FanoutProblem]) -> [Draft] {
        if levels.count > maximumInstances { problems.append(tooMany(levels.count, stage: stage)); return [] }
        var drafts: [Draft] = []
        drafts.reserveCapacity(levels.count)
        for level in levels {
            guard let key = FanoutItem.key(forLevel: level) else {
                problems.append(FanoutProblem("level '\(level)' of stage '\(stage)' has no letter, digit or '_.+-' to make an instance key from; set 'name:' to a template that gives one, or change the table", origin: .spec))
                continue
            }
            drafts.append(Draft(item: FanoutItem(key: key, eachKey: key, value: .string(level)), origin: .spec,
                                label: "level '\(level)'"))
        }
        return drafts
    }

    private static func mapDrafts(_ entries: [FanoutEntry], stage: String, problems: inout [FanoutProblem]) -> [Draft] {
        if entries.isEmpty {
            problems.append(FanoutProblem("'foreach' of stage '\(stage)' is an empty map; give at least one item", origin: .spec))
        }
        if entries.count > maximumInstances { problems.append(tooMany(entries.count, stage: stage)); return [] }
        return entries.enumerated().map { index, entry in
            Draft(item: FanoutItem(key: entry.key, eachKey: entry.key, value: entry.value), origin: .item(index),
                  label: "item '\(entry.key)'")
        }
    }

    static func tooMany(_ count: Int, stage: String) -> FanoutProblem {
        FanoutProblem("stage '\(stage)' would expand to \(count) instances, over the limit of \(maximumInstances); split the stage", origin: .spec)
    }

    /// Sets each key from the `name:` template; a placeholder that names nothing in an item is
    /// reported once per distinct message.
    private func applyName(_ name: CommandTemplate, to drafts: inout [Draft], stage: String, problems: inout [FanoutProblem]) {
        if name.unclosedOffset != nil {
            problems.append(FanoutProblem("'name' of stage '\(stage)' has a '${' that no '}' closes; write e.g. name: ${each.key}", origin: .name))
            return
        }
        var reported: Set<String> = []
        func report(_ message: String) {
            if reported.insert(message).inserted { problems.append(FanoutProblem(message, origin: .name)) }
        }
        for index in drafts.indices {
            var key = ""
            for segment in name.segments {
                switch segment {
                case .literal(let text):
                    key += text
                case .placeholder(let placeholder):
                    switch drafts[index].item.resolve(scope: placeholder.scopeText, name: placeholder.name) {
                    case .value(let value) where value.isScalar:
                        key += value.scalarText
                    case .value(let value):
                        report("placeholder '\(placeholder)' in 'name' of stage '\(stage)' is \(value.kindDescription) for \(drafts[index].label); a key needs a string or a number")
                    case .undefined(let suggestion):
                        let hint = suggestion.map { "; did you mean '${\($0)}'?" } ?? ""
                        report("undefined placeholder '\(placeholder)' in 'name' of stage '\(stage)' for \(drafts[index].label)\(hint)")
                    case .notThisScope:
                        report("placeholder '\(placeholder)' in 'name' of stage '\(stage)' is not expanded there: only ${each.key}, ${each.value…} and ${matrix.AXIS} make a key")
                    }
                }
            }
            drafts[index].item.key = key
        }
    }

    /// Keys must be `[A-Za-z0-9_.+-]+`, unique, and short enough for a stage id.
    private func checkKeys(_ drafts: [Draft], stage: String, problems: inout [FanoutProblem]) {
        guard problems.isEmpty else { return }
        var seen: [String: String] = [:]
        seen.reserveCapacity(drafts.count)
        var fix = name == nil ? "set 'name:' to a template that gives one, e.g. name: ${each.value.id}" : "change 'name:'"
        if case .levels(let table, _) = source, name == nil {
            fix = "levels become keys by their letters, digits and '_.+-' alone, so make the levels in '\(table)' differ in those"
        }
        for draft in drafts {
            let key = draft.item.key
            if !FanoutItem.isKey(key) {
                problems.append(FanoutProblem("\(draft.label) of stage '\(stage)' gives instance key '\(key)'; keys use only letters, digits, '_', '.', '+' and '-': \(fix)", origin: draft.origin))
            } else if stage.utf8.count + 1 + key.utf8.count > WorkflowLoader.maximumStageIDBytes {
                problems.append(FanoutProblem("instance '\(stage)@\(key.prefix(24))…' of \(draft.label) is longer than \(WorkflowLoader.maximumStageIDBytes) bytes, the limit for stage ids; \(fix)", origin: draft.origin))
            } else if let first = seen[key] {
                problems.append(FanoutProblem("\(first) and \(draft.label) of stage '\(stage)' both give instance key '\(key)'; each instance needs its own key: \(fix)", origin: draft.origin))
            } else {
                seen[key] = draft.label
            }
        }
    }
}

extension FanoutMatrix {
    /// The rows of the matrix, minus exclusions, plus inclusions.
    fileprivate func drafts(stage: String, problems: inout [FanoutProblem]) -> [FanoutSpec.Draft] {
        let before = problems.count
        let values = axisValues(stage: stage, problems: &problems)
        checkEntries(exclude, role: "exclude", stage: stage, complete: false, problems: &problems)
        checkEntries(include, role: "include", stage: stage, complete: true, problems: &problems)
        guard problems.count == before else { return [] }
        var total = 1
        for axis in values {
            let (product, overflow) = total.multipliedReportingOverflow(by: axis.count)
            if overflow || product > FanoutSpec.maximumInstances {
                problems.append(FanoutSpec.tooMany(overflow ? Int.max : product, stage: stage))
                return []
            }
            total = product
        }
        var drafts: [FanoutSpec.Draft] = []
        drafts.reserveCapacity(total)
        var used = [Bool](repeating: false, count: exclude.count)
        var odometer = [Int](repeating: 0, count: values.count)
        for _ in 0..<total {
            let row = odometer.enumerated().map { FanoutEntry(key: axes[$0.offset].key, value: values[$0.offset][$0.element]) }
            if let hit = exclude.firstIndex(where: { Self.matches(row, $0) }) {
                used[hit] = true
            } else {
                drafts.append(Self.draft(row, origin: .spec))
            }
            var digit = values.count - 1
            while digit >= 0 {
                odometer[digit] += 1
                if odometer[digit] < values[digit].count { break }
                odometer[digit] = 0
                digit -= 1
            }
        }
        for (index, wasUsed) in used.enumerated() where !wasUsed {
            problems.append(FanoutProblem("entry \(index + 1) of 'exclude' of stage '\(stage)' matches no combination of the matrix; check its values", origin: .exclude(index)))
        }
        for (index, entry) in include.enumerated() {
            let row = axes.map { axis in entry.first { $0.key == axis.key }! }
            drafts.append(Self.draft(row, origin: .include(index)))
        }
        return drafts
    }

    private static func draft(_ row: [FanoutEntry], origin: FanoutProblem.Origin) -> FanoutSpec.Draft {
        let eachKey = row.map(\.value.scalarText).joined(separator: "-")
        var object: [String: JSONValue] = [:]
        for entry in row { object[entry.key] = entry.value }
        let label = "combination {" + row.map { "\($0.key): \($0.value.scalarText)" }.joined(separator: ", ") + "}"
        return FanoutSpec.Draft(item: FanoutItem(key: eachKey, eachKey: eachKey, value: .object(object), axes: row),
                                origin: origin, label: label)
    }

    /// Whether `row` holds every pair of `entry` (values compared as text, so `1` matches `"1"`).
    private static func matches(_ row: [FanoutEntry], _ entry: [FanoutEntry]) -> Bool {
        entry.allSatisfy { pair in row.contains { $0.key == pair.key && $0.value.scalarText == pair.value.scalarText } }
    }

    private func axisValues(stage: String, problems: inout [FanoutProblem]) -> [[JSONValue]] {
        if axes.isEmpty {
            problems.append(FanoutProblem("'matrix' of stage '\(stage)' has no axes; write e.g. matrix: {model: [cox, km]}", origin: .spec))
        }
        return axes.map { axis in
            guard case .array(let values) = axis.value, !values.isEmpty else {
                let got = axis.value == .array([]) ? "an empty list" : axis.value.kindDescription
                problems.append(FanoutProblem("axis '\(axis.key)' of 'matrix' of stage '\(stage)' must be a non-empty list of values, got \(got)", origin: .spec))
                return []
            }
            if let bad = values.first(where: { !$0.isScalar }) {
                problems.append(FanoutProblem("axis '\(axis.key)' of 'matrix' of stage '\(stage)' holds \(bad.kindDescription); matrix values must be strings or numbers", origin: .spec))
            }
            return values
        }
    }

    private func checkEntries(_ entries: [[FanoutEntry]], role: String, stage: String, complete: Bool, problems: inout [FanoutProblem]) {
        let names = axes.map(\.key)
        for (index, entry) in entries.enumerated() {
            let origin: FanoutProblem.Origin = role == "exclude" ? .exclude(index) : .include(index)
            let what = "entry \(index + 1) of '\(role)' of stage '\(stage)'"
            if entry.isEmpty {
                problems.append(FanoutProblem("\(what) is empty; give axis values, e.g. {\(names.first ?? "AXIS"): …}", origin: origin))
            }
            for pair in entry where !names.contains(pair.key) {
                problems.append(FanoutProblem("\(what) names '\(pair.key)', which is not an axis of the matrix (axes: \(names.joined(separator: ", ")))\(Spelling.hint(for: pair.key, among: names))", origin: origin))
            }
            for pair in entry where !pair.value.isScalar {
                problems.append(FanoutProblem("\(what) gives \(pair.value.kindDescription) for '\(pair.key)'; matrix values must be strings or numbers", origin: origin))
            }
            if complete, let missing = names.first(where: { name in !entry.contains { $0.key == name } }) {
                problems.append(FanoutProblem("\(what) gives no value for axis '\(missing)'; an included combination names every axis", origin: origin))
            }
        }
    }
}

extension JSONValue {
    /// A string, number or boolean.
    var isScalar: Bool {
        switch self {
        case .string, .integer, .number, .bool: return true
        case .null, .array, .object: return false
        }
    }

    /// `a list`, `a map`, `null`, for messages.
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .array: return "a list"
        case .object: return "a map"
        case .string: return "a string"
        case .bool: return "a boolean"
        case .integer, .number: return "a number"
        }
    }
}
