import StudyCore
import StudyProvenance

/// Prints a `RunDiff` or a `CauseChain` as text (a terminal, a log), Markdown (a pull request, a
/// lab notebook) or JSON (scripts; every entry, nothing elided).
enum DiffReport {
    /// Values listed per JSON file in text and Markdown before the rest is summed up.
    static let valuesPerFile = 25
    /// Longest value printed in text and Markdown before it is cut with `…`.
    static let valueWidth = 80

    static func render(_ diff: RunDiff, format: DiffCommand.Format) -> String {
        switch format {
        case .text: return text(diff)
        case .md: return markdown(diff)
        case .json: return json(diff).canonicalJSON + "\n"
        }
    }

    static func render(_ chain: CauseChain, diff: RunDiff, format: DiffCommand.Format) -> String {
        switch format {
        case .text: return text(chain, diff: diff)
        case .md: return markdown(chain, diff: diff)
        case .json: return json(chain, diff: diff).canonicalJSON + "\n"
        }
    }

    // MARK: - Text

    static func text(_ diff: RunDiff) -> String {
        let a = "run \(diff.old.record.run)", b = "run \(diff.new.record.run)"
        var out = "\(diff.old.label) → \(diff.new.label)\n"
        func section(_ title: String, _ lines: [String]) {
            guard !lines.isEmpty else { return }
            out += title + ":\n" + lines.map { "  " + $0 + "\n" }.joined()
        }
        section("run", diff.run.map { "\($0.name)  \(value($0.old)) → \(value($0.new))" })
        section("params", diff.params.map { "\($0.name)  \(value($0.old)) → \(value($0.new))" })
        section("settings", diff.settings.map { "'\($0.stage)' \($0.field)  \(value($0.old)) → \(value($0.new))" })
        section("inputs", diff.inputs.map { "\($0.path)  \(describe($0, a: a, b: b))  (read by '\($0.stage)')" })
        section("instances", diff.instances.map { "instance '\($0.stage)' \($0.added ? "added" : "removed")" })
        section("stages", diff.stages.map { "'\($0.stage)'  \($0.details.joined(separator: ", "))" })
        section("outputs", diff.outputs.map { "\($0.path)  \(describe($0, a: a, b: b))  (written by '\($0.stage)')" })
        section("results", resultLines(diff.results) { "\($0.file) \($0.change.path)  \(value($0.change.old)) → \(value($0.change.new))" })
        section("not compared byte by byte", diff.unavailable)
        if diff.isEmpty { out += "no differences in params, settings, inputs, stages or outputs\n" }
        out += "\(diff.unchangedStages) stage\(diff.unchangedStages == 1 ? "" : "s") unchanged\n"
        for text in diff.texts { out += text.diff }
        return out
    }

    static func text(_ chain: CauseChain, diff: RunDiff) -> String {
        let a = "run \(diff.old.record.run)", b = "run \(diff.new.record.run)"
        guard chain.changed else {
            return "\(chain.path) is unchanged between \(a) and \(b)\n"
        }
        var out = "\(chain.path) changed between \(a) and \(b):\n"
        out += chain.sentences.map { "  " + $0 + "\n" }.joined()
        if chain.chains.count >= CauseChain.maximumChains { out += "  (the first \(CauseChain.maximumChains) causes; --json lists the same)\n" }
        out += "files:\n" + chain.files.map { "  \($0.path)  \(describe($0, a: a, b: b))\n" }.joined()
        let results = resultLines(chain.results) { "\($0.file) \($0.change.path)  \(value($0.change.old)) → \(value($0.change.new))" }
        if !results.isEmpty { out += "results:\n" + results.map { "  " + $0 + "\n" }.joined() }
        for text in diff.texts where chain.files.contains(where: { $0.path == text.path }) { out += text.diff }
        return out
    }

    /// One line per changed value, at most `valuesPerFile` per file, then a count of the rest.
    static func resultLines(_ results: [RunDiff.ResultChange], _ line: (RunDiff.ResultChange) -> String) -> [String] {
        var lines: [String] = []
        var perFile: [String: Int] = [:]
        for result in results {
            perFile[result.file, default: 0] += 1
            if perFile[result.file]! <= valuesPerFile { lines.append(line(result)) }
        }
        for (file, count) in perFile.sorted(by: { $0.key < $1.key }) where count > valuesPerFile {
            lines.append("… and \(count - valuesPerFile) more values in \(file) (--json lists all)")
        }
        return lines
    }

    /// `sha256 3f9c2a1e0b11 → 77aa01c2d3e4, 12 → 14 bytes`, or which run lacks the file.
    static func describe(_ change: RunDiff.FileChange, a: String, b: String) -> String {
        if change.old == nil { return "only in \(b)" + (change.new?.sha256.map { " (sha256 \($0.short))" } ?? "") }
        if change.new == nil { return "only in \(a)" + (change.old?.sha256.map { " (sha256 \($0.short))" } ?? "") }
        return RunDiff.describeDigests(change.old, change.new)
    }

    /// A JSON value for people: canonical JSON, cut at `valueWidth`; `(none)` when absent.
    static func value(_ value: JSONValue?) -> String {
        guard let value else { return "(none)" }
        let text = value.canonicalJSON
        return text.count > valueWidth ? String(text.prefix(valueWidth - 1)) + "…" : text
    }
}
