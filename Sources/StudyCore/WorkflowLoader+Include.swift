/// The files an `include:` merged, parsed but not yet turned into stages: each keeps its own
/// reader, so every diagnostic inside it is positioned in that file.
struct IncludeSet {
    /// One included file's top-level parts.
    struct Document {
        var reader: YAMLReader
        var params: Node?
        var stages: Node?
    }

    var documents: [Document] = []
    var includes = WorkflowIncludes()
    /// Where each file (by identity) was included and under which path, to report a second inclusion.
    var includedAt: [String: (path: String, at: SourceLocation)] = [:]
    /// Bytes of every included file read so far: together they may not exceed one workflow file's limit.
    var totalBytes = 0
    /// The chain of files being loaded, outermost first, with their identities, to report cycles.
    var stack: [(path: String, identity: String)] = []

    /// Whether any included file has a `stages:` key.
    var declaresStages: Bool { documents.contains { $0.stages != nil } }
}

/// `include:` — paths or globs, relative to the including file's directory, whose files add
/// stages and parameters. An included file may carry `description`, `params`, `stages` and
/// `include` (nested, cycles refused); workflow-wide settings (`name`, `slurm`, `sign`,
/// `profiles`) belong to the main workflow file only. Stage ids and parameter names must be
/// unique across all files; a clash names both places.
extension WorkflowLoader {
    /// Top-level keys an included file may carry.
    public static let includedFileKeys = ["description", "include", "params", "stages"]
    /// At most this many files may be included in all.
    public static let maximumIncludedFiles = 1_000

    /// Loads every file `node` (the main file's `include:`) names, depth first.
    func loadIncludes(_ node: Node, reader: inout YAMLReader) -> IncludeSet {
        var set = IncludeSet()
        set.stack = [(reader.file, files?.identity(reader.file) ?? reader.file)]
        includeEntries(node, reader: &reader, into: &set)
        return set
    }

