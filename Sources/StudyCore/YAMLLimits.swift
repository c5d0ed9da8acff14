import CYaml
import Yams

/// Bounds on what a YAML document may make the loader do, checked on libyaml's event stream
/// while `YAMLComposer` builds the loader's nodes (and before Yams composes anything in
/// `compose`): every walk of the nodes recurses once per nesting level, so 5,000 nested `[`
/// would overflow the stack, and an alias bomb ("billion laughs") expands a few hundred bytes
/// into a billion nodes. libyaml's parser itself keeps explicit stacks, so the event pass is safe
/// at any depth and stops at the first excess.
public struct YAMLLimits: Sendable {
    /// Lists and mappings inside each other; a workflow needs about eight.
    public var maxDepth: Int
    /// Nodes that aliases (`*name`) may stand for in all, counting each alias as the size of the
    /// node it repeats, in a small document. A larger one may have `aliasRatio` times its own
    /// written nodes, so 10,000 stages that each repeat `params: *defaults` still load, while a
    /// few hundred bytes cannot stand for millions of nodes.
    public var maxAliasNodes: Int
    /// Alias nodes allowed per written node, past `maxAliasNodes`.
    public var aliasRatio: Int = 10
    /// Bytes of the whole document.
    public var maxBytes: Int

    /// Limits for a workflow file: 256 levels, 100,000 nodes through aliases, 64 MiB (a
    /// 10,000-stage workflow is about 3 MiB).
    public static let workflow = YAMLLimits(maxDepth: 256, maxAliasNodes: 100_000, maxBytes: 64 << 20)

    /// Creates limits.
    public init(maxDepth: Int, maxAliasNodes: Int, maxBytes: Int) {
        self.maxDepth = maxDepth
        self.maxAliasNodes = maxAliasNodes
        self.maxBytes = maxBytes
    }

    /// A document past a limit: what was exceeded and where (1-based; line 1, column 1 for size).
    public struct Excess: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based line.
        public var line: Int
        /// 1-based column.
        public var column: Int
        /// Lowercase text naming the limit and the fix.
        public var message: String
        public var description: String { "\(line):\(column): \(message)" }

        /// Creates an excess at a 1-based position.
        public init(line: Int, column: Int, message: String) {
            self.line = line
            self.column = column
            self.message = message
        }
    }

    /// Composes `text` with Yams once it is known to be within the limits. A syntax error comes
    /// from Yams as before (`YamlError`); an excess throws `Excess`.
    public func compose(_ text: String) throws -> Yams.Node? {
        try check(text)
        return try Yams.compose(yaml: text)
    }

    /// The text of the error composing `text` fails with, as Yams words it (with its snippet),
    /// for callers that printed Yams' error whole; `ours` is `YAMLComposer`'s error for the same
    /// text, used if Yams, unexpectedly, composes it.
    func errorText(_ text: String, ours: any Error) -> String {
        do {
            _ = try compose(text)
            return "\(ours)"
        } catch {
            return "\(error)"
        }
    }

    /// Throws the first limit `text` exceeds. A syntax error ends the check quietly: Yams, which
    /// stops at the same place, reports it.
    public func check(_ text: String) throws(Excess) {
        var text = text
        let count = text.utf8.count
        if count > maxBytes {
            throw Excess(line: 1, column: 1, message: "the document is \(Self.mebibytes(count)) MiB, over the limit of \(Self.mebibytes(maxBytes)) MiB; split it into smaller files")
        }
        let excess: Excess? = text.withUTF8 { buffer in
            guard let start = buffer.baseAddress, !buffer.isEmpty else { return nil }
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, start, buffer.count)
            var tally = EventTally(limits: self)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return nil }
                if let excess = tally.add(event) { return excess }
            }
        }
        if let excess { throw excess }
    }

    /// `bytes` in MiB with one decimal, rounded up, so a size just over a limit never prints as the limit.
    static func mebibytes(_ bytes: Int) -> String {
        let tenths = (bytes * 10 + (1 << 20) - 1) >> 20
        return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
    }
}

/// Depth and alias-expansion bookkeeping over libyaml events.
struct EventTally {
    let limits: YAMLLimits
    /// Open collections: their anchor and the nodes they hold so far (themselves included).
    var open: [(anchor: String?, nodes: Int)] = []
    /// Nodes each anchor stands for.
    var anchorSizes: [String: Int] = [:]
    var aliasNodes = 0
    /// Nodes written out (not through an alias).
    var writtenNodes = 0

    init(limits: YAMLLimits) { self.limits = limits }

    mutating func add(_ event: yaml_event_t) -> YAMLLimits.Excess? {
        let mark = event.start_mark
        switch event.type {
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let anchor = event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
            open.append((Self.name(anchor), 1))
            writtenNodes += 1
            if open.count > limits.maxDepth {
                return excess(mark, "lists and mappings are nested more than \(limits.maxDepth) levels deep; flatten the structure")
            }
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let closed = open.popLast() else { return nil }
            if let anchor = closed.anchor { anchorSizes[anchor] = closed.nodes }
            count(closed.nodes)
        case YAML_SCALAR_EVENT:
            if let anchor = Self.name(event.data.scalar.anchor) { anchorSizes[anchor] = 1 }
            writtenNodes += 1
            count(1)
        case YAML_ALIAS_EVENT:
            let size = Self.name(event.data.alias.anchor).flatMap { anchorSizes[$0] } ?? 1
            aliasNodes = Self.add(aliasNodes, size)
            let limit = max(limits.maxAliasNodes, limits.aliasRatio * writtenNodes)
            if aliasNodes > limit {
                return excess(mark, "aliases expand to more than \(limit) nodes (an alias bomb?); write the repeated values out or use fewer nested aliases")
            }
            count(size)
        default:
            break
        }
        return nil
    }

    private mutating func count(_ nodes: Int) {
        guard !open.isEmpty else { return }
        open[open.count - 1].nodes = Self.add(open[open.count - 1].nodes, nodes)
    }

    private func excess(_ mark: yaml_mark_t, _ message: String) -> YAMLLimits.Excess {
        YAMLLimits.Excess(line: Int(mark.line) + 1, column: Int(mark.column) + 1, message: message)
    }

    /// Saturating addition, so a bomb's sizes cannot overflow.
    private static func add(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
}
