/// A fan-out stage parsed once, with what differs per instance kept apart, so making 100,000
/// instances is string substitution over shared values, never a YAML walk per instance.
///
/// `stage` is the template as parsed: item placeholders stay in its `run` (expanded at run time
/// from `Workflow.item(of:)`, quoted like every placeholder) and in its `with`/`params` strings;
/// paths and settings that hold them are listed in `paths` and `settings` and filled per instance.
struct StageTemplate {
    /// The parsed template; instances copy it (arrays and templates are shared copy-on-write).
    var stage: Stage
    /// Every text that holds `${each…}`/`${matrix…}`, checked against each instance's item.
    var texts: [ItemText] = []
    /// Input and output paths that hold item placeholders.
    var paths: [ItemPath] = []
    /// `env`, `threads`, `retries`, `resources` values that hold item placeholders.
    var settings: [ItemSetting] = []
    /// Whether a string in `params` / `with` holds an item placeholder.
    var paramsHaveItems = false
    var withHasItems = false

    /// One text with item placeholders and where it is written.
    struct ItemText {
        var template: CommandTemplate
        var node: Node
        /// What the value becomes (`a path`, `'threads'`), when it must be one string or number;
        /// `nil` where any value goes (in `run`, or as a whole `with`/`params` value).
        var scalarFor: String?
    }

    /// An input or output path with item placeholders (`results/${each.key}.json`).
    struct ItemPath {
        var isOutput: Bool
        var index: Int
        var template: CommandTemplate
        var location: SourceLocation
    }

    /// A setting with item placeholders.
    struct ItemSetting {
        enum Target { case env(Int), threads, retries, memory, time }
        var target: Target
        var template: CommandTemplate
        var node: Node
    }
}

/// Collects per-instance diagnostics so that one mistake repeated over many instances is one
/// line: `stage 'cox@a' (and 99 more instances): …`, at the template's position.
struct InstanceProblems {
    private var order: [Key] = []
    private var seen: [Key: (first: String, count: Int)] = [:]

    private struct Key: Hashable {
        var location: SourceLocation
        var message: String
    }

    /// The most distinct diagnostics one template reports; past it, one summary line.
    static let maximumDistinct = 20

    mutating func add(_ message: String, instance: String, at location: SourceLocation) {
        let key = Key(location: location, message: message)
        if let entry = seen[key] {
            seen[key] = (entry.first, entry.count + 1)
        } else {
            seen[key] = (instance, 1)
            order.append(key)
        }
    }

    var isEmpty: Bool { order.isEmpty }

    /// Moves the collected diagnostics into `reader`.
    func flush(into reader: inout YAMLReader, template: String, at location: SourceLocation) {
        for key in order.prefix(Self.maximumDistinct) {
            let entry = seen[key]!
            let more = entry.count > 1 ? " (and \(entry.count - 1) more instance\(entry.count == 2 ? "" : "s"))" : ""
            reader.error("stage '\(entry.first)'\(more): \(key.message)", at: key.location)
        }
        if order.count > Self.maximumDistinct {
            reader.error("stage '\(template)': \(order.count - Self.maximumDistinct) more distinct errors in its instances; fix the ones above first", at: location)
        }
    }
}

extension Node {
    /// Whether this scalar's text could hold an item placeholder (a fast pre-check).
    var mayHoldItemPlaceholder: Bool {
        guard case .scalar(let scalar) = self else { return false }
        return scalar.string.mayHoldItemPlaceholder
    }
}

extension String {
    /// Whether the text contains `${each` or `${matrix` (a fast pre-check before lexing).
    var mayHoldItemPlaceholder: Bool {
        guard utf8.contains(UInt8(ascii: "$")) else { return false }
        return contains("${each.") || contains("${matrix.")
    }

    /// Whether the text holds a `${each.…}` or `${matrix.…}` placeholder.
    var holdsItemPlaceholder: Bool {
        mayHoldItemPlaceholder && CommandTemplate(self).placeholders.contains { $0.scope?.isItem == true }
    }
}

extension JSONValue {
    /// Whether any string inside holds an item placeholder.
    var holdsItemPlaceholder: Bool {
        switch self {
        case .string(let text): return text.holdsItemPlaceholder
        case .array(let items): return items.contains { $0.holdsItemPlaceholder }
        case .object(let members): return members.values.contains { $0.holdsItemPlaceholder }
        default: return false
        }
    }

    /// This value with `${each…}`/`${matrix…}` replaced from `item`: a string that is exactly one
    /// placeholder takes the item's value with its type (a whole map), otherwise the values'
    /// text is spliced in. Other placeholders (`${params.x}`) are kept for run time.
    func substitutingItem(_ item: FanoutItem) -> JSONValue {
        switch self {
        case .string(let text) where text.mayHoldItemPlaceholder:
            let template = CommandTemplate(text)
            if template.segments.count == 1, case .placeholder(let p) = template.segments[0], p.scope?.isItem == true,
               case .value(let value) = item.resolve(scope: p.scopeText, name: p.name) {
                return value
            }
            return .string(template.substitutingItem(item))
        case .array(let items):
            return .array(items.map { $0.substitutingItem(item) })
        case .object(let members):
            return .object(members.mapValues { $0.substitutingItem(item) })
        default:
            return self
        }
    }
}

extension CommandTemplate {
    /// The text with item placeholders replaced by their values' text (unquoted: for paths and
    /// settings, never for shell commands) and every other placeholder kept as written.
    func substitutingItem(_ item: FanoutItem, params: (String) -> JSONValue? = { _ in nil }) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text):
                out += text
            case .placeholder(let p):
                if p.scope?.isItem == true, case .value(let value) = item.resolve(scope: p.scopeText, name: p.name) {
                    out += value.scalarText
                } else if p.scope == .params, let name = p.name, let value = params(name) {
                    out += value.scalarText
                } else {
                    out += p.description
                }
            }
        }
        return out
    }
}
