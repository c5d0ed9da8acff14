#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the stage names a user types (`--until`, `--force`, `reproduce --stage`, `log --stage`)
/// into stages, one rule for every command: an exact id (`cox@msk`, `clean`), a fan-out template
/// (`cox` = every instance, as Snakemake's `--until`/`--forcerun RULE` cover every job of a rule),
/// or an fnmatch glob (`cox@*`, `cox@m?k`, `cox@[ab]*`; `*` also crosses `@`).
public struct StageSelector: Sendable {
    /// Every selectable stage id, in the order results are returned.
    public let ids: [String]
    /// Fan-out templates and their instances' positions in `ids`.
    public let templates: [String: [Int]]

    /// A selector over explicit ids and templates (used for recorded runs, where only ids exist:
    /// templates are then derived from the `TEMPLATE@KEY` shape).
    public init(ids: [String], templates: [String: [Int]]? = nil) {
        self.ids = ids
        self.templates = templates ?? Self.derivedTemplates(ids)
    }

    /// A selector over a loaded workflow's stages and fan-outs.
    public init(workflow: Workflow) {
        var templates: [String: [Int]] = [:]
        for group in workflow.fanouts { templates[group.template] = Array(group.stages) }
        self.init(ids: workflow.stages.map(\.id), templates: templates)
    }

    /// The indices (into `ids`) `patterns` name, each once, in `ids` order.
    /// - Throws: `StageSelectionError` for the first pattern that names nothing.
    /// - Complexity: O(patterns × ids) for globs; O(ids) for exact names.
    public func select(_ patterns: [String]) throws(StageSelectionError) -> [Int] {
        var chosen = [Bool](repeating: false, count: ids.count)
        var index: [String: Int]?
        for pattern in patterns {
            if Self.isGlob(pattern) {
                var any = false
                for (i, id) in ids.enumerated() where Self.matches(pattern, id) { chosen[i] = true; any = true }
                if !any { throw .noMatch(pattern, suggestion: globSuggestion(pattern)) }
            } else if let range = templates[pattern], !ids.contains(pattern) {
                for i in range { chosen[i] = true }
            } else {
                if index == nil { index = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }) }
                guard let i = index?[pattern] else {
                    throw .unknown(pattern, suggestion: Spelling.suggestion(for: pattern, among: ids + templates.keys.sorted()))
                }
                chosen[i] = true
            }
        }
        return chosen.indices.filter { chosen[$0] }
    }

    /// The ids `patterns` name, in `ids` order.
    public func selectIDs(_ patterns: [String]) throws(StageSelectionError) -> [String] {
        try select(patterns).map { ids[$0] }
    }

    /// The template of an instance id (`cox` for `cox@msk`), `nil` for a plain stage: ids users
    /// write never contain `@`, so the shape alone tells (also for ids read back from a ledger).
    public static func template(ofInstance id: String) -> String? {
        id.firstIndex(of: "@").map { String(id[..<$0]) }
    }

    /// Whether `pattern` uses fnmatch syntax (`*`, `?`, `[`); stage ids never contain these.
    public static func isGlob(_ pattern: String) -> Bool {
        pattern.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    /// fnmatch(3) with no flags: `*` and `?` match any character, `[...]`/`[!...]` a set.
    public static func matches(_ pattern: String, _ id: String) -> Bool {
        fnmatch(pattern, id, 0) == 0
    }

    /// A glob that matched nothing: the nearest of the ids, the templates and `TEMPLATE@*`.
    private func globSuggestion(_ pattern: String) -> String? {
        let templateGlobs = templates.keys.sorted().map { $0 + "@*" }
        return Spelling.suggestion(for: pattern, among: templateGlobs + templates.keys.sorted() + ids)
    }

    /// `cox` → the indices of the ids shaped `cox@KEY`.
    private static func derivedTemplates(_ ids: [String]) -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for (i, id) in ids.enumerated() {
            guard let template = template(ofInstance: id) else { continue }
            result[template, default: []].append(i)
        }
        return result
    }
}

/// A stage name the user typed that names no stage.
public enum StageSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An exact name that is neither a stage nor a fan-out template.
    case unknown(String, suggestion: String?)
    /// A glob that matches no stage.
    case noMatch(String, suggestion: String?)

    public var description: String {
        switch self {
        case .unknown(let name, let suggestion):
            return "no stage named '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "; 'studyflow status' lists the stages")
        case .noMatch(let pattern, let suggestion):
            return "no stage matches '\(pattern)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "; 'studyflow status' lists the stages")
        }
    }
}