    private func includeEntries(_ node: Node, reader: inout YAMLReader, into set: inout IncludeSet) {
        guard let files else {
            reader.error("'include' cannot be read here: this loader has no access to files", at: node)
            return
        }
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .scalar: items = [node]
        case .mapping:
            reader.error("'include' must be a list of files or patterns like [cohorts/*.yaml], got a mapping", at: node)
            return
        }
        for item in items {
            guard let written = reader.string(item, what: "an entry of 'include'"),
                  let pattern = resolveInclude(written, node: item, files: files, reader: &reader) else { continue }
            set.includes.patterns.append(pattern)
            for path in pattern.matches {
                includeFile(path, at: reader.location(item), files: files, reader: &reader, into: &set)
            }
        }
    }

    /// The entry resolved against the including file's directory and expanded, or nil after
    /// reporting why it names nothing usable.
    private func resolveInclude(_ written: String, node: Node, files: any WorkflowFiles, reader: inout YAMLReader) -> IncludePattern? {
        let base = WorkspacePath.directory(of: reader.file) ?? ""
        let fix = "name included files relative to '\(base.isEmpty ? "." : base)/', e.g. 'cohorts/*.yaml'"
        if written.hasPrefix("/") {
            reader.error("included file '\(written)' is an absolute path; \(fix)", at: node)
            return nil
        }
        let resolved: String
        switch WorkspacePath.normalize(base.isEmpty ? written : base + "/" + written) {
        case .inside(let path, false), .absolute(let path, false):
            resolved = path
        case .inside(let path, true), .absolute(let path, true):
            reader.error("included file '\(written)' names a directory; include its files, e.g. '\(path)/*.yaml'", at: node)
            return nil
        case .escapes:
            reader.error("included file '\(written)' lies outside the workspace; \(fix)", at: node)
            return nil
        case .empty:
            reader.error("empty entry in 'include'; \(fix)", at: node)
            return nil
        }
        let expansion: (matches: [String], directories: [String])
        do { expansion = try IncludeGlob.expand(resolved, in: files) } catch {
            reader.error("include pattern '\(written)' uses '**', which is not supported; write one '*' per directory level, e.g. 'cohorts/*/*.yaml'", at: node)
            return nil
        }
        if expansion.matches.isEmpty {
            reportNoMatch(written, resolved: resolved, node: node, files: files, reader: &reader)
            return nil
        }
        return IncludePattern(pattern: resolved, matches: expansion.matches, directories: expansion.directories)
    }

    private func reportNoMatch(_ written: String, resolved: String, node: Node, files: any WorkflowFiles, reader: inout YAMLReader) {
        if IncludeGlob.hasWildcard(resolved) {
            reader.error("include pattern '\(written)' matches no file (looked for '\(resolved)'); fix the pattern or remove the entry", at: node)
        } else if files.kind(resolved) == .directory {
            reader.error("included file '\(written)' is a directory; include its files, e.g. '\(resolved)/*.yaml'", at: node)
        } else {
            let directory = WorkspacePath.directory(of: resolved) ?? ""
            let name = WorkspacePath.lastComponent(of: resolved)
            let hint = Spelling.suggestion(for: name, among: files.entries(directory) ?? [])
                .map { "; did you mean '\(directory.isEmpty ? $0 : directory + "/" + $0)'?" } ?? "; check the path or remove the entry"
            reader.error("included file '\(resolved)' does not exist\(hint)", at: node)
        }
    }

    /// Reads and parses one included file, then its own includes.
    private func includeFile(_ path: String, at location: SourceLocation, files: any WorkflowFiles,
                             reader: inout YAMLReader, into set: inout IncludeSet) {
        let identity = files.identity(path)
        if let start = set.stack.firstIndex(where: { $0.identity == identity }) {
            let cycle = (set.stack[start...].map(\.path) + [path]).joined(separator: " -> ")
            reader.error("include cycle: \(cycle); a file cannot include itself, directly or through others: remove one of these includes", at: location)
            return
        }
        if let first = set.includedAt[identity] {
            let same = first.path == path ? "" : " (as '\(first.path)', the same file)"
            reader.error("file '\(path)' is already included at \(first.at)\(same); include each file once", at: location)
            return
        }
        set.includedAt[identity] = (path, location)
        guard set.includedAt.count <= Self.maximumIncludedFiles else {
            if set.includedAt.count == Self.maximumIncludedFiles + 1 {
                reader.error("more than \(Self.maximumIncludedFiles) files are included; merge some of them", at: location)
            }
            return
        }
        let before = set.totalBytes
        set.totalBytes += files.size(path) ?? 0
        guard set.totalBytes <= YAMLLimits.workflow.maxBytes else {
            guard before <= YAMLLimits.workflow.maxBytes else { return }
            reader.error("included files add up to more than \(YAMLLimits.mebibytes(YAMLLimits.workflow.maxBytes)) MiB, the limit of one workflow; include fewer or smaller files", at: location)
            return
        }
        guard let document = parseIncludedFile(path, at: location, mainFile: set.stack[0].path, files: files, reader: &reader) else { return }
        let index = set.documents.count
        set.documents.append(document.document)
        set.includes.files.append(IncludedFile(path: path, digest: document.digest))
        var nested = document.document.reader
        if let include = document.include {
            set.stack.append((path, identity))
            includeEntries(include, reader: &nested, into: &set)
            set.stack.removeLast()
        }
        set.documents[index].reader = nested
    }

    /// An included file's text parsed and its top-level keys checked, or nil after reporting why
    /// it cannot be read (unreadable, not UTF-8, too large, not YAML, not a mapping).
    private func parseIncludedFile(_ path: String, at location: SourceLocation, mainFile: String, files: any WorkflowFiles,
                                   reader: inout YAMLReader) -> (document: IncludeSet.Document, include: Node?, digest: Digest)? {
        if let size = files.size(path) {
            do { try Self.checkSize(size, file: path) } catch {
                reader.diagnostics += error.diagnostics
                return nil
            }
        }
        guard let bytes = files.contents(path) else {
            reader.error("included file '\(path)' cannot be read; check its permissions", at: location)
            return nil
        }
        let text: String
        do { text = try Self.text(of: bytes, file: path) } catch {
            reader.diagnostics += error.diagnostics
            return nil
        }
        let body = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        var own = YAMLReader(file: path, text: body)
        let top = SourceLocation(file: path, line: 1, column: 1)
        let root: Node?
        do { root = try Self.compose(body, file: path, lines: own.lines) } catch {
            reader.diagnostics += error.diagnostics
            return nil
        }
        guard let root, case .mapping = root else {
            let got = root.map { own.kindName($0) } ?? "an empty file"
            reader.error("included file must be a mapping with 'stages' or 'params', got \(got); add e.g. 'stages:' or remove it from 'include'", at: root.map { own.location($0) } ?? top)
            return nil
        }
        let pairs = own.pairs(root, context: "at the top level")
        var document = IncludeSet.Document(reader: own, params: nil, stages: nil)
        var include: Node?
        for pair in pairs {
            switch pair.key {
            case "params": document.params = pair.value
            case "stages": document.stages = pair.value
            case "include": include = pair.value
            case "description": _ = own.string(pair.value, what: "'description'")
            case _ where Self.workflowKeys.contains(pair.key):
                own.error("'\(pair.key)' applies to the whole workflow and may be set only in the main workflow file '\(mainFile)'; move it there", at: pair.keyNode)
            default:
                own.checkKeys([pair], allowed: Self.includedFileKeys, context: "at the top level of an included file")
            }
        }
        document.reader = own
        return (document, include, Digest.of(bytes))
    }

    /// The workflow's parameters with those of every included file added; a name declared twice
    /// (or twice up to case, which would export one variable) is reported where the second stands.
    func mergeIncludedParams(_ params: [String: JSONValue], node: Node?, into set: inout IncludeSet,
                             reader: inout YAMLReader) -> [String: JSONValue] {
        guard !set.documents.isEmpty else { return params }
        var merged = params
        var declared: [String: (name: String, at: SourceLocation)] = [:]
        for (name, at) in keyLocations(node, reader: reader) { declared[name.uppercased()] = (name, at) }
        for index in set.documents.indices {
            guard let node = set.documents[index].params else { continue }
            let values = parseParams(node, context: "workflow", reader: &set.documents[index].reader)
            for (name, at) in keyLocations(node, reader: set.documents[index].reader) where values[name] != nil {
                if let other = declared[name.uppercased()] {
                    let problem = other.name == name
                        ? "parameter '\(name)' is also declared at \(other.at); declare each parameter once: remove one of them"
                        : "parameter '\(name)' and parameter '\(other.name)' (at \(other.at)) would both be exported as STUDYFLOW_PARAM_\(name.uppercased()); parameter names must differ in more than case: rename one of them"
                    set.documents[index].reader.error(problem, at: at)
                    continue
                }
                declared[name.uppercased()] = (name, at)
                merged[name] = values[name]
            }
        }
        return merged
    }

    /// Adds the included files' stages to `collection`, in include order, each file's problems
    /// positioned in that file; a stage id declared by the workflow or an earlier included file is
    /// reported where the second stands. Moves the included files' diagnostics into `reader`.
    func collectIncludedStages(_ set: inout IncludeSet, into collection: inout StageCollection,
                               workflowParams: [String: JSONValue], reader: inout YAMLReader) {
        // A workflow without includes (the 100,000-stage case too) pays nothing here.
        guard !set.documents.isEmpty else { return }
        for index in set.documents.indices {
            var own = set.documents[index].reader
            if let node = set.documents[index].stages {
                collectStages(node, workflowParams: workflowParams, acrossFiles: true, into: &collection, reader: &own)
            }
            reader.diagnostics += own.diagnostics
            set.documents[index].reader = own
        }
    }

    /// The first location of each key of a mapping (duplicates are reported by `pairs`).
    private func keyLocations(_ node: Node?, reader: YAMLReader) -> [(String, SourceLocation)] {
        guard case .mapping(let mapping)? = node else { return [] }
        var seen: Set<String> = []
        var result: [(String, SourceLocation)] = []
        for (key, _) in mapping {
            guard case .scalar(let scalar) = key, seen.insert(scalar.string).inserted else { continue }
            result.append((scalar.string, reader.location(key)))
        }
        return result
    }
}
