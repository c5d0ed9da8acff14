/// A YAML node as the loader reads it: text, quoting style and position, nothing more.
///
/// It replaces Yams' `Node` in the loader, whose every scalar carries a `Tag` object (one more
/// allocation and refcount per value) that the loader never reads. The shape and names follow
/// Yams' (`.scalar`, `.mapping`, `.sequence`, `mark`, `Scalar.string`, `Scalar.style`), so the
/// loader's code reads the same. Built by `YAMLComposer` from libyaml's events.
enum Node: Sendable {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Sequence)

    /// A 1-based position (libyaml's start mark of the node; columns count Unicode scalars).
    struct Mark: Sendable, Equatable {
        var line: Int
        var column: Int
    }

    /// How a scalar was written; the raw values are libyaml's `yaml_scalar_style_t`.
    enum Style: UInt8, Sendable {
        case any = 0, plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// A scalar: its text after YAML's unquoting and folding.
    struct Scalar: Sendable {
        var string: String
        var style: Style
        /// Line and column, 1-based, packed to keep every node small.
        private var line: UInt32, column: UInt32

        init(_ string: String, style: Style = .plain, mark: Mark = Mark(line: 1, column: 1)) {
            self.string = string
            self.style = style
            self.line = UInt32(clamping: mark.line)
            self.column = UInt32(clamping: mark.column)
        }

        var mark: Mark { Mark(line: Int(line), column: Int(column)) }
    }

    /// A mapping's pairs in document order (duplicates kept: the loader reports them).
    struct Mapping: RandomAccessCollection, Sendable {
        var pairs: [(key: Node, value: Node)]
        var mark: Mark

        var startIndex: Int { pairs.startIndex }
        var endIndex: Int { pairs.endIndex }
        subscript(position: Int) -> (key: Node, value: Node) { pairs[position] }
    }

    /// A sequence's items in document order.
    struct Sequence: RandomAccessCollection, Sendable {
        var nodes: [Node]
        var mark: Mark

        var startIndex: Int { nodes.startIndex }
        var endIndex: Int { nodes.endIndex }
        subscript(position: Int) -> Node { nodes[position] }
    }

    /// A scalar's text, `nil` for a list or mapping (as Yams' `Node.string`).
    var string: String? {
        if case .scalar(let scalar) = self { return scalar.string }
        return nil
    }

    /// Where the node starts.
    var mark: Mark? {
        switch self {
        case .scalar(let scalar): return scalar.mark
        case .mapping(let mapping): return mapping.mark
        case .sequence(let sequence): return sequence.mark
        }
    }
}
