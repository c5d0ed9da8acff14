import CYaml

/// A YAML syntax or composition error as libyaml (or composing) reports it: the same fields, text
/// and 1-based marks that Yams' `YamlError` carries, so diagnostics read as before.
struct YAMLSyntaxError: Error, Sendable, Equatable {
    /// Which step stopped.
    enum Kind: Sendable, Equatable {
        case reader, scanner, parser, composer, memory
    }

    var kind: Kind
    /// libyaml's problem text, e.g. "did not find expected key".
    var problem: String
    /// libyaml's context text, e.g. "while parsing a block mapping", when it gives one.
    var context: String?
    /// Where the problem is, 1-based (line 1, column 1 for reader and memory errors).
    var line: Int
    var column: Int
}

/// Builds `Node` trees straight from libyaml's event stream, checking `YAMLLimits` on the same
/// pass (one parse of the text instead of a limits pass and a Yams pass).
///
/// Composition matches Yams 5's `compose(yaml:)` (which the loader used before): one document at
/// most ("expected a single document in the stream"), an alias stands for a copy of the node its
/// anchor names, with that node's position, and names only a node completed before it ("found
/// undefined alias"); tags are read past (the loader types plain scalars by their text). Errors
/// come in the order the two passes gave them: an excess anywhere before a syntax error wins,
/// then a composition error, then the syntax error.
/// - Complexity: O(n) in the text; the stack holds only the open collections.
struct YAMLComposer {
    let limits: YAMLLimits

    /// One open collection: its items (or pairs and a key waiting for its value), where it starts
    /// and its anchor.
    private struct Frame {
        var isMapping: Bool
        var mark: Node.Mark
        var anchor: String?
        var items: [Node] = []
        var pairs: [(key: Node, value: Node)] = []
        var key: Node?
    }

    /// The root node of `text`, nil for an empty stream. Throws `YAMLLimits.Excess` or
    /// `YAMLSyntaxError`.
    func compose(_ text: String) throws -> Node? {
        let count = text.utf8.count
        if count > limits.maxBytes {
            throw YAMLLimits.Excess(line: 1, column: 1, message: "the document is \(YAMLLimits.mebibytes(count)) MiB, over the limit of \(YAMLLimits.mebibytes(limits.maxBytes)) MiB; split it into smaller files")
        }
        var text = text
        return try text.withUTF8 { buffer throws -> Node? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                throw YAMLSyntaxError(kind: .memory, problem: "Memory error", line: 1, column: 1)
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            // libyaml reads nothing from an empty buffer but still wants a non-null pointer.
            let empty: [UInt8] = [0]
            return try empty.withUnsafeBufferPointer { fallback throws -> Node? in
                let start = buffer.isEmpty ? fallback.baseAddress! : buffer.baseAddress!
                yaml_parser_set_input_string(&parser, start, buffer.count)
                var state = State(limits: limits)
                try state.run(&parser)
                return state.root
            }
        }
    }

    /// The event loop and everything it accumulates.
    private struct State {
        var tally: EventTally
        var frames: [Frame] = []
        var anchors: [String: Node] = [:]
        var root: Node?
        var documents = 0
        /// A composition error, thrown once the rest of the stream has been checked for an excess.
        var deferred: YAMLSyntaxError?

        init(limits: YAMLLimits) { tally = EventTally(limits: limits) }

        mutating func run(_ parser: inout yaml_parser_t) throws {
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw deferred ?? YAMLComposer.error(of: parser)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                if let excess = tally.add(event) { throw excess }
                guard deferred == nil else { continue }
                if event.type == YAML_DOCUMENT_START_EVENT {
                    documents += 1
                    if documents > 1 {
                        deferred = YAMLSyntaxError(kind: .composer, problem: "but found another document",
                                                   context: "expected a single document in the stream",
                                                   line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                    }
                    continue
                }
                take(event)
            }
            if let deferred { throw deferred }
        }

        /// Adds one node event to the tree under construction.
        private mutating func take(_ event: yaml_event_t) {
            let mark = Node.Mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
            switch event.type {
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let string = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let style = Node.Style(rawValue: UInt8(truncatingIfNeeded: scalar.style.rawValue)) ?? .any
                finish(.scalar(Node.Scalar(string, style: style, mark: mark)), anchor: YAMLComposer.name(scalar.anchor))
            case YAML_ALIAS_EVENT:
                let name = YAMLComposer.name(event.data.alias.anchor) ?? ""
                guard let node = anchors[name] else {
                    deferred = YAMLSyntaxError(kind: .composer, problem: "found undefined alias", context: nil,
                                               line: mark.line, column: mark.column)
                    return
                }
                finish(node, anchor: nil)
            case YAML_SEQUENCE_START_EVENT:
                frames.append(Frame(isMapping: false, mark: mark, anchor: YAMLComposer.name(event.data.sequence_start.anchor)))
            case YAML_MAPPING_START_EVENT:
                frames.append(Frame(isMapping: true, mark: mark, anchor: YAMLComposer.name(event.data.mapping_start.anchor)))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = frames.popLast() else { return }
                let node: Node = frame.isMapping ? .mapping(Node.Mapping(pairs: frame.pairs, mark: frame.mark))
                    : .sequence(Node.Sequence(nodes: frame.items, mark: frame.mark))
                finish(node, anchor: frame.anchor)
            default:
                break
            }
        }

        /// Puts a completed node into its parent (or makes it the root) and remembers its anchor.
        private mutating func finish(_ node: Node, anchor: String?) {
            if let anchor { anchors[anchor] = node }
            guard !frames.isEmpty else {
                if root == nil { root = node }
                return
            }
            let top = frames.count - 1
            if !frames[top].isMapping {
                frames[top].items.append(node)
            } else if let key = frames[top].key {
                frames[top].pairs.append((key, node))
                frames[top].key = nil
            } else {
                frames[top].key = node
            }
        }
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    /// The error libyaml's parser stopped with, as Yams' `YamlError(from:with:)` reads it.
    private static func error(of parser: yaml_parser_t) -> YAMLSyntaxError {
        let problem = parser.problem.map { String(cString: $0) } ?? ""
        let context = parser.context.map { String(cString: $0) }
        let line = Int(parser.problem_mark.line) + 1, column = Int(parser.problem_mark.column) + 1
        switch parser.error {
        case YAML_READER_ERROR: return YAMLSyntaxError(kind: .reader, problem: problem, line: 1, column: 1)
        case YAML_SCANNER_ERROR: return YAMLSyntaxError(kind: .scanner, problem: problem, context: context, line: line, column: column)
        case YAML_PARSER_ERROR: return YAMLSyntaxError(kind: .parser, problem: problem, context: context, line: line, column: column)
        case YAML_COMPOSER_ERROR: return YAMLSyntaxError(kind: .composer, problem: problem, context: context, line: line, column: column)
        default: return YAMLSyntaxError(kind: .memory, problem: "Memory error", line: 1, column: 1)
        }
    }
}
