import StudyCore
import StudyEngine
import StudyReport

/// The text of a `generated: methods` section: the estimators behind the report's results (read
/// from the results themselves: a Kaplan-Meier result says its confidence interval, a Cox result
/// its ties), the files the report read with their SHA-256 and the stage that wrote each, the
/// report kind's version, and how to verify. Everything in it comes from what enters the report's
/// stage key (the inputs' bytes and paths, `with:` and the kind's version), never from the clock,
/// the host or the run, so the same inputs give the same bytes.
enum MethodsSection {
    /// One input as the methods name it.
    struct Source: Sendable {
        var input: String
        var path: String
        var stage: String?
        var sha256: String
        /// The estimator sentence, nil for a file that is not a result (a CSV, an image, Markdown).
        var method: String?
    }

    /// The estimator a result was computed with, as a methods paragraph states it, read through
    /// the result's model (so a malformed result fails the stage as any figure over it would).
    static func method(of input: ReportInput) throws(ReportError) -> String? {
        switch input.kind {
        case .kaplanMeier:
            let km = try input.decode(KaplanMeierOutput.self)
            let level = TextFormat.value((km.confLevel * 100_000).rounded() / 1000)
            return "Kaplan-Meier estimator with Greenwood standard errors and \(level) % pointwise confidence intervals "
                + "(conf.type = \"\(km.confType)\"), as R survival 3.5 `survfit`"
        case .logRank:
            let rho = try input.decode(LogRankOutput.self).rho
            let test = rho == 0 ? "Log-rank test" : "Harrington-Fleming G-rho test (rho = \(TextFormat.value(rho)))"
            return "\(test) of equal survival, as R survival 3.5 `survdiff`"
        case .cox:
            let ties = try input.decode(CoxOutput.self).ties
            return "Cox proportional hazards model, \(ties.prefix(1).uppercased() + ties.dropFirst()) ties, Wald confidence intervals, as R survival 3.5 `coxph`"
        case .trialPower:
            let seed = try input.decode(TrialPowerOutput.self).seed
            return "Simulated trial power over replicated cohorts (seeded random streams, seed \(seed))"
        case .ingestSummary:
            return "Cohort summary of the ingested table (counts, missing values, column types)"
        case .other:
            return input.value[ResultKey.kind]?.string.map { "`\($0)` result" }
        }
    }

    /// The section's Markdown for `sources` (in input-name order) and the report kind's tag.
    static func markdown(_ sources: [Source], lineage: JSONValue = .null, reportKind: String, reportPath: String) -> String {
        var out = "StudyFlow wrote this section from the results this report reads; each statement below follows "
            + "from those files and the report's settings, so the same inputs give the same text.\n\n"
        var methods: [(method: String, inputs: [String])] = []
        for source in sources {
            guard let method = source.method else { continue }
            if let i = methods.firstIndex(where: { $0.method == method }) {
                methods[i].inputs.append(source.input)
            } else {
                methods.append((method, [source.input]))
            }
        }
        if !methods.isEmpty {
            out += "**Estimators.**\n\n"
            for entry in methods {
                let names = entry.inputs.map { "`\($0)`" }.joined(separator: ", ")
                out += "- \(entry.method) (\(entry.inputs.count == 1 ? "input" : "inputs") \(names)).\n"
            }
            out += "\n"
        }
        out += lineageMarkdown(lineage)
        out += "**Data.** The report read these files (SHA-256):\n\n"
        for source in sources {
            let maker = source.stage.map { "written by stage `\($0)`" } ?? "a source file"
            out += "- `\(source.input)`: `\(source.path)`, \(maker), `\(source.sha256)`\n"
        }
        out += "\n**Verification.** `studyflow audit \(reportPath) --verify` walks this report's lineage back to the source "
            + "data, with each stage's key, parameters and environment, and re-hashes every file on disk; any mismatch is reported. "
            + "`studyflow reproduce` reruns the lineage without the cache and compares every output byte for byte. "
            + "This report was made by `\(reportKind)`."
        return out
    }
}

extension MethodsSection {
    /// The stages behind the inputs (kind and version, container image and tools with their
    /// digests) and the source data under them, from the engine's lineage; empty without one.
    static func lineageMarkdown(_ lineage: JSONValue) -> String {
        guard case .object(let fields) = lineage else { return "" }
        var out = ""
        if case .array(let stages)? = fields["stages"], !stages.isEmpty {
            out += "**Stages.** The results come from these stages (kind and version; container image and tools with their digests where a stage had them):\n\n"
            for case .object(let stage) in stages {
                guard let id = stage["id"]?.stringValue, let kind = stage["uses"]?.stringValue else { continue }
                out += "- `\(id)`: `\(kind)`"
                if case .object(let container)? = stage["container"], let image = container["image"]?.stringValue,
                   let digest = container["digest"]?.stringValue {
                    out += ", container `\(image)` (`\(digest)`)"
                }
                if case .array(let tools)? = stage["tools"] {
                    let listed = tools.compactMap { tool -> String? in
                        guard case .object(let t) = tool, let name = t["tool"]?.stringValue, let sha = t["sha256"]?.stringValue else { return nil }
                        return "`\(name)` (`\(sha)`)"
                    }
                    if !listed.isEmpty { out += ", tools " + listed.joined(separator: ", ") }
                }
                out += "\n"
            }
            out += "\n"
        }
        if case .array(let sources)? = fields["sources"], !sources.isEmpty {
            out += "**Source data** (SHA-256):\n\n"
            for case .object(let source) in sources {
                guard let path = source["path"]?.stringValue, let sha = source["sha256"]?.stringValue else { continue }
                out += "- `\(path)`: `\(sha)`\n"
            }
            out += "\n"
        }
        return out
    }
}

extension JSONValue {
    fileprivate var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
}

extension ReportBuilder {
    /// The methods section's Markdown over every declared input and gathered instance, by name.
    mutating func methodsText() throws(ReportError) -> String {
        var sources: [MethodsSection.Source] = []
        let names = context.inputs.keys.filter { context.gathered[$0] == nil }.sorted()
        for name in names {
            guard let path = context.inputs[name] else { continue }
            var method: String? = nil
            let digest: Digest
            if path.hasSuffix(".json") {
                let result = try input(name)
                method = try MethodsSection.method(of: result)
                digest = result.digest
            } else {
                do { digest = try read(name).digest } catch { throw ReportError("input '\(name)': cannot read '\(relative(path))'") }
            }
            sources.append(MethodsSection.Source(input: name, path: relative(path), stage: context.inputProducers[name],
                                                 sha256: digest.hex, method: method))
        }
        let reportPath = context.outputs["report"].map(relative) ?? "REPORT.html"
        return MethodsSection.markdown(sources, lineage: context.lineage, reportKind: "report/html@\(ReportStage().version)",
                                       reportPath: reportPath)
    }
}
