import StudyCore
import StudyProvenance

/// Markdown and JSON forms of `DiffReport`.
extension DiffReport {
    // MARK: - Markdown

    static func markdown(_ diff: RunDiff) -> String {
        let a = "run \(diff.old.record.run)", b = "run \(diff.new.record.run)"
        var out = "## StudyFlow diff: \(a) → \(b)\n\n- \(cell(diff.old.label))\n- \(cell(diff.new.label))\n"
        func table(_ title: String, _ header: [String], _ rows: [[String]]) {
            guard !rows.isEmpty else { return }
            out += "\n### \(title)\n\n| " + header.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: header.count) + "\n"
            for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
        }
        table("Run", ["fact", a, b], diff.run.map { [code($0.name), code(value($0.old)), code(value($0.new))] })
        table("Parameters", ["parameter", a, b], diff.params.map { [code($0.name), code(value($0.old)), code(value($0.new))] })
        table("Stage settings", ["stage", "setting", a, b],
              diff.settings.map { [code($0.stage), code($0.field), code(value($0.old)), code(value($0.new))] })
        table("Source files", ["file", a, b, "read by"], diff.inputs.map { [code($0.path), file($0.old), file($0.new), code($0.stage)] })
        table("Instances", ["instance", "change"], diff.instances.map { [code($0.stage), $0.added ? "added" : "removed"] })
        table("Stages", ["stage", "change"], diff.stages.map { [code($0.stage), cell($0.details.joined(separator: ", "))] })
        table("Outputs", ["file", a, b, "written by"], diff.outputs.map { [code($0.path), file($0.old), file($0.new), code($0.stage)] })
        var shown: [String: Int] = [:]
        let results = diff.results.filter { shown[$0.file, default: 0] += 1; return shown[$0.file]! <= valuesPerFile }
        table("Results", ["file", "value", a, b], results.map { [code($0.file), code($0.change.path), code(value($0.change.old)), code(value($0.change.new))] })
        let elided = shown.filter { $0.value > valuesPerFile }.sorted { $0.key < $1.key }
        for (name, count) in elided { out += "\n… and \(count - valuesPerFile) more values in \(code(name)) (`studyflow diff --json` lists all)\n" }
        if !diff.unavailable.isEmpty { out += "\nNot compared byte by byte:\n\n" + diff.unavailable.map { "- \(cell($0))\n" }.joined() }
        if diff.isEmpty { out += "\nNo differences in params, settings, inputs, stages or outputs.\n" }
        out += "\n\(diff.unchangedStages) stage\(diff.unchangedStages == 1 ? "" : "s") unchanged.\n"
        for text in diff.texts { out += "\n" + fenced(text.diff) }
        return out
    }

    static func markdown(_ chain: CauseChain, diff: RunDiff) -> String {
        let a = "run \(diff.old.record.run)", b = "run \(diff.new.record.run)"
        guard chain.changed else { return "\(code(chain.path)) is unchanged between \(a) and \(b).\n" }
        var out = "## Why \(code(chain.path)) changed between \(a) and \(b)\n\n"
        out += chain.sentences.map { "- \(cell($0))\n" }.joined()
        out += "\n| file | \(a) | \(b) |\n|---|---|---|\n"
        out += chain.files.map { "| \(code($0.path)) | \(file($0.old)) | \(file($0.new)) |\n" }.joined()
        if !chain.results.isEmpty {
            out += "\n| file | value | \(a) | \(b) |\n|---|---|---|---|\n"
            out += chain.results.map { "| \(code($0.file)) | \(code($0.change.path)) | \(code(value($0.change.old))) | \(code(value($0.change.new))) |\n" }.joined()
        }
        return out
    }

    /// A table cell: `|` escaped, newlines as spaces.
    static func cell(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "|": out += "\\|"
            case "\n", "\r", "\r\n": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    /// Inline code in a table cell; a backtick inside widens the fence as CommonMark allows.
    static func code(_ text: String) -> String {
        let body = cell(text)
        return body.contains("`") ? "`` \(body) ``" : "`\(body)`"
    }

    static func file(_ file: StageRecord.File?) -> String {
        guard let file else { return "—" }
        return code(file.sha256?.short ?? "none") + (file.size.map { " (\($0) bytes)" } ?? "")
    }

    /// A unified diff in a fence longer than any backtick run inside it.
    static func fenced(_ diff: String) -> String {
        var longest = 0, run = 0
        for c in diff { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return fence + "diff\n" + diff + fence + "\n"
    }

    // MARK: - JSON

    static func json(_ diff: RunDiff) -> JSONValue {
        func pair(_ old: JSONValue?, _ new: JSONValue?) -> [String: JSONValue] { ["old": old ?? .null, "new": new ?? .null] }
        let stages: [JSONValue] = diff.stages.map { change in
            .object(["stage": .string(change.stage), "old": side(change.old), "new": side(change.new),
                     "details": .array(change.details.map(JSONValue.string))])
        }
        return .object([
            "old": run(diff.old), "new": run(diff.new),
            "run": .array(diff.run.map { .object(pair($0.old, $0.new).merging(["name": .string($0.name)]) { $1 }) }),
            "params": .array(diff.params.map { .object(pair($0.old, $0.new).merging(["name": .string($0.name)]) { $1 }) }),
            "settings": .array(diff.settings.map {
                .object(pair($0.old, $0.new).merging(["stage": .string($0.stage), "field": .string($0.field)]) { $1 })
            }),
            "instances": .array(diff.instances.map {
                .object(["stage": .string($0.stage), "template": .string($0.template), "key": .string($0.key),
                         "change": .string($0.added ? "added" : "removed")])
            }),
            "inputs": .array(diff.inputs.map(fileChange)), "stages": .array(stages), "outputs": .array(diff.outputs.map(fileChange)),
            "results": .array(diff.results.map(result)), "unavailable": .array(diff.unavailable.map(JSONValue.string)),
            "text": .array(diff.texts.map { .object(["path": .string($0.path), "diff": .string($0.diff)]) }),
            "unchangedStages": .integer(diff.unchangedStages),
        ])
    }

    static func json(_ chain: CauseChain, diff: RunDiff) -> JSONValue {
        .object([
            "path": .string(chain.path), "old": run(diff.old), "new": run(diff.new), "changed": .bool(chain.changed),
            "because": .array(chain.sentences.map(JSONValue.string)),
            "chains": .array(chain.chains.map { .array($0.map(JSONValue.string)) }),
            "files": .array(chain.files.map(fileChange)), "results": .array(chain.results.map(result)),
        ])
    }

    static func run(_ run: LoggedRun) -> JSONValue {
        .object(["run": .integer(run.record.run), "id": .string(run.id), "commit": .string(run.commit.hex),
                 "started": .string(Timestamp.iso8601(run.record.timing.started))])
    }

    static func side(_ side: RunDiff.StageSide?) -> JSONValue {
        guard let side else { return .null }
        return .object(["kind": .string(side.kind), "key": side.key.map { .string($0.hex) } ?? .null,
                        "status": .string(side.status), "seconds": .number(side.seconds)])
    }

    static func fileChange(_ change: RunDiff.FileChange) -> JSONValue {
        func file(_ f: StageRecord.File?) -> JSONValue {
            guard let f else { return .null }
            return .object(["sha256": f.sha256.map { .string($0.hex) } ?? .null, "size": f.size.map { .integer(Int($0)) } ?? .null,
                            "directory": .bool(f.isDirectory)])
        }
        return .object(["path": .string(change.path), "stage": .string(change.stage), "old": file(change.old), "new": file(change.new)])
    }

    static func result(_ result: RunDiff.ResultChange) -> JSONValue {
        var members: [String: JSONValue] = ["file": .string(result.file), "path": .string(result.change.path),
                                            "old": result.change.old ?? .null, "new": result.change.new ?? .null]
        if result.change.isNumeric, let a = result.change.old?.numeric, let b = result.change.new?.numeric { members["delta"] = .number(b - a) }
        return .object(members)
    }
}

extension JSONValue {
    /// The value as a Double when it is a number.
    var numeric: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }
}
