import StudyCore
import StudyReport
import Yams

/// The published-figures file of a `published` table: a YAML list of numbers from the paper being
/// reproduced, each with its citation and the result field that reproduces it.
///
/// ```yaml
/// - quantity: Median overall survival, women
///   published: 426            # a number, or text such as "0.59 (0.42-0.83)"
///   unit: days                # optional
///   citation: Loprinzi et al., J Clin Oncol 12:601 (1994)
///   reproduced: {input: km, value: "curves[group=2].median.estimate"}
/// ```
///
/// `input` names one of the report stage's inputs; `value` is a path into that result: member
/// names joined by `.`, `[N]` for the N-th list item (from 0) and `[key=value]` for the list item
/// whose `key` is `value` — `terms[term=sex].hr`, `groups[0].observed`.
struct PublishedFigures: Sendable {
    struct Entry: Sendable {
        var quantity: String
        var published: String
        var publishedValue: Double?
        var unit: String?
        var citation: String
        var input: String
        var path: ResultPath
    }

    var entries: [Entry]

    /// Parses the file's text; `field` prefixes every problem (the table's `with` field and the file).
    static func parse(_ text: String, inputs: Set<String>) -> (figures: PublishedFigures, problems: [String]) {
        let root: Node?
        do {
            root = try YAMLLimits.workflow.compose(text)
        } catch let excess as YAMLLimits.Excess {
            return (PublishedFigures(entries: []), ["line \(excess.line), column \(excess.column): \(excess.message)"])
        } catch {
            return (PublishedFigures(entries: []), ["does not parse as YAML: \(Self.oneLine(error))"])
        }
        guard let root, let items = root.sequence else {
            return (PublishedFigures(entries: []), ["must be a list of {quantity, published, unit, citation, reproduced: {input, value}}"])
        }
        var problems: [String] = []
        var entries: [Entry] = []
        for (i, item) in items.enumerated() {
            let at = "[\(i)] (line \((item.mark?.line ?? 0)))"
            guard let mapping = item.mapping else {
                problems.append("\(at): must be a mapping with quantity, published, citation and reproduced")
                continue
            }
            var fields: [String: Node] = [:]
            for (keyNode, value) in mapping {
                guard let key = keyNode.scalar?.string else { problems.append("\(at): keys must be names"); continue }
                if fields[key] != nil { problems.append("\(at): duplicate key '\(key)'") }
                if !["quantity", "published", "unit", "citation", "reproduced"].contains(key) {
                    problems.append("\(at).\(key): unknown key; known: quantity, published, unit, citation, reproduced")
                }
                fields[key] = value
            }
            func text(_ key: String, required: Bool = true) -> String? {
                guard let node = fields[key] else {
                    if required { problems.append("\(at).\(key): missing") }
                    return nil
                }
                guard let s = node.scalar?.string else { problems.append("\(at).\(key): must be text or a number"); return nil }
                return s
            }
            let quantity = text("quantity"), published = text("published"), citation = text("citation")
            let unit = text("unit", required: false)
            var publishedValue: Double? = nil
            if let node = fields["published"]?.scalar, node.style == .plain { publishedValue = NumberFormat.parse(node.string) }
            guard let reproduced = fields["reproduced"]?.mapping else {
                problems.append("\(at).reproduced: missing; give {input: NAME, value: PATH}")
                continue
            }
            var input: String? = nil, pathText: String? = nil
            for (keyNode, value) in reproduced {
                switch keyNode.scalar?.string {
                case "input": input = value.scalar?.string
                case "value": pathText = value.scalar?.string
                default: problems.append("\(at).reproduced.\(keyNode.scalar?.string ?? "?"): unknown key; known: input, value")
                }
            }
            guard let input else { problems.append("\(at).reproduced.input: missing"); continue }
            if !inputs.contains(input) {
                problems.append("\(at).reproduced.input: '\(input)' is not an input of this stage; inputs are: \(inputs.sorted().joined(separator: ", "))")
            }
            guard let pathText else { problems.append("\(at).reproduced.value: missing; give a path such as terms[term=sex].hr"); continue }
            let path: ResultPath
            do throws(ReportError) {
                path = try ResultPath(pathText)
            } catch {
                problems.append("\(at).reproduced.value: \(error.message)")
                continue
            }
            guard let quantity, let published, let citation else { continue }
            entries.append(Entry(quantity: quantity, published: published, publishedValue: publishedValue, unit: unit,
                                 citation: citation, input: input, path: path))
        }
        return (PublishedFigures(entries: entries), problems)
    }

