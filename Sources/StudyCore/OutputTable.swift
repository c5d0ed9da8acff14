/// Every path the stages of a workflow write, in one hash table built once per validation: the
/// validator's duplicate and nesting checks, the output rules and the graph's edges all read it.
/// Each of them used to build a table of its own over every output (four over the 100,000
/// outputs of a large workflow), and a large workflow's load paid for hashing each path four times.
struct OutputTable {
    /// One declared output: its stage's index and its index in that stage's `outputs`.
    struct Writer: Equatable {
        var stage: Int32
        var output: Int32
    }

    /// Who writes one path. A path declared more than once (an error the validator reports) keeps
    /// each reader's view of it: the first declaration for the messages, the last file and the last
    /// directory declaration for the graph's edges.
    struct Entry {
        /// The first output declaring the path.
        var first: Writer
        /// The first output declaring it as a file, or nil when every declaration is a directory.
        var firstFile: Writer?
        /// The last stage declaring it as a file, or -1.
        var lastFile: Int32
        /// The last stage declaring it as a directory, or -1.
        var lastDirectory: Int32
    }

    private var slots: [String: Int32] = [:]
    private(set) var entries: [Entry] = []
    /// Outputs whose path an earlier output already declared, in declaration order.
    private(set) var duplicates: [Writer] = []
    /// Whether any output is a directory: only then does a path's producer depend on its parents.
    private(set) var hasDirectories = false

    /// The table of `stages`' outputs.
    /// - Complexity: O(outputs).
    init(_ stages: [Stage]) {
        let count = stages.reduce(0) { $0 + $1.outputs.count }
        slots.reserveCapacity(count)
        entries.reserveCapacity(count)
        for id in stages.indices {
            let outputs = stages[id].outputs
            for k in outputs.indices {
                let writer = Writer(stage: Int32(id), output: Int32(k))
                let isDirectory = outputs[k].isDirectory
                hasDirectories = hasDirectories || isDirectory
                let slot = Int(slots[outputs[k].path, default: Int32(entries.count)])
                if slot == entries.count {
                    slots[outputs[k].path] = Int32(slot)
                    entries.append(Entry(first: writer, firstFile: nil, lastFile: -1, lastDirectory: -1))
                } else {
                    duplicates.append(writer)
                }
                if isDirectory {
                    entries[slot].lastDirectory = Int32(id)
                } else {
                    entries[slot].lastFile = Int32(id)
                    if entries[slot].firstFile == nil { entries[slot].firstFile = writer }
                }
            }
        }
    }

    /// Who writes exactly `path`, or nil when no output declares it.
    subscript(path: String) -> Entry? {
        slots[path].map { entries[Int($0)] }
    }

    /// Whether some output declares exactly `path`.
    func contains(_ path: String) -> Bool { slots[path] != nil }

    /// The declared paths, in declaration order of their first output.
    func paths(in stages: [Stage]) -> [String] {
        entries.map { stages[Int($0.first.stage)].outputs[Int($0.first.output)].path }
    }

    /// The stage that writes `path`: the last output declaring it as a file, else as a directory,
    /// else the deepest directory output holding it (`StageGraph`'s edges).
    func producer(of path: String) -> Int32? {
        if let entry = self[path] {
            if entry.lastFile >= 0 { return entry.lastFile }
            if entry.lastDirectory >= 0 { return entry.lastDirectory }
        }
        guard hasDirectories else { return nil }
        for parent in WorkspacePath.parents(of: path).reversed() {
            if let directory = self[parent]?.lastDirectory, directory >= 0 { return directory }
        }
        return nil
    }
}

/// The parent directories of paths, remembered for the last directory asked about: consecutive
/// paths of a large workflow mostly share their directory (`out/s1.txt`, `out/s2.txt`), so its
/// parents are split and looked up once per run of paths, not once per path.
struct ParentMemo<Value> {
    private var directory: String?
    private var value: Value?
    private let compute: (String) -> Value

    /// A memo answering `compute(directory)` for a path's directory (its part before the last '/').
    init(_ compute: @escaping (String) -> Value) { self.compute = compute }

    /// `compute` of `path`'s directory, or nil when `path` has no '/'.
    mutating func value(for path: String) -> Value? {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let directory = path.utf8[..<slash]
        // Bytes, not characters: two spellings that Unicode calls equal are two paths on disk.
        if let value, let known = self.directory, known.utf8.elementsEqual(directory) { return value }
        let name = String(Substring(directory))
        let computed = compute(name)
        self.directory = name
        value = computed
        return computed
    }
}