    /// Why the file's bytes are not UTF-8 (a leading BOM is fine), or nil when they are: decoding
    /// leniently would turn a Latin-1 'é' into U+FFFD and compare the wrong text.
    static func encodingProblem(_ bytes: [UInt8]) -> String? {
        UTF8Check.firstInvalid(bytes).map { "is not UTF-8: \($0); save it as UTF-8" }
    }

    static func oneLine(_ error: any Error) -> String {
        String(describing: error).split(separator: "\n").map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

/// A path into a result: `curves[group=2].median.estimate`.
struct ResultPath: Sendable, CustomStringConvertible {
    enum Step: Sendable {
        case member(String)
        case index(Int)
        case match(key: String, value: String)
    }

    var steps: [Step]
    let description: String

    init(_ text: String) throws(ReportError) {
        description = text
        steps = []
        var rest = Substring(text)
        func name() -> String {
            let n = rest.prefix { $0 != "." && $0 != "[" }
            rest = rest.dropFirst(n.count)
            return String(n)
        }
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw ReportError("'\(text)': unclosed '['") }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if let eq = inside.firstIndex(of: "=") {
                    let key = String(inside[..<eq]), value = String(inside[inside.index(after: eq)...])
                    guard !key.isEmpty else { throw ReportError("'\(text)': empty key in '[\(inside)]'") }
                    steps.append(.match(key: key, value: value))
                } else if let i = Int(inside), i >= 0 {
                    steps.append(.index(i))
                } else {
                    throw ReportError("'\(text)': '[\(inside)]' must be an index such as [0] or a match such as [term=sex]")
                }
                rest = rest[rest.index(after: close)...]
            } else {
                if rest.first == "." {
                    guard !steps.isEmpty else { throw ReportError("'\(text)': starts with '.'") }
                    rest = rest.dropFirst()
                }
                let n = name()
                guard !n.isEmpty else { throw ReportError("'\(text)': empty member name") }
                steps.append(.member(n))
            }
        }
        guard !steps.isEmpty else { throw ReportError("empty path; give one such as terms[term=sex].hr") }
    }

    /// The number the path selects in `value`; a missing member or a non-number is an error naming
    /// the path, and `null` (e.g. a median not reached) is nil.
    func number(in value: ResultValue) throws(ReportError) -> Double? {
        var current = value
        for step in steps {
            switch step {
            case .member(let name):
                guard let next = current[name] else { throw ReportError("'\(description)': no member '\(name)'") }
                current = next
            case .index(let i):
                guard let items = current.array, i < items.count else { throw ReportError("'\(description)': no item [\(i)]") }
                current = items[i]
            case .match(let key, let wanted):
                guard let items = current.array else { throw ReportError("'\(description)': [\(key)=\(wanted)] needs a list") }
                guard let found = items.first(where: { item in
                    switch item[key] {
                    case .string(let s)?: return s == wanted
                    case .number(let d)?: return NumberFormat.parse(wanted) == d
                    default: return false
                    }
                }) else {
                    let present = items.compactMap { $0[key]?.string ?? $0[key]?.double.map(JSONValue.format) }
                    throw ReportError("'\(description)': no item with \(key)=\(wanted); present: \(present.joined(separator: ", "))")
                }
                current = found
            }
        }
        switch current {
        case .number(let d): return d
        case .null: return nil
        default: throw ReportError("'\(description)' selects something that is not a number")
        }
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
